#!/usr/bin/env bash
# Installs the real syslog clients that the end-to-end tests of `vigil serve` drive:
#   logger   util-linux's, shipped in bsdutils on Debian 12 (2.38: --rfc5424, --tcp, --octet-count)
#   loggen   from syslog-ng-core (installed)
#   rsyslogd from rsyslog, *unpacked* into a cache folder, not installed: the package conflicts
#            with syslog-ng-core, and the tests run it in the foreground with a private config.
#            Its libraries (libestr0, libfastjson4, liblognorm5, and whatever ldd still reports
#            missing) are installed: they conflict with nothing.
#
# Idempotent and quiet: when everything is there it installs and downloads nothing. Bounded: every
# apt call has a timeout and waits at most 120 s for the dpkg lock. `apt-get update` runs once,
# only when a package is not found. Needs root (apt-get).
#
# Prints where things are, as shell assignments (the tests find the same paths by default):
#   LOGGER=… LOGGEN=… RSYSLOGD=… RSYSLOG_MODULES=…
#
# Environment: VIGIL_E2E_CACHE — where rsyslog is unpacked (default /var/cache/vigil-e2e; the
# tests read the same variable).
set -euo pipefail

CACHE="${VIGIL_E2E_CACHE:-/var/cache/vigil-e2e}"
RSYSLOG_DIR="$CACHE/rsyslog"
RSYSLOGD="$RSYSLOG_DIR/usr/sbin/rsyslogd"
APT_LOG="$(mktemp /tmp/vigil-e2e-apt.XXXXXX)"
trap 'rm -f "$APT_LOG"' EXIT
export DEBIAN_FRONTEND=noninteractive
APT_INSTALL=(apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=120 -o Dpkg::Use-Pty=0)
updated=0

