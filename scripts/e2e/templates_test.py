"""End-to-end: message templates in detection — `new_pattern` alerts and template samples, from
a replay (`vigil analyze`) and from `vigil serve` fed over UDP.

Run with `bash scripts/e2e/run.sh -k templates`, or directly:
    VIGIL_BIN=.build/debug/vigil python3 -m pytest -q -p no:cacheprovider scripts/e2e/templates_test.py
"""
from __future__ import annotations

import datetime as dt
import json
import random
import socket
import sqlite3
import time

import pytest

from e2e_test import ENV, VIGIL_BIN, VigilServer, run, serve_unavailable_reason

NEW_ERROR = "could not extend file base/{n}/{m}: No space left on device (wanted {k} bytes)"


def replay_log(new_from_second: int = 900, seconds: int = 1200) -> str:
    """Two services logging steadily; from `new_from_second` postgres logs a new error every 10 s."""
    rng = random.Random(7)
    start = dt.datetime(2026, 3, 2, 8, 0, 0, tzinfo=dt.timezone.utc)
    lines = []
    for s in range(seconds):
        ts = (start + dt.timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"<14>1 {ts} web1 checkout 31 - - GET /cart/{rng.randint(1, 999)} 200 {rng.randint(3, 90)}ms")
        if s % 20 == 0:
            lines.append(f"<11>1 {ts} web1 checkout 31 - - payment gateway returned {rng.choice([502, 503])} "
                         f"for order {rng.randint(1000, 9999)}")
        if s % 2 == 0:
            lines.append(f"<14>1 {ts} db1 postgres 7 - - checkpoint complete: wrote {rng.randint(1, 500)} buffers")
        if s >= new_from_second and s % 10 == 0:
            text = NEW_ERROR.format(n=rng.randint(10000, 99999), m=rng.randint(10000, 99999), k=rng.randint(1, 9) * 8192)
            lines.append(f"<11>1 {ts} db1 postgres 7 - - {text}")
    return "\n".join(lines) + "\n"


def analyze(tmp_path, log: str) -> list[dict]:
    path = tmp_path / "replay.log"
    path.write_text(log)
    out = run([VIGIL_BIN, "analyze", "--database", f"sqlite:{tmp_path / 'replay.db'}", path])
    return [json.loads(line) for line in out.stdout.decode().splitlines() if line.strip()]


def test_replay_new_error_message_gets_a_new_pattern_alert_naming_its_template(tmp_path):
    alerts = analyze(tmp_path, replay_log())
    patterns = [a for a in alerts if a["category"] == "new_pattern"]
    assert len(patterns) == 1, alerts
    alert = patterns[0]
    assert alert["affected_services"] == ["postgres"]
    assert "No space left on device" in alert["description"]
    first = alert["samples"][0]
    assert "No space left on device" in first["template"] and "<*>" in first["template"]
    assert first["service"] == "postgres" and first["count"] >= 5
    assert "No space left on device" in first["example"]
    assert first["first_seen"] == "2026-03-02T08:15:00.000000Z"
    assert len(first["template_id"]) == 16
    # The other samples are the service's other templates, with their counts in the window.
    assert any("checkpoint complete" in s["template"] and s["count"] > 100 for s in alert["samples"]), alert["samples"]
    # Every alert's samples are templates with counts.
    for a in alerts:
        assert all({"template_id", "template", "count", "example", "first_seen"} <= set(s) for s in a["samples"]), a
    # The checkout error that was there from the start is not new.
    assert not any("payment gateway" in a["description"] for a in patterns)


def test_replay_templates_known_from_a_previous_run_are_not_new(tmp_path):
    # First run: the error occurs all along, so it is learned in the first window.
    analyze(tmp_path, replay_log(new_from_second=0, seconds=600))
    with sqlite3.connect(tmp_path / "replay.db") as db:
        saved = db.execute("SELECT service, template_id, text FROM templates").fetchall()
    assert any(service == "postgres" and "No space left" in text for service, _, text in saved), saved
    # Second run, later: the same error reappears after a quiet period — known, not new.
    log = replay_log(new_from_second=900).replace("2026-03-02T08", "2026-03-02T09")
    assert not [a for a in analyze(tmp_path, log) if a["category"] == "new_pattern"]


def test_serve_raises_new_pattern_live(tmp_path):
    """`vigil serve` with a short window: steady traffic, then a new error message; a new_pattern
    alert naming the template is stored, and the templates are saved at shutdown."""
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)
    database = tmp_path / "live.db"
    server = VigilServer(tmp_path / "vigil-live", extra=["--tick", "1", "--window", "4", "--database", f"sqlite:{database}"])
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        start, i, found = time.time(), 0, False
        while time.time() - start < 50 and not found:
            late = time.time() - start > 14  # after the detector's learning (3 windows of 4 s)
            for _ in range(10):
                sender.sendto(f"<14>1 - h worker - - - job {i} done in {i % 70} ms".encode(), ("127.0.0.1", server.udp4))
                if late and i % 5 == 0:
                    sender.sendto(f"<11>1 - h worker - - - lease {i} lost: etcd cluster 10.9.8.{i % 250} unreachable".encode(),
                                  ("127.0.0.1", server.udp4))
                i += 1
            time.sleep(0.1)
            if int(server.metrics().get("vigil_alerts_stored_total")) > 0:
                with sqlite3.connect(database) as db:
                    found = any(c == "new_pattern" for (c,) in db.execute("SELECT category FROM alerts"))
        assert found, f"no new_pattern alert after {i} messages:\n{server.proc.output_tail()}"
        metrics = server.metrics()
        assert metrics.get("vigil_templates") >= 1
        status, body = server.health()
        queues = json.loads(body)["queues"]
        assert status == 200 and set(queues) >= {"shard_backlog", "alerts_pending", "analyses_pending"}, queues
        assert metrics.get("vigil_templates_evicted_total") == 0
    finally:
        sender.close()
        status = server.stop()
    assert status == 0
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT description, samples FROM alerts WHERE category = 'new_pattern'").fetchall()
        templates = db.execute("SELECT text FROM templates WHERE service = 'worker'").fetchall()
    description, samples = rows[0]
    assert "etcd cluster" in description
    samples = json.loads(samples)
    assert "etcd cluster" in samples[0]["template"] and samples[0]["count"] >= 5
    assert any("etcd cluster" in text for (text,) in templates), templates
