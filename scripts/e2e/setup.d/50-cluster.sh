# The cluster's end-to-end test (cluster_test.py): the real HAProxy that deploy/cluster/haproxy.cfg
# is checked with and run by, and psql to read the shared database (scripts/test.sh installs
# PostgreSQL, whose client comes with it). Sourced by scripts/e2e/setup.sh (log, fail,
# apt_install); idempotent and quiet when both are there.
apt_install haproxy
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || fail "no haproxy after installing it"
command -v psql >/dev/null || apt_install postgresql-client
command -v psql >/dev/null || fail "no psql after installing postgresql-client"
