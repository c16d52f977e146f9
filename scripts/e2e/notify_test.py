"""End-to-end tests of notifications: `vigil serve` pushing its alerts to webhook receivers, a
real Prometheus Alertmanager and a Slack-shaped endpoint through the outbox, as operators run it.

Detection is driven the way production traffic drives it: `vigil serve --window 10 --tick 1`,
about 20 s of steady HTTP-ingested traffic for one service (~1 % errors), then a burst in which
most requests fail, until `/alerts/recent` shows the error_spike (bounded).

The receivers are Python HTTP servers of this file on free loopback ports, scripted per path:
503 three times then 200, slow answers, reset connections, 400. Alertmanager is Debian's
`prometheus-alertmanager` (installed by scripts/e2e/setup.d/20-alertmanager.sh) on a free port,
clustering off, routing to this file's receiver.

VIGIL_E2E_NOTIFY_WARMUP sets the seconds of normal traffic (default 20).

Run: `bash scripts/e2e/run.sh -k notify` (after a build), or
`VIGIL_BIN=$PWD/.build/debug/vigil python3 -m pytest -q -p no:cacheprovider scripts/e2e/notify_test.py`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import random
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_test import ENV, REPO, VIGIL_BIN, Metrics, Proc, free_port, serve_unavailable_reason, wait_until  # noqa: E402
from http_test import request  # noqa: E402

ALERTMANAGER = Path(os.environ.get("ALERTMANAGER") or "/usr/bin/prometheus-alertmanager")
SECRET = "e2e-webhook-secret"
SERVICE = "checkout"


@pytest.fixture(autouse=True)
def _need_vigil():
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)


def get_json(url: str):
    status, body, _ = request(url)
    assert status == 200, f"GET {url}: {status} {body[:300]!r}"
    return json.loads(body)


# ---------------------------------------------------------------------------------------------
# A scripted webhook receiver


class Receiver:
    """HTTP on 127.0.0.1 (a free port, or `port`): each POST takes the next step of its path's
    script (then 200 forever) and is recorded with the answer it got. A step is an int (that
    status), ("status", code, body), ("stall", seconds) (then 200) or "reset" (the connection is
    reset without an answer)."""

    def __init__(self, scripts: dict[str, list] | None = None, port: int = 0):
        self.scripts = {path: list(steps) for path, steps in (scripts or {}).items()}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with outer.lock:
                    script = outer.scripts.get(self.path, [])
                    step = script.pop(0) if script else 200
                    record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                              "body": body, "time": time.monotonic(), "answer": None}
                    outer.requests.append(record)
                if step == "reset":
                    record["answer"] = "reset"
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                status, text = (step, b"") if isinstance(step, int) else (200, b"")
                if isinstance(step, tuple) and step[0] == "status":
                    status, text = step[1], step[2].encode()
                if isinstance(step, tuple) and step[0] == "stall":
                    outer.stopping.wait(step[1])  # bounded, released at close
                record["answer"] = status
                self.send_response(status)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def verify_signature(record: dict) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), record["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, record["headers"].get("x-vigil-signature", ""))


def events_for(records: list[dict], anomaly_id: str) -> list[tuple[str, object]]:
    """(X-Vigil-Event, the answer) of each request about `anomaly_id`, in arrival order."""
    out = []
    for r in records:
        body = json.loads(r["body"])
        if body["alert"]["anomaly_id"] == anomaly_id:
            out.append((r["headers"]["x-vigil-event"], r["answer"]))
    return out


# ---------------------------------------------------------------------------------------------
# Alertmanager


class Alertmanager:
    """Debian's prometheus-alertmanager on a free loopback port, clustering off, its own storage,
    routing every alert to `receiver_url` after 1 s."""

    def __init__(self, workdir: Path, receiver_url: str, config_text: str | None = None):
        if not ALERTMANAGER.is_file():
            pytest.fail(f"{ALERTMANAGER} missing: run scripts/e2e/setup.sh (setup.d/20-alertmanager.sh installs it)")
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port(socket.AF_INET, socket.SOCK_STREAM)
        config = workdir / "alertmanager.yml"
        config.write_text(config_text or f"""
route:
  receiver: fallback
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['alertname=~"vigil_.+"']
      receiver: vigil
receivers:
  - name: fallback
  - name: vigil
    webhook_configs:
      - url: {receiver_url}
        send_resolved: false