log() { echo "e2e setup: $*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

apt_update_once() {
    [ "$updated" -eq 1 ] && return 0
    updated=1
    log "apt-get update"
    timeout 300 apt-get update -qq -o DPkg::Lock::Timeout=120 >"$APT_LOG" 2>&1 || { cat "$APT_LOG" >&2; fail "apt-get update"; }
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Installs those of the packages that are not installed; when that fails before the package lists
# were updated (a package not found, an outdated version), updates them once and tries again.
apt_install() {
    local missing=() p
    for p in "$@"; do installed "$p" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "apt-get install ${missing[*]}"
    timeout 900 "${APT_INSTALL[@]}" "${missing[@]}" >"$APT_LOG" 2>&1 && return 0
    if [ "$updated" -eq 0 ]; then
        apt_update_once
        timeout 900 "${APT_INSTALL[@]}" "${missing[@]}" >"$APT_LOG" 2>&1 && return 0
    fi
    cat "$APT_LOG" >&2
    fail "apt-get install ${missing[*]}"
}

# --- logger with RFC 6587 octet counting ---------------------------------------------------------
apt_install bsdutils
command -v logger >/dev/null || apt_install util-linux
logger --help 2>&1 | grep -q -- '--octet-count' || fail "$(command -v logger) has no --octet-count (util-linux < 2.26?)"

# --- loggen ----------------------------------------------------------------------------------------
apt_install syslog-ng-core
command -v loggen >/dev/null || fail "no loggen after installing syslog-ng-core"

# --- rsyslogd, unpacked ---------------------------------------------------------------------------
apt_install libestr0 libfastjson4 liblognorm5

if [ ! -x "$RSYSLOGD" ]; then
    log "downloading and unpacking rsyslog into $RSYSLOG_DIR"
    mkdir -p "$CACHE"
    work="$(mktemp -d "$CACHE/download.XXXXXX")"
    trap 'rm -f "$APT_LOG"; rm -rf "$work"' EXIT
    if ! (cd "$work" && timeout 300 apt-get download -qq rsyslog >"$APT_LOG" 2>&1); then
        apt_update_once
        (cd "$work" && timeout 300 apt-get download -qq rsyslog >"$APT_LOG" 2>&1) || { cat "$APT_LOG" >&2; fail "apt-get download rsyslog"; }
    fi
    rm -rf "$RSYSLOG_DIR.tmp"
    dpkg -x "$work"/rsyslog_*.deb "$RSYSLOG_DIR.tmp"
    rm -rf "$RSYSLOG_DIR"
    mv "$RSYSLOG_DIR.tmp" "$RSYSLOG_DIR"
    rm -rf "$work"
fi

modules=("$RSYSLOG_DIR"/usr/lib/*/rsyslog/imudp.so)
[ -f "${modules[0]}" ] || fail "no rsyslog modules (imudp.so) under $RSYSLOG_DIR/usr/lib"
RSYSLOG_MODULES="$(dirname "${modules[0]}")"

# Libraries missing for rsyslogd and the modules the tests load (omfwd is built in; TCP
# forwarding loads the lm*.so network modules).
missing_libs() {
    local f
    for f in "$RSYSLOGD" "$RSYSLOG_MODULES"/{imudp,imtcp,lmnet,lmnetstrms,lmnsd_ptcp,lmtcpclt,lmtcpsrv}.so; do
        [ -e "$f" ] && ldd "$f" 2>/dev/null | awk '/not found/ {print $1}'
    done | sort -u
}
# Installs the packages of the libraries that ldd reports missing for WHAT (a name for messages)
# from the output of the command given after it; fails when some are still missing.
apt_install_missing_libs() {
    local what="$1" libs lib stem ver pkgs=()
    shift
    libs="$("$@")"
    [ -n "$libs" ] || return 0
    # libfoo.so.3 is in package libfoo3 (libfoo2.so.1 in libfoo2-1): Debian's naming policy.
    for lib in $libs; do
        stem="${lib%%.so*}"; ver="${lib##*.so.}"; ver="${ver%%.*}"
        if [[ "$stem" =~ [0-9]$ ]]; then pkgs+=("$stem-$ver"); else pkgs+=("$stem$ver"); fi
    done
    log "$what lacks $(echo $libs): installing ${pkgs[*]}"
    apt_install "${pkgs[@]}"
    libs="$("$@")"
    [ -z "$libs" ] || fail "$what still lacks $(echo $libs)"
}
apt_install_missing_libs rsyslogd missing_libs

# It runs, and loads the modules the tests use.
check="$(mktemp -d /tmp/vigil-e2e-rsyslog-check.XXXXXX)"
trap 'rm -f "$APT_LOG"; rm -rf "$check"' EXIT
cat >"$check/rsyslog.conf" <<EOF
global(workDirectory="$check")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="9" ruleset="r")
ruleset(name="r") { action(type="omfwd" target="127.0.0.1" port="9" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format") }
EOF
timeout 30 "$RSYSLOGD" -N1 -M "$RSYSLOG_MODULES" -f "$check/rsyslog.conf" >"$APT_LOG" 2>&1 \
    || { cat "$APT_LOG" >&2; fail "$RSYSLOGD -N1 rejects a config with imudp and omfwd"; }

# --- what each capability's tests need (alertmanager, chromium, TLS drivers, …) ----------------
# Each scripts/e2e/setup.d/*.sh is sourced here, in name order, with the helpers above (log, fail,
# apt_install, apt_update_once, installed, apt_install_missing_libs) and $CACHE; each is idempotent and quiet like this file.
for part in "$(dirname "$0")"/setup.d/*.sh; do
    [ -e "$part" ] || continue
    # shellcheck source=/dev/null
    source "$part"
done

echo "LOGGER=$(command -v logger)"
echo "LOGGEN=$(command -v loggen)"
echo "RSYSLOGD=$RSYSLOGD"
echo "RSYSLOG_MODULES=$RSYSLOG_MODULES"
