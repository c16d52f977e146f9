#!/usr/bin/env bash
# Builds Vigil (release) and runs its main job with conf/vigil.toml (the built-in defaults, every
# key documented): `vigil serve`, receiving syslog on UDP and TCP 0.0.0.0:5514, the HTTP API on
# http://127.0.0.1:8000, alerts in sqlite:./data/vigil.db. Environment variables (VIGIL_*,
# DATABASE_URL, ANTHROPIC_API_KEY) override the file.
# Other arguments replace the default job, e.g. `scripts/run.sh parse --stats FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
# zlib's headers for gzip request bodies (Debian: zlib1g-dev; usually present).
[ -f /usr/include/zlib.h ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zlib1g-dev; }
swift build -c release --product vigil
if [ $# -eq 0 ]; then set -- serve --config conf/vigil.toml; fi
exec .build/release/vigil "$@"