""")
        (workdir / "data").mkdir(exist_ok=True)
        self.proc = Proc([ALERTMANAGER, f"--config.file={config}", f"--storage.path={workdir / 'data'}",
                          f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
                          "--log.level=warn"], log_path=workdir / "alertmanager.log", cwd=workdir)
        self.base = f"http://127.0.0.1:{self.port}"

        def ready():
            if not self.proc.alive():
                pytest.fail(f"alertmanager exited: {self.proc.output_tail()}")
            try:
                return request(self.base + "/-/ready", timeout=1)[0] == 200
            except OSError:
                return False
        if not wait_until(ready, 30, 0.2):
            self.proc.stop()
            pytest.fail(f"alertmanager not ready within 30 s: {self.proc.output_tail()}")

    def alerts(self) -> list[dict]:
        return get_json(self.base + "/api/v2/alerts")

    def stop(self):
        self.proc.stop()


# ---------------------------------------------------------------------------------------------
# Vigil and its traffic


class Vigil:
    """`vigil serve --window 10 --tick 1` on a free HTTP port (no syslog listeners), with a
    configuration file holding the [notify] section, on a SQLite database. Stopped by its PID."""

    def __init__(self, workdir: Path, notify: str, database: Path, name: str = "vigil"):
        workdir.mkdir(parents=True, exist_ok=True)
        self.database = database
        self.config = workdir / f"{name}.toml"
        self.config.write_text("[notify]\n" + notify)
        self.port = free_port(socket.AF_INET, socket.SOCK_STREAM)
        self.base = f"http://127.0.0.1:{self.port}"
        # Only this test's settings: no ANTHROPIC_* key (the offline analyzer answers at once).
        env = {k: v for k, v in ENV.items() if not k.startswith(("ANTHROPIC_", "VIGIL_")) and k != "DATABASE_URL"}
        env["VIGIL_LOG_FORMAT"] = "json"
        argv = [VIGIL_BIN, "serve", "--config", self.config, "--no-udp", "--no-tcp", "--http", f"127.0.0.1:{self.port}",
                "--window", "10", "--tick", "1", "--database", f"sqlite:{database}"]
        self.log_path = workdir / f"{name}.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=workdir, env=env)

        def healthy():
            if self.proc.poll() is not None:
                pytest.fail(f"vigil serve exited with {self.proc.returncode}:\n{self.output_tail()}")
            try:
                return request(self.base + "/health", timeout=1)[0] == 200
            except OSError:
                return False
        if not wait_until(healthy, 30, 0.1):
            self.kill()
            pytest.fail(f"vigil serve: /health not 200 within 30 s\n{self.output_tail()}")

    def output_tail(self, n: int = 6000) -> str:
        try:
            return self.log_path.read_bytes()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def ingest(self, entries: list[dict]):
        status, body, _ = request(self.base + "/logs/ingest", method="POST", body=json.dumps({"logs": entries}).encode(),
                               headers={"content-type": "application/json"})
        assert status == 202, f"ingest: {status} {body[:300]!r}"

    def error_spikes(self) -> list[dict]:
        return [a for a in get_json(self.base + "/alerts/recent?limit=50&category=error_spike")["alerts"]
                if SERVICE in a["affected_services"]]

    def notifications(self) -> dict:
        return get_json(self.base + "/notifications/recent?limit=200")

    def metrics(self) -> Metrics:
        status, body, _ = request(self.base + "/metrics")
        assert status == 200
        return Metrics(body.decode())

    def terminate(self, timeout: float = 20) -> int:
        """SIGTERM; the exit status (the test fails if it takes longer than `timeout`)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"vigil serve did not exit within {timeout} s of SIGTERM\n{self.output_tail()}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def entry(rng: random.Random, error: bool) -> dict:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if error:
        return {"timestamp": now, "level": "ERROR", "service": SERVICE,
                "message": f"payment gateway timeout after {rng.randint(2900, 3100)} ms order={rng.randint(10000, 99999)}"}
    return {"timestamp": now, "level": "INFO", "service": SERVICE,
            "message": f"order {rng.randint(10000, 99999)} served in {rng.randint(3, 60)} ms"}


WARMUP = float(os.environ.get("VIGIL_E2E_NOTIFY_WARMUP") or 20)  # seconds of normal traffic before the burst


