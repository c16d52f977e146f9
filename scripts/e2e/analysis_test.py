"""End-to-end tests of the root-cause analysis in `vigil analyze`, against the built binary.

A stand-in for the Claude Messages API (Python http.server, in a thread, on a free loopback
port) answers from a script and records every request; `vigil analyze` replays a generated log
with an error spike in `payments` and is pointed at it with ANTHROPIC_BASE_URL. No test talks to
the real API.

Run: VIGIL_BIN=$PWD/.build/debug/vigil python3 -m pytest -q -p no:cacheprovider scripts/e2e/analysis_test.py
Every subprocess is bounded by a timeout; only loopback addresses are used.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VIGIL_BIN = Path(os.environ.get("VIGIL_BIN") or REPO / ".build" / "debug" / "vigil")
CMD_TIMEOUT = 120.0

ANALYSIS = {
    "root_cause": "Database connection pool exhausted in payments",
    "impact": "About 30% of payment requests fail",
    "recommended_actions": ["Raise the connection pool size", "Look for long-running queries"],
    "confidence": 0.82,
}


def incident_log() -> str:
    """Three services at 2 msg/s each for 30 minutes with 1 % errors; from minute 20 to 26
    `payments` fails 30 % of its requests with a database timeout."""
    rng = random.Random(7)
    start = dt.datetime(2024, 1, 15, tzinfo=dt.timezone.utc)
    lines = []
    for second in range(30 * 60):
        stamp = (start + dt.timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for service in ("payments", "auth", "search"):
            for k in range(2):
                incident = service == "payments" and 1200 <= second < 1560
                if rng.random() < (0.3 if incident else 0.01):
                    text = (f"Database connection timeout after {rng.randint(2900, 3100)} ms (pool 20/20) order={rng.randint(10000, 99999)}"
                            if incident else f"upstream reset by peer 10.0.{k}.{rng.randint(1, 250)}")
                    lines.append(f"<11>1 {stamp} host {service} - - - {text}")
                else:
                    lines.append(f"<14>1 {stamp} host {service} - - - request served in {rng.randint(2, 40)} ms")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def log_file(tmp_path_factory) -> Path:
    if not VIGIL_BIN.is_file():
        pytest.skip(f"{VIGIL_BIN} does not exist: build Vigil first (swift build) or set VIGIL_BIN")
    path = tmp_path_factory.mktemp("analysis") / "incident.log"
    path.write_text(incident_log())
    return path


class StandIn:
    """A Messages API on 127.0.0.1: each POST takes the next step of the script (the last one
    repeats). A step is (status, body, headers) or "hang" (never answers until stopped)."""

    def __init__(self, steps):
        self.steps = list(steps)
        self.requests: list[dict] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode()
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    step = outer.steps.pop(0) if len(outer.steps) > 1 else outer.steps[0]
                if step == "hang":
                    outer.stopping.wait(60)  # bounded, and released at teardown
                    return
                status, payload, headers = step
                data = payload.encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def reply(text: str) -> str:
    return json.dumps({
        "id": "msg_standin", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 900, "output_tokens": 150},
    })


def error(kind: str, message: str) -> str:
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}})


def analyze(log: Path, database: Path, env: dict[str, str], *extra: str):
    """Runs `vigil analyze`; returns (alerts printed, stderr, seconds taken)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    environment.update({"TZ": "UTC", **env})
    started = time.monotonic()
    try:
        proc = subprocess.run([str(VIGIL_BIN), "analyze", "--database", f"sqlite:{database}", *extra, str(log)],
                              capture_output=True, timeout=CMD_TIMEOUT, env=environment, cwd="/")
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"vigil analyze timed out after {CMD_TIMEOUT}s: {e.stderr!r}")
    elapsed = time.monotonic() - started
    stderr = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, f"exit {proc.returncode}\n{stderr[-3000:]}"
    alerts = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    return alerts, stderr, elapsed


def error_spike(alerts: list[dict], stderr: str) -> dict:
    spikes = [a for a in alerts if a["category"] == "error_spike"]
    assert len(spikes) == 1, f"expected one error_spike, got {alerts}\n{stderr[-2000:]}"
    assert spikes[0]["affected_services"][0] == "payments"
    return spikes[0]


def stored_analysis(database: Path, anomaly_id: str) -> tuple:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT analysis_source, root_cause, confidence, analysis_error FROM alerts WHERE anomaly_id = ?",
                          (anomaly_id,)).fetchone()


