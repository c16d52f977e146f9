# Sourced by scripts/e2e/setup.sh (helpers: log, fail, apt_install, apt_update_once, installed,
# apt_install_missing_libs;
# $CACHE, $RSYSLOG_DIR, $RSYSLOG_MODULES, $APT_LOG). What the TLS and journald tests need:
#   openssl                 certificates for the tests, and `openssl s_client` as a client
#   rsyslog's TLS drivers   lmnsd_gtls.so (rsyslog-gnutls) and lmnsd_ossl.so (rsyslog-openssl),
#                           *unpacked* beside the unpacked rsyslog, as rsyslog itself is
#   syslog-ng               transport("tls") (syslog-ng-core, built with OpenSSL)
#   systemd-journal-upload  and systemd-journal-remote (to make a journal file from export text)
# Idempotent and quiet like setup.sh.

apt_install openssl systemd-journal-remote syslog-ng-core
command -v openssl >/dev/null || fail "no openssl after installing it"
[ -x /lib/systemd/systemd-journal-upload ] || fail "no /lib/systemd/systemd-journal-upload after installing systemd-journal-remote"
[ -x /lib/systemd/systemd-journal-remote ] || fail "no /lib/systemd/systemd-journal-remote after installing systemd-journal-remote"

# rsyslog's TLS stream drivers, unpacked into the same tree as rsyslogd (same version: both come
# from the same package lists).
for driver in gnutls:gtls openssl:ossl; do
    package="rsyslog-${driver%%:*}"
    module="$RSYSLOG_MODULES/lmnsd_${driver##*:}.so"
    [ -f "$module" ] && continue
    log "downloading and unpacking $package into $RSYSLOG_DIR"
    work="$(mktemp -d "$CACHE/download.XXXXXX")"
    if ! (cd "$work" && timeout 300 apt-get download -qq "$package" >"$APT_LOG" 2>&1); then
        apt_update_once
        (cd "$work" && timeout 300 apt-get download -qq "$package" >"$APT_LOG" 2>&1) || { cat "$APT_LOG" >&2; rm -rf "$work"; fail "apt-get download $package"; }
    fi
    dpkg -x "$work"/"$package"_*.deb "$work/tree"
    found=("$work"/tree/usr/lib/*/rsyslog/lmnsd_"${driver##*:}".so)
    [ -f "${found[0]}" ] || { rm -rf "$work"; fail "$package has no lmnsd_${driver##*:}.so"; }
    cp "$work"/tree/usr/lib/*/rsyslog/*.so "$RSYSLOG_MODULES/"
    rm -rf "$work"
done

# Their libraries (libgnutls30, libssl3: usually present; installed when ldd misses them).
missing_tls_libs() {
    for f in "$RSYSLOG_MODULES"/lmnsd_gtls.so "$RSYSLOG_MODULES"/lmnsd_ossl.so; do ldd "$f" 2>/dev/null | awk '/not found/ {print $1}'; done | sort -u
}
apt_install_missing_libs "rsyslog's TLS drivers" missing_tls_libs

# syslog-ng must have TLS in its network() driver.
tls_check="$(mktemp -d /tmp/vigil-e2e-syslogng-tls.XXXXXX)"
cat >"$tls_check/syslog-ng.conf" <<CONF
@version: 3.38
source s { stdin(); };
destination d { network("127.0.0.1" port(9) transport("tls") tls(peer-verify(no))); };
log { source(s); destination(d); };
CONF
timeout 30 syslog-ng --syntax-only -f "$tls_check/syslog-ng.conf" >"$APT_LOG" 2>&1 \
    || { cat "$APT_LOG" >&2; rm -rf "$tls_check"; fail "syslog-ng rejects transport(\"tls\") (built without TLS?)"; }
rm -rf "$tls_check"