def raise_error_spike(vigil: Vigil, *, warmup: float = WARMUP, rate: int = 30, burst_rate: int = 150,
                      burst_error_share: float = 0.4, burst_limit: float = 25.0) -> dict:
    """Steady traffic for `warmup` seconds (`rate` entries/s, ~1 % errors) so that baselines are
    learned over whole windows, then a burst (`burst_rate` entries/s, `burst_error_share` errors,
    several hundred entries) until the error_spike is stored — at most `burst_limit` seconds.
    Returns the alert as /alerts/recent shows it."""
    rng = random.Random(11)
    step = 0.25
    started = time.monotonic()
    while time.monotonic() - started < warmup:
        vigil.ingest([entry(rng, rng.random() < 0.01) for _ in range(int(rate * step))])
        time.sleep(step)
    burst_started = time.monotonic()
    sent = 0
    while time.monotonic() - burst_started < burst_limit:
        batch = [entry(rng, rng.random() < burst_error_share) for _ in range(int(burst_rate * step))]
        vigil.ingest(batch)
        sent += len(batch)
        if sent >= 300 and vigil.error_spikes():
            return vigil.error_spikes()[0]
        time.sleep(step)
    pytest.fail(f"no error_spike for {SERVICE} after {warmup:.0f} s of normal traffic and a {burst_limit:.0f} s burst "
                f"({sent} entries)\n{vigil.output_tail()}")


def store_rows(database: Path, anomaly_id: str) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT event, target_url, status, attempts FROM notification_outbox WHERE anomaly_id = ? ORDER BY id",
                          (anomaly_id,)).fetchall()


def toml_list(urls: list[str]) -> str:
    return "[" + ", ".join(json.dumps(u) for u in urls) + "]"


# ---------------------------------------------------------------------------------------------
# Tests


