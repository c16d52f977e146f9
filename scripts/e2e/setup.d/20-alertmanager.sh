# Prometheus Alertmanager for scripts/e2e/notify_test.py: Debian's package. The test runs its own
# instance (loopback, a free port, clustering off, a private config and storage directory), never
# the packaged service. Sourced by scripts/e2e/setup.sh (apt_install, fail).
apt_install prometheus-alertmanager
[ -x /usr/bin/prometheus-alertmanager ] || fail "no /usr/bin/prometheus-alertmanager after installing prometheus-alertmanager"
echo "ALERTMANAGER=/usr/bin/prometheus-alertmanager"
