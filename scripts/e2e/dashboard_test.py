"""End-to-end test of the dashboard `vigil serve` serves at `/`, in a real headless Chromium
(Debian's `chromium` and `chromium-driver`, driven by PyPI's selenium; scripts/e2e/setup.d/
40-chromium.sh installs them).

`vigil serve --window 10 --tick 1` gets HTTP ingest traffic for several services — about 20 s of
steady traffic with ~1 % errors, then a burst of several hundred entries with ~40 % errors in
`payments` — so that it raises an alert, analysed offline (no API key). Then, in the DOM after
the page's scripts ran: every service name, at least one chart, the alert's anomaly_id and its
root cause; a service name and a message carrying `<img … onerror=…>` and `<script>` shown as
text, with no element created and no script run; no request to another origin (Chrome's
performance log); with VIGIL_API_TOKEN the page shows the login form and no data until the token
is entered. Finally the history: after a restart GET /services/{name}/history still has one point
per minute with traffic, adding up to what was sent.

Screenshots (overview, service page, incidents, phone, light mode, login) go to
$VIGIL_E2E_ARTIFACTS (default /tmp/vigil-e2e-artifacts); the test prints the folder.

Run: VIGIL_BIN=$PWD/.build/debug/vigil python3 -m pytest -q -s -p no:cacheprovider scripts/e2e/dashboard_test.py
Every server is on free loopback ports and stopped by its PID; every wait is bounded.
"""
from __future__ import annotations

import contextlib
import http.server
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_test import VIGIL_BIN, free_port, serve_unavailable_reason, wait_until  # noqa: E402

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:  # pragma: no cover - setup.d/40-chromium.sh installs it
    webdriver = None

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("VIGIL_E2E_ARTIFACTS") or "/tmp/vigil-e2e-artifacts")

EVIL_SERVICE = "<img/src=x/onerror=window.__pwned=1>"
EVIL_MESSAGE = "<script>window.__pwned=2</script> card <img src=x onerror=window.__pwned=3> declined"
SERVICES = ["payments", "auth", "search", "inventory"]
TOKEN = "dashboard-e2e-token"


@pytest.fixture(autouse=True)
def _need_everything():
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)
    if webdriver is None:
        pytest.skip("selenium is not installed (bash scripts/e2e/setup.sh installs it)")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            pytest.skip(f"{path} is missing (bash scripts/e2e/setup.sh installs chromium and chromium-driver)")


class Server:
    """`vigil serve` with HTTP ingest on a free port, UDP/TCP on free loopback ports too, its own
    environment (no Anthropic key: the offline analyzer; an API token when asked)."""

    def __init__(self, workdir: Path, database: Path, token: str | None = None):
        workdir.mkdir(parents=True, exist_ok=True)
        self.http = free_port(socket.AF_INET, socket.SOCK_STREAM)
        self.base = f"http://127.0.0.1:{self.http}"
        self.token = token
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "VIGIL_"))}
        env["TZ"] = "UTC"
        if token:
            env["VIGIL_API_TOKEN"] = token
        argv = [str(VIGIL_BIN), "serve",
                "--udp", f"127.0.0.1:{free_port(socket.AF_INET, socket.SOCK_DGRAM)}",
                "--tcp", f"127.0.0.1:{free_port(socket.AF_INET, socket.SOCK_STREAM)}",
                "--http", f"127.0.0.1:{self.http}", "--database", f"sqlite:{database}",
                "--window", "10", "--tick", "1"]
        self.log_path = workdir / "vigil.log"
        self.log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                      cwd=workdir, env=env)
        if not wait_until(lambda: self._healthy(), 30, 0.2):
            self.stop()
            pytest.fail(f"vigil serve did not become healthy:\n{self.tail()}")

    def _healthy(self) -> bool:
        if self.popen.poll() is not None:
            pytest.fail(f"vigil serve exited with {self.popen.returncode}:\n{self.tail()}")
        with contextlib.suppress(OSError):
            return self.request("/health", auth=False)[0] == 200
        return False

    def tail(self) -> str:
        return self.log_path.read_bytes()[-4000:].decode(errors="replace")

    def request(self, path: str, body: dict | None = None, auth: bool = True, timeout: float = 10) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if auth and self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, headers=headers, method="POST" if data else "GET")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, path: str) -> dict:
        status, body = self.request(path)
        assert status == 200, f"GET {path}: {status} {body[:300]!r}"
        return json.loads(body)

    def ingest(self, entries: list[dict]):
        status, body = self.request("/logs/ingest", {"logs": entries})
        assert status == 202, f"ingest: {status} {body[:300]!r}"
        assert json.loads(body)["accepted"] == len(entries), body

    def stop(self) -> int | None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self.log.close()
        return self.popen.returncode