def test_webhook_alertmanager_and_slack_hear_of_the_error_spike(tmp_path):
    """The webhook answers 503 three times: Vigil keeps trying, then delivers alert.created and
    then alert.analyzed, signed; a real Alertmanager lists the alert and routes it to its own
    receiver; the Slack endpoint gets Block Kit messages; the operator surface shows it all."""
    slack_path = "/services/T0E2E/B0E2E/s3cr3tSlackHookToken0123"
    receiver = Receiver({"/hook": [503, 503, 503]})
    alertmanager = Alertmanager(tmp_path / "am", receiver.url("/am"))
    vigil = None
    try:
        vigil = Vigil(tmp_path, f"""
webhooks = {toml_list([receiver.url('/hook')])}
alertmanager = {toml_list([alertmanager.base])}
slack = {toml_list([receiver.url(slack_path)])}
webhook_secret = "{SECRET}"
instance = "vigil-e2e"
# The receiver's scripted 503s are for the error spike (other categories may fire in the burst).
webhook_categories = ["error_spike"]
slack_categories = ["error_spike"]
backoff_initial = 0.5
backoff_max = 2.0
""", tmp_path / "vigil.db")
        alert = raise_error_spike(vigil)
        anomaly_id = alert["anomaly_id"]

        # --- the webhook: 503, 503, 503, then created and analyzed, in that order.
        def both_delivered():
            events = events_for(receiver.on("/hook"), anomaly_id)
            return ("alert.created", 200) in events and ("alert.analyzed", 200) in events
        assert wait_until(both_delivered, 60, 0.2), (
            f"webhook deliveries: {events_for(receiver.on('/hook'), anomaly_id)}\n{vigil.output_tail()}")
        hook = receiver.on("/hook")
        assert [r["answer"] for r in hook[:3]] == [503, 503, 503]
        events = events_for(hook, anomaly_id)
        assert events[:4] == [("alert.created", 503)] * 3 + [("alert.created", 200)], events
        assert events.index(("alert.analyzed", 200)) > events.index(("alert.created", 200))
        for record in hook:
            assert verify_signature(record), record["headers"]
            body = json.loads(record["body"])
            assert set(body) == {"event", "sent_at", "alert"}
            assert record["headers"]["x-vigil-event"] == body["event"]
            assert record["headers"]["x-vigil-delivery"] == f"{body['alert']['anomaly_id']}:{body['event']}"
            assert record["headers"]["content-type"] == "application/json"
        analysed = [json.loads(r["body"]) for r in hook if r["headers"]["x-vigil-event"] == "alert.analyzed"]
        # The alert object is exactly what GET /alerts/{id} returns.
        assert analysed[-1]["alert"] == get_json(f"{vigil.base}/alerts/{anomaly_id}")
        assert analysed[-1]["alert"]["analysis_source"] == "offline" and analysed[-1]["alert"]["root_cause"]
        created = next(json.loads(r["body"]) for r in hook if r["answer"] == 200 and r["headers"]["x-vigil-event"] == "alert.created")
        assert created["alert"]["anomaly_id"] == anomaly_id and created["alert"]["category"] == "error_spike"
        assert created["alert"]["affected_services"][0] == SERVICE

        # --- Alertmanager lists it, with the analysis as annotations, and routed it to its receiver.
        def listed():
            return [a for a in alertmanager.alerts() if a["labels"].get("anomaly_id") == anomaly_id
                    and a["annotations"].get("root_cause")]
        assert wait_until(lambda: bool(listed()), 60, 0.5), f"alertmanager alerts: {alertmanager.alerts()}\n{vigil.output_tail()}"
        am_alert = listed()[0]
        assert am_alert["labels"]["alertname"] == "vigil_error_spike"
        assert am_alert["labels"]["category"] == "error_spike"
        assert am_alert["labels"]["service"] == SERVICE
        assert am_alert["labels"]["severity"] == alert["severity"]
        assert am_alert["labels"]["instance"] == "vigil-e2e"
        assert am_alert["annotations"]["summary"] == alert["description"]
        assert am_alert["annotations"]["analysis_source"] == "offline"
        assert am_alert["generatorURL"] == f"{vigil.base}/alerts/{anomaly_id}"
        assert am_alert["status"]["state"] == "active"

        def routed():
            for r in receiver.on("/am"):
                for a in json.loads(r["body"]).get("alerts", []):
                    if a["labels"].get("anomaly_id") == anomaly_id:
                        return a
            return None
        assert wait_until(lambda: routed() is not None, 60, 0.5), "Alertmanager did not route the alert to its webhook receiver"
        assert routed()["labels"]["alertname"] == "vigil_error_spike"

        # --- Slack: Block Kit, the root cause on the analyzed message.
        assert wait_until(lambda: len(receiver.on(slack_path)) >= 2, 30, 0.2)
        slack = [json.loads(r["body"]) for r in receiver.on(slack_path)]
        assert all(isinstance(m["text"], str) and m["text"] and isinstance(m["blocks"], list) for m in slack)
        assert slack[0]["blocks"][0]["type"] == "header"
        assert any(b.get("text", {}).get("text", "").startswith("*Root cause*") for b in slack[1]["blocks"]), slack[1]

        # --- the operator surface: /notifications/recent, metrics, vigil alerts.
        notes = vigil.notifications()
        ours = [n for n in notes["notifications"] if n["anomaly_id"] == anomaly_id]
        by_key = {(n["kind"], n["event"]): n for n in ours}
        hook_created = by_key[("webhook", "alert.created")]
        assert hook_created["status"] == "delivered" and hook_created["attempts"] == 4 and hook_created["last_status"] == 200
        assert hook_created["delivery_id"] == f"{anomaly_id}:alert.created"
        assert by_key[("slack", "alert.created")]["target"] == receiver.url("/services/***")
        assert "s3cr3t" not in json.dumps(notes)
        assert by_key[("alertmanager", "alert.analyzed")]["status"] == "delivered"
        metrics = vigil.metrics()
        assert metrics.get("vigil_notifications_total", kind="webhook", outcome="retried") >= 3
        assert metrics.get("vigil_notifications_total", kind="webhook", outcome="delivered") >= 2
        assert metrics.has("vigil_notifications_pending")
        assert metrics.get("vigil_notification_latency_seconds_count") >= 2

        out = subprocess.run([str(VIGIL_BIN), "alerts", "--database", f"sqlite:{vigil.database}", "--category", "error_spike",
                              "--since", "1h", "--limit", "5"], capture_output=True, timeout=60, env=ENV, cwd="/")
        assert out.returncode == 0, out.stderr.decode()
        printed = [json.loads(line) for line in out.stdout.decode().splitlines()]
        assert printed and printed[0]["anomaly_id"] == anomaly_id
        assert printed[0] == get_json(f"{vigil.base}/alerts/{anomaly_id}")
        everything = subprocess.run([str(VIGIL_BIN), "alerts", "--database", f"sqlite:{vigil.database}"],
                                    capture_output=True, timeout=60, env=ENV, cwd="/")
        listed_all = [json.loads(line) for line in everything.stdout.decode().splitlines()]
        assert listed_all == get_json(f"{vigil.base}/alerts/recent?limit=100")["alerts"]
        assert vigil.terminate() == 0
    finally:
        if vigil:
            vigil.kill()
        alertmanager.stop()
        receiver.close()


