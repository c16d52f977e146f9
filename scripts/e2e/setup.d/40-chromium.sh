# The dashboard's end-to-end test (dashboard_test.py): Debian's headless Chromium and its
# WebDriver, driven from Python by PyPI's selenium. Sourced by scripts/e2e/setup.sh (log, fail,
# apt_install); idempotent and quiet when everything is there.
apt_install chromium chromium-driver
command -v chromium >/dev/null || fail "no chromium after installing it"
[ -x /usr/bin/chromedriver ] || fail "no /usr/bin/chromedriver after installing chromium-driver"

if ! python3 -c "import selenium" 2>/dev/null; then
    log "pip install selenium"
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    # Debian's own python3 refuses pip installs outside a virtualenv (PEP 668) unless told.
    timeout 600 python3 -m pip install -q selenium >"$APT_LOG" 2>&1 \
        || timeout 600 python3 -m pip install -q --break-system-packages selenium >"$APT_LOG" 2>&1 \
        || { cat "$APT_LOG" >&2; fail "pip install selenium"; }
    python3 -c "import selenium" || fail "selenium does not import after pip install"
fi