def entry(service: str, error: bool, rng: random.Random, message: str | None = None) -> dict:
    if message is None:
        message = (f"upstream timeout after {rng.randint(900, 1100)} ms calling ledger" if error
                   else f"request served in {rng.randint(2, 40)} ms")
    return {"level": "ERROR" if error else "INFO", "service": service, "message": message}


def send_traffic(server: Server) -> dict[str, int]:
    """~20 s of steady traffic (4 services × 20/s, ~1 % errors), then ~10 s in which `payments`
    fails ~40 % of 60 requests/s (600 entries), the others going on as before. Returns the
    number of entries sent per service."""
    rng = random.Random(15)
    sent: dict[str, int] = {}

    def post(batch):
        server.ingest(batch)
        for e in batch:
            sent[e["service"]] = sent.get(e["service"], 0) + 1

    post([entry(EVIL_SERVICE, False, rng, "a service whose name is markup")])
    start = time.monotonic()
    for second in range(30):
        burst = second >= 20
        batch = []
        for service in SERVICES:
            n = 60 if burst and service == "payments" else 20
            for _ in range(n):
                batch.append(entry(service, rng.random() < (0.4 if burst and service == "payments" else 0.01), rng))
        if burst:
            batch.append(entry("payments", True, rng, EVIL_MESSAGE))
        post(batch)
        # Paced by the wall clock, so a slow request does not stretch the run.
        delay = start + second + 1 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return sent


def browser(width: int = 1400, height: int = 1000):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-default-apps"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