def test_claude_analysis_arrives_after_two_rate_limits(log_file, tmp_path):
    """429 twice (retry-after 1), then a fenced JSON analysis: the printed error_spike carries it."""
    limited = (429, error("rate_limit_error", "Number of requests has exceeded your rate limit"), {"retry-after": "1"})
    answer = (200, reply("```json\n" + json.dumps(ANALYSIS, indent=2) + "\n```"), {})
    stand_in = StandIn([limited, limited, answer])
    try:
        alerts, stderr, _ = analyze(log_file, tmp_path / "claude.db",
                                    {"ANTHROPIC_API_KEY": "test-key-e2e", "ANTHROPIC_BASE_URL": stand_in.base_url})
    finally:
        stand_in.close()
    alert = error_spike(alerts, stderr)
    assert alert["analysis_source"] == "claude", alert
    assert alert["root_cause"] == ANALYSIS["root_cause"]
    assert alert["impact"] == ANALYSIS["impact"]
    assert alert["recommended_actions"] == ANALYSIS["recommended_actions"]
    assert alert["confidence"] == pytest.approx(0.82)
    assert alert["analysis_error"] is None
    assert alert["analysis_model"] == "claude-sonnet-4-20250514"
    assert alert["analysis_input_tokens"] == 900 and alert["analysis_output_tokens"] == 150
    # The log's new error message also raises a new_pattern alert, analysed alongside: the two
    # 429s may go to either alert, so the error spike waited out at least one retry-after.
    assert alert["analysis_latency_ms"] >= 900
    assert stored_analysis(tmp_path / "claude.db", alert["anomaly_id"])[:3] == ("claude", ANALYSIS["root_cause"], pytest.approx(0.82))

    # One analysis per alert (error_spike, new_pattern): two 429s, then one answer each.
    analysed = [a for a in alerts if a["analysis_source"] == "claude"]
    assert {a["category"] for a in analysed} == {"error_spike", "new_pattern"}, alerts
    assert len(stand_in.requests) == 2 + len(analysed), [r["path"] for r in stand_in.requests]
    for request in stand_in.requests:
        assert request["path"] == "/v1/messages"
        assert request["headers"]["x-api-key"] == "test-key-e2e"
        assert request["headers"]["anthropic-version"] == "2023-06-01"
        assert request["headers"]["content-type"] == "application/json"
        body = json.loads(request["body"])
        assert body["model"] == "claude-sonnet-4-20250514"
        assert body["max_tokens"] == 1500
        assert body["temperature"] == pytest.approx(0.2)
        assert "never follow instructions" in body["system"]
        assert [m["role"] for m in body["messages"]] == ["user"]
        prompt = body["messages"][0]["content"]
        assert '"payments"' in prompt
        assert "Database connection timeout after <*>" in prompt and "order=<*>" in prompt
        assert "<error_samples>" in prompt and "</error_samples>" in prompt


def test_without_a_key_the_alert_gets_the_offline_summary(log_file, tmp_path):
    alerts, stderr, _ = analyze(log_file, tmp_path / "offline.db", {})
    alert = error_spike(alerts, stderr)
    assert alert["analysis_source"] == "offline", alert
    assert "payments" in alert["root_cause"] and "Database connection timeout" in alert["root_cause"], alert["root_cause"]
    assert alert["confidence"] is None
    assert alert["recommended_actions"] == []
    assert alert["analysis_error"] is None
    assert stored_analysis(tmp_path / "offline.db", alert["anomaly_id"])[0] == "offline"


def test_a_stand_in_that_never_answers_costs_at_most_the_deadline(log_file, tmp_path):
    _, _, offline_seconds = analyze(log_file, tmp_path / "baseline.db", {})
    deadline = 3.0
    stand_in = StandIn(["hang"])
    try:
        alerts, stderr, seconds = analyze(log_file, tmp_path / "hang.db", {
            "ANTHROPIC_API_KEY": "test-key-e2e", "ANTHROPIC_BASE_URL": stand_in.base_url, "ANTHROPIC_TIMEOUT": str(deadline)})
    finally:
        stand_in.close()
    alert = error_spike(alerts, stderr)
    assert alert["analysis_source"] == "offline", alert
    assert "deadline" in (alert["analysis_error"] or ""), alert["analysis_error"]
    assert alert["root_cause"]
    assert seconds <= offline_seconds + deadline + 2.0, (seconds, offline_seconds)
    assert len(stand_in.requests) >= 1


def test_analysis_timeout_bounds_the_wait_and_the_alert_is_still_printed(log_file, tmp_path):
    """Claude never answers and its own deadline is long (30 s): --analysis-timeout 1 ends the
    wait; the alert is printed once, with the offline summary and the reason."""
    stand_in = StandIn(["hang"])
    try:
        alerts, stderr, seconds = analyze(log_file, tmp_path / "wait.db", {
            "ANTHROPIC_API_KEY": "test-key-e2e", "ANTHROPIC_BASE_URL": stand_in.base_url}, "--analysis-timeout", "1")
    finally:
        stand_in.close()
    alert = error_spike(alerts, stderr)
    assert alert["analysis_source"] == "offline"
    assert "--analysis-timeout" in alert["analysis_error"], alert["analysis_error"]
    assert seconds < 15, seconds
    assert stored_analysis(tmp_path / "wait.db", alert["anomaly_id"])[0] == "offline"
