#!/usr/bin/env bash
# End-to-end receiver benchmark: Vigil against rsyslog, syslog-ng and bare C floors, on loopback.
#
#   bash benchmarks/receiver/run.sh
#
# Installs what is missing (Debian packages; rsyslog is unpacked, not installed), builds the C
# tools into .build-bench/, writes the test messages once, then runs bench.py, which starts each
# receiver fresh for each test, measures it and prints the table (also kept in
# .build-bench/results.txt and .json). See README.md beside this file.
#
# Environment (defaults in brackets):
#   VIGIL        the vigil binary [<repo>/.build-release/release/vigil]; skipped when missing
#   VIGIL_ARGS   extra arguments for `vigil serve` []
#   RECEIVERS    vigil,rsyslog,syslog-ng,floor     TESTS   tcp1,tcp4,udp
#   MESSAGES     TCP messages per test [2000000]   REPEAT  TCP runs per test, median kept [3]
#   RATES        paced UDP rates, msgs/s [50000,100000,150000,200000,250000]
#   UDP_SECONDS  seconds per UDP rate [3]          REF_RATE  the UDP rate compared in the table [200000]
#   UDP_FLOWS    UDP source sockets the batches rotate over, as several devices would [4]
#   PORT         UDP+TCP port of the receivers [25514]   HTTP_PORT  Vigil's HTTP port [28080]
#   TIME_LIMIT   seconds for the whole measurement [900]
#   TESTS=tls4   adds syslog over TLS: TLS_MESSAGES [1000000] over 4 connections to PORT+1, Vigil
#                against rsyslog's imtcp with the gtls and the ossl stream driver ("rsyslog-ossl"
#                in RECEIVERS), e.g. RECEIVERS=vigil,rsyslog,rsyslog-ossl TESTS=tls4
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$here/.build-bench"
VIGIL="${VIGIL-$repo/.build-release/release/vigil}"
MESSAGES="${MESSAGES:-2000000}"
TIME_LIMIT="${TIME_LIMIT:-900}"
mkdir -p "$out"

say() { echo "run.sh: $*" >&2; }

# ---------------------------------------------------------------- cleanup
work=""
bench_pid=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
        kill -TERM "$bench_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$bench_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$bench_pid" 2>/dev/null || true
    fi
    # Every process bench.py started is listed as "PID COMM": stop those still running (and still
    # the same program), by PID only.
    if [ -n "$work" ] && [ -f "$work/pids" ]; then
        local pid comm
        while read -r pid comm; do
            if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]; then
                say "stopping leftover $comm ($pid)"
                kill -TERM "$pid" 2>/dev/null || true
                for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done < "$work/pids"
    fi
    if [ -n "$work" ]; then
        if [ "$status" -eq 0 ]; then rm -rf "$work"; else say "logs kept in $work"; fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- install
[ "$(id -u)" -eq 0 ] || say "not root: apt-get will fail and receive buffers stay capped at net.core.rmem_max"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -qq -o DPkg::Lock::Timeout=120 -o Dpkg::Use-Pty=0)
updated=0
apt_update_once() {
    if [ "$updated" -eq 0 ]; then
        say "apt-get update"
        timeout 300 apt-get update -qq -o DPkg::Lock::Timeout=120 >/dev/null
        updated=1
    fi
}
install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "apt-get install ${missing[*]}"
    timeout 600 apt-get install "${apt_opts[@]}" "${missing[@]}" >"$out/apt.log" 2>&1 && return 0
    apt_update_once
    timeout 600 apt-get install "${apt_opts[@]}" "${missing[@]}" >"$out/apt.log" 2>&1 \
        || { cat "$out/apt.log" >&2; say "apt-get install failed"; exit 1; }
}
# syslog-ng-core: syslog-ng, syslog-ng-ctl. The three libraries are rsyslog's (unpacked below).
install_missing gcc libc6-dev python3 iproute2 curl syslog-ng-core libestr0 libfastjson4 liblognorm5 libssl-dev openssl

# rsyslog conflicts with syslog-ng-core as a package: unpack it into .build-bench/rsyslog.
rsyslog_root="$out/rsyslog"
multiarch="$(gcc -dumpmachine)"
if [ ! -x "$rsyslog_root/usr/sbin/rsyslogd" ]; then
    say "unpacking rsyslog into $rsyslog_root"
    rm -f "$out"/rsyslog_*.deb
    (cd "$out" && timeout 300 apt-get download -o APT::Sandbox::User=root rsyslog >/dev/null 2>&1) \
        || { apt_update_once; (cd "$out" && timeout 300 apt-get download -o APT::Sandbox::User=root rsyslog >/dev/null); }
    rm -rf "$rsyslog_root"
    dpkg -x "$out"/rsyslog_*.deb "$rsyslog_root"