def test_slow_reset_and_refusing_receivers(tmp_path):
    """A receiver slower than notify.timeout and one that resets the connection are retried until
    they answer; a 400 is given up at once, recorded with its status and first bytes."""
    receiver = Receiver({
        "/slow": [("stall", 5)],
        "/reset": ["reset", "reset"],
        "/reject": [("status", 400, "unknown hook 7f3e: check the URL")] * 20,
    })
    vigil = None
    try:
        vigil = Vigil(tmp_path, f"""
webhooks = {toml_list([receiver.url(p) for p in ('/slow', '/reset', '/reject')])}
webhook_categories = ["error_spike"]
timeout = 1.5
backoff_initial = 0.5
backoff_max = 2.0
""", tmp_path / "vigil.db")
        anomaly_id = raise_error_spike(vigil)["anomaly_id"]

        def rows():
            return {(n["target"].rsplit("/", 1)[-1], n["event"]): n for n in vigil.notifications()["notifications"]
                    if n["anomaly_id"] == anomaly_id}

        def settled():
            r = rows()
            return (len(r) == 6 and all(r[(p, e)]["status"] == "delivered" for p in ("slow", "reset")
                                        for e in ("alert.created", "alert.analyzed"))
                    and all(r[("reject", e)]["status"] == "failed" for e in ("alert.created", "alert.analyzed")))
        assert wait_until(settled, 60, 0.3), f"{rows()}\n{vigil.output_tail()}"
        r = rows()
        assert r[("slow", "alert.created")]["attempts"] >= 2
        assert "timed out after 1.5 s" in vigil.output_tail(200_000)  # the retry's reason, as logged
        assert r[("reset", "alert.created")]["attempts"] == 3
        for event in ("alert.created", "alert.analyzed"):
            rejected = r[("reject", event)]
            assert rejected["attempts"] == 1 and rejected["last_status"] == 400
            assert rejected["last_error"] == "HTTP 400: unknown hook 7f3e: check the URL"
        # Given up means not tried again.
        time.sleep(3)
        assert len([x for x in receiver.on("/reject") if json.loads(x["body"])["alert"]["anomaly_id"] == anomaly_id]) == 2
        answers = [x["answer"] for x in receiver.on("/reset")]
        assert answers[:2] == ["reset", "reset"] and 200 in answers
        metrics = vigil.metrics()
        assert metrics.get("vigil_notifications_total", kind="webhook", outcome="failed") >= 2
        assert metrics.get("vigil_notifications_total", kind="webhook", outcome="retried") >= 3
        assert vigil.terminate() == 0
    finally:
        if vigil:
            vigil.kill()
        receiver.close()


def test_outbox_survives_sigterm_and_sigkill_with_the_receiver_down(tmp_path):
    """The receiver is down when the alert is raised; Vigil is stopped with SIGTERM, restarted,
    killed with SIGKILL, restarted; the receiver comes back: every pending X-Vigil-Delivery
    arrives at least once."""
    port = free_port(socket.AF_INET, socket.SOCK_STREAM)  # nothing listens there yet
    hook = f"http://127.0.0.1:{port}/hook"
    notify = f"""
webhooks = {toml_list([hook])}
webhook_secret = "{SECRET}"
backoff_initial = 0.5
backoff_max = 1.0
"""
    database = tmp_path / "vigil.db"
    vigil = Vigil(tmp_path, notify, database, name="first")
    receiver = None
    try:
        anomaly_id = raise_error_spike(vigil)["anomaly_id"]
        # Created and analyzed rows, tried and failed (connection refused), still pending.
        def tried():
            rows = [n for n in vigil.notifications()["notifications"] if n["anomaly_id"] == anomaly_id]
            return len(rows) >= 2 and any(n["attempts"] >= 1 and n["last_error"] for n in rows)
        assert wait_until(tried, 30, 0.2), vigil.notifications()
        assert vigil.terminate() == 0, vigil.output_tail()
        pending = {(event, status) for event, _, status, _ in store_rows(database, anomaly_id)}
        assert {("alert.created", "pending"), ("alert.analyzed", "pending")} <= pending, pending
        expected = {f"{anomaly_id}:{event}" for event, _, status, _ in store_rows(database, anomaly_id) if status == "pending"}
        # Every pending row of the database, this alert's and any other's, must arrive.
        with sqlite3.connect(database) as db:
            expected |= {f"{a}:{e}" for a, e in db.execute("SELECT anomaly_id, event FROM notification_outbox WHERE status = 'pending'")}

        # Restarted, still no receiver: it keeps trying; then SIGKILL (no shutdown at all).
        vigil = Vigil(tmp_path, notify, database, name="second")
        attempts_before = sum(a for _, _, _, a in store_rows(database, anomaly_id))
        assert wait_until(lambda: sum(a for _, _, _, a in store_rows(database, anomaly_id)) > attempts_before, 30, 0.2)
        vigil.kill()

        # Restarted again, and the receiver comes back on its port.
        vigil = Vigil(tmp_path, notify, database, name="third")
        receiver = Receiver(port=port)
        assert wait_until(lambda: {r["headers"]["x-vigil-delivery"] for r in receiver.on("/hook")} >= expected, 60, 0.2), (
            f"expected {expected}, got {[r['headers']['x-vigil-delivery'] for r in receiver.on('/hook')]}\n{vigil.output_tail()}")
        assert all(verify_signature(r) for r in receiver.on("/hook"))
        assert wait_until(lambda: all(status == "delivered" for _, _, status, _ in store_rows(database, anomaly_id)), 30, 0.2)
        assert vigil.terminate() == 0
    finally:
        vigil.kill()
        if receiver:
            receiver.close()


