#!/usr/bin/env bash
# Runs every test on a fresh machine: installs and starts what the tests need, builds, checks the
# built `vigil parse` from outside against the conformance cases (Tests/Fixtures/conformance),
# fuzzes the parsers for a minute, runs the end-to-end tests, then the unit and integration tests
# (Swift Testing).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

# The end-to-end tests install their real clients themselves (scripts/e2e/setup.sh: logger,
# syslog-ng's loggen, rsyslog unpacked beside it) and start everything they need.

# PostgreSQL 15 for the store tests (installed but stopped on CI; maybe already running locally).
# Idempotent: starts the cluster only if it is down, creates the role and database only if
# missing. The server is left running at the end: CI discards the machine, and a developer's
# server that was already up is not ours to stop.
echo "== PostgreSQL 15 for the store tests"
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    pg_ctlcluster --skip-systemctl-redirect 15 main start
fi
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
done
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not become ready within 30 s" >&2; exit 1; }
su postgres -c "psql -v ON_ERROR_STOP=1 -q -d postgres" <<'SQL'
SELECT 'CREATE ROLE vigil LOGIN CREATEDB PASSWORD ''vigil'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vigil') \gexec
SELECT 'CREATE DATABASE vigil_test OWNER vigil'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'vigil_test') \gexec
SQL
# Each PostgreSQL store test creates (and drops) a database of its own, hence CREATEDB above.
export VIGIL_TEST_POSTGRES_URL=postgres://vigil:vigil@127.0.0.1:5432/vigil_test

# TLS, for the sslmode tests (PostgreSQL over TLS): Debian's self-signed "snakeoil" pair (ssl-cert's
# make-ssl-cert, named for this host), copied into the data directory for the server, then
# ssl = on and a reload. Plain connections keep working ("host" lines in pg_hba.conf match both),
# so other users of the server are undisturbed. Idempotent: nothing happens when ssl is on.
psql_admin() { su postgres -c "psql -XAtq -v ON_ERROR_STOP=1 -d postgres $*"; }
if [ "$(psql_admin "-c 'SHOW ssl'")" != "on" ]; then
    echo "== PostgreSQL: turning TLS on"
    if [ ! -s /etc/ssl/certs/ssl-cert-snakeoil.pem ]; then
        command -v make-ssl-cert >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ssl-cert; }
        make-ssl-cert generate-default-snakeoil
    fi
    data="$(psql_admin "-c 'SHOW data_directory'")"
    install -o postgres -g postgres -m 0600 /etc/ssl/certs/ssl-cert-snakeoil.pem "$data/vigil-test-server.crt"
    install -o postgres -g postgres -m 0600 /etc/ssl/private/ssl-cert-snakeoil.key "$data/vigil-test-server.key"
    psql_admin <<'SQL'
ALTER SYSTEM SET ssl_cert_file = 'vigil-test-server.crt';
ALTER SYSTEM SET ssl_key_file = 'vigil-test-server.key';
ALTER SYSTEM SET ssl = on;
SELECT pg_reload_conf();
SQL
    for _ in $(seq 1 10); do [ "$(psql_admin "-c 'SHOW ssl'")" = "on" ] && break; sleep 0.5; done
    [ "$(psql_admin "-c 'SHOW ssl'")" = "on" ] || { echo "PostgreSQL did not turn TLS on (see its log)" >&2; exit 1; }
fi
# The server's certificate is its own root: what the verify-ca / verify-full tests trust.
export VIGIL_TEST_POSTGRES_ROOTCERT=/etc/ssl/certs/ssl-cert-snakeoil.pem

# zlib's headers (the API's gzip request bodies link the system zlib; usually present).
[ -f /usr/include/zlib.h ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zlib1g-dev; }

swift build --build-tests

echo "== conformance: the built vigil parse against Tests/Fixtures/conformance, from outside"
TZ=UTC python3 scripts/check_conformance.py .build/debug/vigil

echo "== fuzzing: frame decoder, both parsers and the JSON writer under libFuzzer for 60 s"
bash benchmarks/fuzz/run.sh 60

echo "== end to end: vigil serve with logger, rsyslog omfwd and loggen"
bash scripts/e2e/run.sh

echo "== unit and integration tests"
swift test --skip-build --parallel