fi
# Its TLS stream drivers (for TESTS=tls4), unpacked into the same tree.
for driver in gnutls:gtls openssl:ossl; do
    so="$rsyslog_root/usr/lib/$multiarch/rsyslog/lmnsd_${driver##*:}.so"
    [ -e "$so" ] && continue
    say "unpacking rsyslog-${driver%%:*} into $rsyslog_root"
    rm -f "$out"/rsyslog-"${driver%%:*}"_*.deb
    (cd "$out" && timeout 300 apt-get download -o APT::Sandbox::User=root "rsyslog-${driver%%:*}" >/dev/null 2>&1) \
        || { apt_update_once; (cd "$out" && timeout 300 apt-get download -o APT::Sandbox::User=root "rsyslog-${driver%%:*}" >/dev/null); }
    dpkg -x "$out"/rsyslog-"${driver%%:*}"_*.deb "$rsyslog_root"
done
for f in "$rsyslog_root/usr/sbin/rsyslogd" "$rsyslog_root/usr/lib/$multiarch/rsyslog/"{imudp,imtcp,impstats,lmnet,lmtcpsrv,lmnetstrms,lmnsd_ptcp}.so; do
    [ -e "$f" ] || { say "$f is missing: remove $rsyslog_root to unpack rsyslog again"; exit 1; }
    if ldd "$f" | grep -q "not found"; then
        ldd "$f" | grep "not found" >&2
        say "rsyslog needs the libraries above: install their packages"
        exit 1
    fi
done

# ---------------------------------------------------------------- build and data
build() { # build OUTPUT SOURCE... [-- FLAGS]: gcc -O2 when a source is newer than the output
    local target="$out/$1" src=() flags=()
    shift
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do src+=("$here/$1"); shift; done
    [ $# -gt 0 ] && { shift; flags=("$@"); }
    local s stale=0
    for s in "${src[@]}" "$here/frames.h"; do [ "$s" -nt "$target" ] && stale=1; done
    [ -x "$target" ] && [ "$stale" -eq 0 ] && return 0
    gcc -O2 -Wall -Wextra -o "$target" "${src[0]}" "${flags[@]}"
}
build udp_sender udp_sender.c
build tcp_sender tcp_sender.c -- -pthread
build recvmmsg_floor recvmmsg_floor.c
build tcp_floor tcp_floor.c
build rcvbuf_force.so rcvbuf_force.c -- -shared -fPIC -ldl
build tls_sender tls_sender.c -- -pthread -lssl -lcrypto
# A self-signed server certificate for the TLS test (Vigil and rsyslog present the same one).
if [ ! -s "$out/tls.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
        -keyout "$out/tls.key" -out "$out/tls.pem" -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
fi

WARN_PERCENT="${WARN_PERCENT:-60}"
frames="$out/frames-$MESSAGES-w$WARN_PERCENT.bin"
if [ ! -s "$frames" ] || [ "$here/gen_frames.py" -nt "$frames" ]; then
    say "writing $MESSAGES octet-counted RFC 5424 messages ($WARN_PERCENT % warnings or worse) to $frames"
    timeout 300 python3 "$here/gen_frames.py" "$MESSAGES" "$frames.tmp" "$WARN_PERCENT"
    mv "$frames.tmp" "$frames"
fi

# ---------------------------------------------------------------- measure
if [ -n "$VIGIL" ] && [ ! -x "$VIGIL" ]; then
    say "no Vigil binary at $VIGIL (swift build -c release --scratch-path .build-release --product vigil): Vigil is skipped"
fi
work="$(mktemp -d /tmp/vigil-bench.XXXXXX)"
: > "$work/pids"
say "$(nproc) cores; the whole measurement is limited to $TIME_LIMIT s"
timeout --kill-after=20 "$TIME_LIMIT" python3 "$here/bench.py" \
    --bin "$out" --frames "$frames" --messages "$MESSAGES" --warn-percent "$WARN_PERCENT" --tmp "$work" --pids "$work/pids" \
    --rsyslog-root "$rsyslog_root" --vigil "$VIGIL" --vigil-args "${VIGIL_ARGS:-}" \
    --receivers "${RECEIVERS:-vigil,rsyslog,syslog-ng,floor}" --tests "${TESTS:-tcp1,tcp4,udp}" \
    --rates "${RATES:-50000,100000,150000,200000,250000}" --ref-rate "${REF_RATE:-200000}" \
    --udp-seconds "${UDP_SECONDS:-3}" --udp-flows "${UDP_FLOWS:-4}" --repeat "${REPEAT:-3}" \
    --port "${PORT:-25514}" --http-port "${HTTP_PORT:-28080}" \
    --tls-messages "${TLS_MESSAGES:-1000000}" --tls-cert "$out/tls.pem" --tls-key "$out/tls.key" \
    --json "$out/results.json" > "$out/results.txt" &
bench_pid=$!
wait "$bench_pid"
bench_pid=""
cat "$out/results.txt"