def test_notify_test_reports_each_target(tmp_path):
    """`vigil notify --test` against a webhook, a real Alertmanager running the shipped routing
    tree (deploy/alertmanager/alertmanager.yml, receivers pointed at this test), a 404 and a
    refused port."""
    receiver = Receiver({"/broken": [("status", 404, "no such hook")]})
    shipped = (REPO / "deploy" / "alertmanager" / "alertmanager.yml").read_text()
    assert "http://127.0.0.1:5001/" in shipped
    alertmanager = Alertmanager(tmp_path / "am", "", shipped.replace("http://127.0.0.1:5001/", receiver.url("/")))
    refused = f"http://127.0.0.1:{free_port(socket.AF_INET, socket.SOCK_STREAM)}/nobody"
    try:
        def notify_test(targets: str) -> subprocess.CompletedProcess:
            config = tmp_path / "notify.toml"
            config.write_text(f"[notify]\nwebhook_secret = \"{SECRET}\"\ninstance = \"vigil-e2e\"\n{targets}")
            env = {k: v for k, v in ENV.items() if not k.startswith("VIGIL_")}
            return subprocess.run([str(VIGIL_BIN), "notify", "--test", "--config", str(config)], capture_output=True,
                                  timeout=60, env=env, cwd="/")

        good = notify_test(f"webhooks = {toml_list([receiver.url('/ok')])}\nalertmanager = {toml_list([alertmanager.base])}\n")
        assert good.returncode == 0, good.stdout.decode() + good.stderr.decode()
        lines = good.stdout.decode().splitlines()
        assert len(lines) == 2
        assert lines[0].startswith(f"ok  alertmanager  {alertmanager.base}  status=200  latency=")
        assert lines[1].startswith(f"ok  webhook  {receiver.url('/ok')}  status=200  latency=")
        test_request = receiver.on("/ok")[0]
        assert test_request["headers"]["x-vigil-event"] == "test" and verify_signature(test_request)
        assert json.loads(test_request["body"])["alert"]["anomaly_id"].startswith("anom_test_")
        assert wait_until(lambda: any(a["labels"].get("alertname") == "vigil_test" for a in alertmanager.alerts()), 20, 0.3)
        # The shipped route sends Vigil's alerts to the team (a test alert is never paged).
        assert wait_until(lambda: receiver.on("/vigil-team"), 40, 0.5), "the shipped route did not deliver vigil_test"
        routed = json.loads(receiver.on("/vigil-team")[0]["body"])
        assert routed["receiver"] == "vigil-team" and routed["alerts"][0]["labels"]["alertname"] == "vigil_test"
        assert not receiver.on("/vigil-pager")

        bad = notify_test(f"webhooks = {toml_list([receiver.url('/broken'), refused])}\n")
        assert bad.returncode == 1
        lines = bad.stdout.decode().splitlines()
        assert lines[0] == f"FAILED  webhook  {receiver.url('/broken')}  status=404  " + lines[0].split("  ")[4] + "  error=HTTP 404: no such hook"
        assert lines[1].startswith(f"FAILED  webhook  {refused}  status=none  latency=")

        none = notify_test("")
        assert none.returncode == 1 and b"no targets configured" in none.stderr
    finally:
        alertmanager.stop()
        receiver.close()