def wait_for(driver, script: str, what: str, timeout: float = 30):
    """Waits until `script` (JavaScript returning a value) is truthy; returns the value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = driver.execute_script(script)
        if last:
            return last
        time.sleep(0.25)
    pytest.fail(f"page: {what} not within {timeout} s (last: {last!r}); visible text:\n"
                f"{driver.execute_script('return document.body.innerText')[:2000]}")


def requested_urls(driver) -> list[str]:
    urls = []
    for item in driver.get_log("performance"):
        message = json.loads(item["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def assert_same_origin(driver, base: str):
    urls = requested_urls(driver)
    assert urls, "the performance log recorded no request"
    foreign = [u for u in urls if not (u.startswith(base + "/") or u == base)]
    assert not foreign, f"requests left the page's origin: {foreign}"


def assert_no_injection(driver):
    """The markup inside log text stayed text: no element from it, no script run, no CSP report."""
    assert driver.execute_script("return window.__pwned === undefined"), "a script from log text ran"
    imgs = driver.execute_script("return [...document.querySelectorAll('img')].map(i => i.getAttribute('src'))")
    assert all(src == "/ui/favicon.svg" for src in imgs), f"an <img> from log text: {imgs}"
    scripts = driver.execute_script("return [...document.querySelectorAll('script')].map(s => s.getAttribute('src'))")
    assert scripts == ["/ui/charts.js", "/ui/app.js"], f"unexpected <script> elements: {scripts}"
    violations = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not violations, f"CSP violations: {violations}"


def shot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path


def test_dashboard_shows_services_charts_and_the_alert_safely(tmp_path):
    database = tmp_path / "vigil.db"
    server = Server(tmp_path / "run1", database)
    driver = None
    try:
        sent = send_traffic(server)

        # The burst raises an error_spike for payments; the offline analyzer fills its root cause.
        def analysed_alert():
            for a in server.json("/alerts/recent?limit=50&service=payments")["alerts"]:
                if a["analysis_source"] != "pending" and a.get("root_cause"):
                    return a
            return None
        assert wait_until(lambda: analysed_alert() is not None, 45, 0.5), \
            f"no analysed alert for payments: {server.json('/alerts/recent?limit=50')}\n{server.tail()}"
        alert = analysed_alert()
        print(f"\nalert {alert['anomaly_id']}: {alert['description']} — root cause: {alert['root_cause']}")

        driver = browser()
        driver.get(server.base + "/")
        names = wait_for(driver, f"""
            const names = [...document.querySelectorAll('#services-body td.name a')].map(a => a.textContent);
            const want = {json.dumps(SERVICES + [EVIL_SERVICE])};
            return want.every(n => names.includes(n)) && document.querySelectorAll('#services-body svg.chart').length > 0 ? names : null;
        """, "every service name and sparklines")
        assert set(SERVICES + [EVIL_SERVICE]) <= set(names)
        assert driver.execute_script("return document.querySelectorAll('svg.chart').length") >= 2
        # Alerting while its alert is unresolved (alerts carry resolved_at once incidents exist:
        # a badge gone is right only when the alert was resolved meanwhile).
        if not driver.execute_script("return document.querySelector('tr[data-service=\"payments\"] .badge.alert') !== null"):
            assert server.json("/alerts/" + urllib.parse.quote(alert["anomaly_id"])).get("resolved_at"), \
                "payments is not marked alerting, and its alert is not resolved"
        assert_no_injection(driver)
        print(f"artefacts: {ARTIFACTS}")
        shot(driver, "overview.png")

        # The service page: charts with the alert marked, templates, samples; the markup message as text.
        driver.get(server.base + "/#/service/payments")
        wait_for(driver, """
            return document.querySelector('#vol-chart svg') && document.querySelector('#rate-chart svg .marker')
                && document.querySelectorAll('#templates code').length > 0""", "the service charts with the alert marker and templates")
        text = wait_for(driver, f"""
            const t = document.getElementById('samples').textContent;
            return t.includes({json.dumps(EVIL_MESSAGE)}) ? t : null""", "the markup message shown as text in the samples")
        assert EVIL_MESSAGE in text
        assert_no_injection(driver)
        shot(driver, "service.png")

        # The evil service's own page: its name, as text, in the heading.
        driver.get(server.base + "/#/service/" + urllib.parse.quote(EVIL_SERVICE, safe=""))
        wait_for(driver, f"return document.getElementById('service-name').textContent === {json.dumps(EVIL_SERVICE)}",
                 "the markup service name as the heading's text")
        assert_no_injection(driver)

        # Incidents (or alerts, before issue 12's incidents API): the alert with its analysis.
        driver.get(server.base + "/#/incidents")
        wait_for(driver, f"""
            const body = document.getElementById('incidents').textContent;
            return body.includes({json.dumps(alert['anomaly_id'])}) && body.includes({json.dumps(alert['root_cause'])})""",
                 "the alert's anomaly_id and root cause")
        assert driver.execute_script("return [...document.querySelectorAll('.root-cause')].some(e => e.offsetParent !== null)"), \
            "the root cause is not visible"
        assert_no_injection(driver)
        shot(driver, "incident.png")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        shot(driver, "incident-dark.png")

        driver.get(server.base + "/#/receiver")
        rate = wait_for(driver, """
            const cell = [...document.querySelectorAll('table.receiver tbody tr')].find(r => r.querySelector('th').textContent === 'http');
            return cell && cell.children[1].textContent !== '…' ? cell.children[1].textContent : null""", "the HTTP rate on the receiver page")
        print(f"receiver page: http {rate} messages/s")
        shot(driver, "receiver.png")

        # Light mode and a phone-sized window: what a person on a phone sees.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
        driver.set_window_size(390, 844)
        driver.get(server.base + "/")
        wait_for(driver, "return document.querySelectorAll('#services-body td.name a').length >= 5", "the overview on a phone")
        shot(driver, "overview-phone-light.png")
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), \
            "the phone layout scrolls sideways"

        assert_same_origin(driver, server.base)
    finally:
        if driver:
            driver.quit()
        status = server.stop()
    assert status == 0, f"vigil serve exited with {status}:\n{server.tail()}"

    # After a restart: one point per minute with traffic, adding up to what was sent.
    server = Server(tmp_path / "run2", database)
    try:
        for service, count in sent.items():
            quoted = urllib.parse.quote(service, safe="")
            points = server.json(f"/services/{quoted}/history?since={int(time.time()) - 3600}")["points"]
            assert points, f"{service}: no history after the restart"
            minutes = [p["at"] for p in points]
            assert len(set(minutes)) == len(minutes) and all(p["volume"] > 0 for p in points), points
            assert sum(p["volume"] for p in points) == count, (service, count, points)
    finally:
        server.stop()


def test_with_a_token_the_page_shows_no_data_until_it_is_given(tmp_path):
    server = Server(tmp_path / "auth", tmp_path / "auth.db", token=TOKEN)
    driver = None
    try:
        server.ingest([{"level": "INFO", "service": "secret-service", "message": "private"}])
        assert wait_until(lambda: any(s["service"] == "secret-service" for s in server.json("/services")["services"]), 15)
        status, _ = server.request("/services", auth=False)
        assert status == 401

        driver = browser()
        driver.get(server.base + "/")
        wait_for(driver, "const l = document.getElementById('login'); return l && !l.hidden && l.offsetParent !== null", "the login form")
        assert "secret-service" not in driver.page_source
        assert driver.execute_script("return document.getElementById('app').hidden")
        shot(driver, "login.png")

        driver.find_element(By.ID, "token").send_keys("wrong")
        driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        wait_for(driver, "return document.getElementById('login-error').textContent.includes('refused')", "the refusal")
        assert "secret-service" not in driver.page_source

        driver.find_element(By.ID, "token").send_keys(TOKEN)
        driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        wait_for(driver, "return [...document.querySelectorAll('#services-body td.name a')].some(a => a.textContent === 'secret-service')",
                 "the services once the token is given")
        # Kept for the browser session: a reload does not ask again.
        driver.refresh()
        wait_for(driver, "return [...document.querySelectorAll('#services-body td.name a')].some(a => a.textContent === 'secret-service')",
                 "the services after a reload")
        assert driver.execute_script("return document.getElementById('login').hidden")
        assert_same_origin(driver, server.base)
    finally:
        if driver:
            driver.quit()
        server.stop()


def contract_alert(anomaly_id: str, incident_id: str, detected_at: str, description: str, resolved_at: str | None) -> dict:
    """An alert in the JSON shape of GET /alerts/recent, with the fields issue 12 adds."""
    return {
        "anomaly_id": anomaly_id, "detected_at": detected_at, "severity": "high", "category": "error_spike",
        "affected_services": ["payments"], "description": description,
        "metrics": {"current": {"error_rate": 0.31, "volume": 400, "service_count": 1},
                    "baseline": {"error_rate": 0.01, "volume": 380, "service_count": 1}, "multiplier": 31},
        "sample_messages": [EVIL_MESSAGE], "samples": [],
        "root_cause": "Connection pool exhausted in payments", "impact": "A third of payments fail",
        "recommended_actions": ["Raise the pool size", "Find the slow query"], "confidence": 0.8,
        "analysis_source": "claude", "analysis_error": None, "analysis_model": "claude-sonnet-4-20250514",
        "analysis_input_tokens": 900, "analysis_output_tokens": 200, "analysis_latency_ms": 2100,
        "incident_id": incident_id, "window_seconds": 60, "resolved_at": resolved_at,
    }


class IncidentsStandIn:
    """Issue 12's incidents API in front of a real `vigil serve`: answers GET /incidents/recent and
    /incidents/{id} with the INCIDENT contract, forwards everything else (the page, the other
    endpoints) to Vigil, so the page sees one origin."""

    def __init__(self, upstream: str, incidents: list[dict]):
        outer = self
        self.incidents = incidents

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status: int, body: bytes, headers: dict):
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                if path == "/incidents/recent":
                    return self.answer(200, json.dumps({"incidents": outer.incidents}).encode(), {"Content-Type": "application/json"})
                if path.startswith("/incidents/"):
                    wanted = urllib.parse.unquote(path[len("/incidents/"):])
                    found = [i for i in outer.incidents if i["incident_id"] == wanted]
                    if found:
                        return self.answer(200, json.dumps(found[0]).encode(), {"Content-Type": "application/json"})
                    return self.answer(404, b'{"error":"no such incident"}', {"Content-Type": "application/json"})
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "accept", "if-none-match")}
                req = urllib.request.Request(upstream + self.path, headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=10) as r:
                        self.answer(r.status, r.read(), dict(r.headers))
                except urllib.error.HTTPError as e:
                    self.answer(e.code, e.read(), dict(e.headers))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_the_incidents_view_follows_the_incident_contract(tmp_path):
    """Once issue 12's /incidents endpoints exist the page shows incidents (open first), each with
    its alerts and their new fields; the markup in them stays text."""
    server = Server(tmp_path / "incidents", tmp_path / "incidents.db")
    now = time.time()
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # noqa: E731
    incidents = [
        {"incident_id": "inc_open_1", "opened_at": iso(now - 300), "last_alert_at": iso(now - 60), "resolved_at": None,
         "status": "open", "services": ["payments", "auth"], "categories": ["error_spike"], "worst_severity": "high",
         "alert_count": 2,
         "alerts": [contract_alert("anom_c_1", "inc_open_1", iso(now - 300), "payments error rate 31%", None),
                    contract_alert("anom_c_2", "inc_open_1", iso(now - 60), "auth errors <script>window.__pwned=4</script>", None)]},
        {"incident_id": "inc_old_0", "opened_at": iso(now - 7200), "last_alert_at": iso(now - 7000), "resolved_at": iso(now - 6000),
         "status": "resolved", "services": ["search"], "categories": ["volume_spike"], "worst_severity": "medium",
         "alert_count": 1, "alerts": [contract_alert("anom_c_0", "inc_old_0", iso(now - 7200), "search volume ×4", iso(now - 6000))]},
    ]
    stand_in = IncidentsStandIn(server.base, incidents)
    driver = None
    try:
        driver = browser()
        driver.get(stand_in.base + "/#/incidents")
        wait_for(driver, """
            const t = document.getElementById('incidents').textContent;
            return t.includes('inc_open_1') && t.includes('inc_old_0') && t.includes('anom_c_2')
                && t.includes('Connection pool exhausted in payments') && t.includes('claude-sonnet-4-20250514')""",
                 "the incidents with their alerts and analyses")
        text = driver.execute_script("return document.getElementById('incidents').textContent")
        assert "recent incidents" in driver.execute_script("return document.getElementById('incidents-mode').textContent")
        assert "<script>window.__pwned=4</script>" in text
        assert "60 s" in text, "window_seconds is shown"
        assert_no_injection(driver)
        shot(driver, "incidents-contract.png")
        driver.get(stand_in.base + "/#/incident/inc_old_0")
        wait_for(driver, "return document.getElementById('incidents').textContent.includes('search volume')", "one incident by id")
        assert_same_origin(driver, stand_in.base)
    finally:
        if driver:
            driver.quit()
        stand_in.close()
        server.stop()
