"""End-to-end tests of `vigil serve` as an operator runs it: the HTTP API (ingest, alerts,
health, metrics, auth, limits), syslog from `logger` over UDP and TCP, graceful shutdown with
messages in flight, alerts surviving a restart, the shipped rsyslog snippets used by a real
rsyslogd, the README's 5-minute tour run as written, and the shipped configuration files.

Run: `bash scripts/e2e/setup.sh` once, then
`VIGIL_BIN=$PWD/.build/debug/vigil python3 -m pytest -q -p no:cacheprovider scripts/e2e/http_test.py`.
Every server runs on free loopback ports (the tour in a private network namespace, where its
default ports are free) and is stopped by its PID.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_test import (  # noqa: E402
    ENV, LOGGER, PEER4, REPO, RSYSLOGD, VIGIL_BIN, Metrics, Proc, VigilServer, assert_messages, free_port,
    logger_argv, port_bound, rsyslog_modules, run, serve_unavailable_reason, texts, wait_until,
)

README = REPO / "README.md"
DEPLOY = REPO / "deploy"


@pytest.fixture(autouse=True)
def _need_vigil():
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)


def request(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict | None = None,
            timeout: float = 10.0) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def readme_json_example() -> bytes:
    """The JSON batch the README's tour posts (its first `{"logs":...}`), byte for byte."""
    m = re.search(r"-d '(\{\"logs\":.*?\})'", README.read_text())
    assert m, "README has no curl -d '{\"logs\":...}' example"
    return m.group(1).encode()


def stopped_line(server: VigilServer) -> dict:
    """The JSON log line `vigil serve` writes last: what it received, by transport."""
    for line in reversed(server.proc.log_path.read_text(errors="replace").splitlines()):
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if obj.get("message") == "stopped":
            return obj["metadata"]
    pytest.fail(f"no 'stopped' log line:\n{server.proc.output_tail()}")


# ---------------------------------------------------------------------------------------------
# The API


def test_health_ingest_limits_alerts_and_metrics(tmp_path):
    server = VigilServer(tmp_path / "api", extra=["--database", f"sqlite:{tmp_path / 'api.db'}"])
    try:
        status, body, _ = request(server.base + "/health")
        assert status == 200, body
        health = json.loads(body)
        assert health["database"]["reachable"] is True
        assert f"127.0.0.1:{server.tcp4}" in health["listeners"]["tcp"]
        assert "shard_backlog" in health["queues"]

        before = server.metrics()
        status, body, _ = request(server.base + "/logs/ingest", method="POST", body=readme_json_example(),
                                  headers={"Content-Type": "application/json"})
        assert status == 202, body
        assert json.loads(body) == {"accepted": 1, "rejected": []}
        assert wait_until(lambda: server.metrics().get("vigil_received_messages_total", transport="http")
                          == before.get("vigil_received_messages_total", transport="http") + 1, 10)
        recs = [r for r in server.tap.poll() if r.get("transport") == "http"]
        assert [(r["app_name"], r["severity"], r["msg"]) for r in recs] == [("payment-api", 3, "Database connection timeout")]

        # gzip, as a shipper compressing its batches sends it
        status, body, _ = request(server.base + "/logs/ingest", method="POST", body=gzip.compress(readme_json_example()),
                                  headers={"Content-Encoding": "gzip"})
        assert (status, json.loads(body)["accepted"]) == (202, 1)

        status, body, _ = request(server.base + "/logs/ingest", method="POST", body=b'{"logs": [{"level": "ERROR",')
        assert status == 400 and "malformed JSON" in json.loads(body)["error"], body
        # Over the default 10 MiB limit: 413 (answered before the body is read, so sent with curl,
        # which reads an early answer; urllib would keep sending), and the server goes on.
        big = tmp_path / "big.json"
        big.write_bytes(b'{"logs":[' + b" " * (11 << 20) + b"]}")
        for chunked in ([], ["-H", "Transfer-Encoding: chunked"]):
            proc = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--data-binary", f"@{big}",
                        *chunked, server.base + "/logs/ingest"], check=False, timeout=60)
            assert proc.stdout.decode() == "413", (chunked, proc.stdout, proc.stderr)
        server.assert_alive()
        assert request(server.base + "/health")[0] == 200
        m = server.metrics()
        assert m.get("vigil_http_refused_requests_total", reason="malformed_json") == 1
        assert m.get("vigil_http_refused_requests_total", reason="body_too_large") == 2

        status, body, _ = request(server.base + "/alerts/recent?limit=5")
        assert status == 200 and isinstance(json.loads(body)["alerts"], list), body
        assert request(server.base + "/alerts/recent?limit=0")[0] == 400
        assert request(server.base + "/alerts/anom_none")[0] == 404
        status, body, _ = request(server.base + "/services")
        assert "payment-api" in [s["service"] for s in json.loads(body)["services"]]
        for name, labels in [("vigil_received_messages_total", {"transport": "http"}),
                             ("vigil_parse_errors_total", {"transport": "http"}),
                             ("vigil_dropped_messages_total", {"reason": "shard_queue_full"}),
                             ("vigil_shard_backlog", {}), ("vigil_store_queued_alerts", {}),
                             ("vigil_store_write_duration_seconds_count", {})]:
            assert m.has(name, **labels), f"/metrics lacks {name}{labels}"
    finally:
        assert server.stop() == 0


def test_api_token_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setitem(ENV, "VIGIL_API_TOKEN", "e2e-token")
    server = VigilServer(tmp_path / "auth", extra=["--database", f"sqlite:{tmp_path / 'auth.db'}"])
    try:
        assert request(server.base + "/alerts/recent?limit=5")[0] == 401
        assert request(server.base + "/logs/ingest", method="POST", body=readme_json_example())[0] == 401
        auth = {"Authorization": "Bearer e2e-token"}
        assert request(server.base + "/alerts/recent?limit=5", headers=auth)[0] == 200
        assert request(server.base + "/logs/ingest", method="POST", body=readme_json_example(), headers=auth)[0] == 202
        assert request(server.base + "/health")[0] == 200
        assert request(server.base + "/metrics")[0] == 200
    finally:
        assert server.stop() == 0


def test_invalid_configuration_is_one_message_naming_the_key_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[detection]\nwindows = [60, 303]\n")
    proc = run([VIGIL_BIN, "serve", "--config", bad, "--http", "127.0.0.1:0"], check=False, timeout=30)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert err.strip().count("\n") == 0 and "detection.windows" in err and str(bad) in err, err
    proc = run([VIGIL_BIN, "serve", "--http", "127.0.0.1:99999"], check=False, timeout=30)
    assert proc.returncode == 2 and "api.address" in proc.stderr.decode()


def test_shipped_configuration_file_starts_the_server(tmp_path):
    server = VigilServer(tmp_path / "conf", extra=["--config", REPO / "conf" / "vigil.toml",
                                                   "--database", f"sqlite:{tmp_path / 'conf.db'}"])
    try:
        assert request(server.base + "/health")[0] == 200
    finally:
        assert server.stop() == 0


# ---------------------------------------------------------------------------------------------
# Syslog, shutdown, restart


def test_logger_udp_and_tcp_show_in_the_transport_counters(tmp_path):
    server = VigilServer(tmp_path / "logger", extra=["--database", f"sqlite:{tmp_path / 'logger.db'}"])
    try:
        mark = server.mark()
        run(logger_argv("--rfc5424", "-d", host="127.0.0.1", port=server.udp4, tag="e2e-http-udp"), input="one\ntwo\nthree\n")
        run(logger_argv("--rfc5424", "--tcp", "--octet-count", host="127.0.0.1", port=server.tcp4, tag="e2e-http-tcp"),
            input="four\nfive\n")
        server.check_counters(mark, received={"udp": 3, "tcp": 2}, parse_errors={"udp": 0, "tcp": 0}, dropped=0)
    finally:
        assert server.stop() == 0


def test_sigterm_with_messages_in_flight_loses_nothing_accepted(tmp_path):
    """TCP and HTTP clients are sending when SIGTERM arrives: the process exits 0 within 10 s,
    and every message it had received (its last log line) and every entry an HTTP 202 accepted
    is in the tap."""
    server = VigilServer(tmp_path / "drain", extra=["--database", f"sqlite:{tmp_path / 'drain.db'}"])
    accepted = [0]
    stop = threading.Event()

    def poster():
        batch = json.dumps({"logs": [{"level": "INFO", "service": "drain-http", "message": f"m{i}"} for i in range(200)]}).encode()
        while not stop.is_set():
            try:
                status, body, _ = request(server.base + "/logs/ingest", method="POST", body=batch, timeout=5)
            except OSError:
                return  # the server stopped listening
            if status == 202:
                accepted[0] += json.loads(body)["accepted"]

    def tcp_sender():
        with socket.create_connection(("127.0.0.1", server.tcp4), timeout=5) as s:
            i = 0
            while not stop.is_set() and i < 200_000:
                frame = f"<14>1 - h drain-tcp - - - message {i}".encode()
                try:
                    s.sendall(f"{len(frame)} ".encode() + frame)
                except OSError:
                    return
                i += 1

    threads = [threading.Thread(target=poster), threading.Thread(target=tcp_sender)]
    for t in threads:
        t.start()
    try:
        assert wait_until(lambda: accepted[0] >= 1000, 20), "no HTTP batch accepted"
        time.sleep(0.5)
        started = time.monotonic()
        server.proc.popen.send_signal(15)
        server.proc.popen.wait(10)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        for t in threads:
            t.join(15)
        status = server.stop()
    assert status == 0, server.proc.output_tail()
    assert elapsed < 10, elapsed
    received = stopped_line(server)
    recs = server.tap.poll()
    by_transport = {t: sum(1 for r in recs if r.get("transport") == t) for t in ("tcp", "http")}
    assert by_transport["http"] == int(received["received_http"]) == accepted[0], (by_transport, received, accepted)
    assert by_transport["tcp"] == int(received["received_tcp"]) > 0, (by_transport, received)


def test_sigterm_exits_zero_within_10s_and_alerts_survive_a_restart(tmp_path):
    database = tmp_path / "restart.db"
    extra = ["--tick", "1", "--window", "4", "--database", f"sqlite:{database}"]
    server = VigilServer(tmp_path / "before", extra=extra)
    try:
        start, i, stored = time.time(), 0, 0
        while time.time() - start < 40 and stored == 0:
            failing = time.time() - start > 12
            logs = []
            for service in ("api", "db", "web"):
                for _ in range(10):
                    error = (failing and service == "api" and i % 2 == 0) or i % 100 == 0
                    logs.append({"level": "ERROR" if error else "INFO", "service": service, "message": f"request {i}"})
                    i += 1
            assert request(server.base + "/logs/ingest", method="POST", body=json.dumps({"logs": logs}).encode())[0] == 202
            time.sleep(0.1)
            stored = int(server.metrics().get("vigil_alerts_stored_total"))
        assert stored >= 1, f"no alert stored after {i} messages:\n{server.proc.output_tail()}"
        m = server.metrics()
        assert m.get("vigil_alerts_total", category="error_spike") >= 1
        before = json.loads(request(server.base + "/alerts/recent?limit=5")[1])["alerts"]
        assert before and before[0]["category"] == "error_spike" and "api" in before[0]["affected_services"]
        started = time.monotonic()
    finally:
        status = server.stop()
    assert status == 0 and time.monotonic() - started < 10, server.proc.output_tail()

    again = VigilServer(tmp_path / "after", extra=extra)
    try:
        after = json.loads(request(again.base + "/alerts/recent?limit=5")[1])["alerts"]
        assert [a["anomaly_id"] for a in after][:len(before)] == [a["anomaly_id"] for a in before]
        status, body, _ = request(again.base + "/alerts/" + before[0]["anomaly_id"])
        assert status == 200 and json.loads(body) == after[0]
        filtered = json.loads(request(again.base + "/alerts/recent?category=error_spike&service=api")[1])["alerts"]
        assert before[0]["anomaly_id"] in [a["anomaly_id"] for a in filtered]
    finally:
        assert again.stop() == 0
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM baselines").fetchone()[0] >= 1


# ---------------------------------------------------------------------------------------------
# deploy/: rsyslog snippets with a real rsyslogd, the systemd unit, the syslog-ng snippet


def rsyslog_with_snippet(workdir: Path, snippet: str, vigil_port: int):
    """rsyslogd in the foreground: a UDP input on a free port and `include()` of the snippet as
    shipped, except its `port="5514"` (the one value an operator sets besides the target,
    which stays 127.0.0.1) — replaced by the test server's port. Returns (proc, input port)."""
    text = (DEPLOY / "rsyslog" / snippet).read_text()
    assert text.count('port="5514"') == 1 and text.count('target="127.0.0.1"') == 1, snippet
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "work").mkdir(exist_ok=True)
    (workdir / snippet).write_text(text.replace('port="5514"', f'port="{vigil_port}"'))
    in_port = free_port(socket.AF_INET, socket.SOCK_DGRAM)
    conf = workdir / "rsyslog.conf"
    conf.write_text(f'global(workDirectory="{workdir / "work"}" net.enableDNS="off")\n'
                    f'module(load="imudp")\n'
                    f'input(type="imudp" address="127.0.0.1" port="{in_port}")\n'
                    f'include(file="{workdir / snippet}")\n')
    modules = rsyslog_modules()
    run([RSYSLOGD, "-N1", "-M", modules, "-f", conf], timeout=30)
    proc = Proc([RSYSLOGD, "-n", "-M", modules, "-f", conf, "-i", workdir / "rsyslogd.pid"],
                log_path=workdir / "rsyslogd.log", cwd=workdir)
    if not wait_until(lambda: not proc.alive() or port_bound("udp", in_port), 15):
        proc.stop()
        pytest.fail(f"rsyslogd did not bind udp {in_port}:\n{proc.output_tail()}")
    return proc, in_port


@pytest.mark.parametrize("snippet,transport", [("60-vigil.conf", "tcp"), ("60-vigil-udp.conf", "udp")])
def test_rsyslog_snippet_as_shipped_delivers(tmp_path, snippet, transport):
    if not RSYSLOGD.is_file():
        pytest.fail(f"no rsyslogd at {RSYSLOGD}: run scripts/e2e/setup.sh")
    server = VigilServer(tmp_path / "vigil", extra=["--database", f"sqlite:{tmp_path / 'rs.db'}"])
    tag, msgs = f"e2e-snippet-{transport}", texts(f"snippet-{transport}", 30)
    try:
        port = server.tcp4 if transport == "tcp" else server.udp4
        rsyslogd, in_port = rsyslog_with_snippet(tmp_path / "rsyslog", snippet, port)
        try:
            mark = server.mark()
            run(logger_argv("--rfc5424", "-d", "-p", "user.err", host="127.0.0.1", port=in_port, tag=tag),
                input="\n".join(msgs) + "\n")
            recs = server.collect(mark, len(msgs), lambda r: r.get("app_name") == tag)
        finally:
            rsyslogd.stop()
        assert_messages(recs, msgs=msgs, transport=transport, peer=PEER4, format="rfc5424", severity=3, service=tag)
    finally:
        assert server.stop() == 0


def test_systemd_unit_verifies():
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("no systemd-analyze")
    unit = (DEPLOY / "systemd" / "vigil.service").read_text()
    assert "ExecStart=/usr/local/bin/vigil serve --config /etc/vigil/vigil.toml" in unit
    # The unit as shipped, with ExecStart pointing at the binary under test.
    with_binary = unit.replace("/usr/local/bin/vigil", str(VIGIL_BIN))
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"vigil-e2e-{os.getpid()}.service"
    path.write_text(with_binary)
    try:
        proc = run([analyze, "verify", path], check=False, timeout=60)
    finally:
        path.unlink()
    out = (proc.stdout + proc.stderr).decode()
    problems = [line for line in out.splitlines() if "vigil-e2e" in line or "vigil.service" in line]
    assert proc.returncode == 0 and not problems, out


def test_syslog_ng_destination_delivers(tmp_path):
    syslog_ng = shutil.which("syslog-ng")
    if not syslog_ng:
        pytest.skip("no syslog-ng")
    server = VigilServer(tmp_path / "vigil", extra=["--database", f"sqlite:{tmp_path / 'ng.db'}"])
    try:
        snippet = (DEPLOY / "syslog-ng" / "vigil.conf").read_text()
        assert snippet.count("port(5514)") == 1 and snippet.count("reliable(no)") == 1
        in_port = free_port(socket.AF_INET, socket.SOCK_DGRAM)
        conf = tmp_path / "syslog-ng.conf"
        # s_src is the source Debian's syslog-ng.conf defines; here a UDP input on a free port.
        conf.write_text('@version: 3.38\n'
                        f'source s_src {{ syslog(ip("127.0.0.1") port({in_port}) transport("udp")); }};\n'
                        + snippet.replace("port(5514)", f"port({server.tcp4})")
                        # keep the disk buffer in the test's directory, not /var/lib/syslog-ng
                        .replace("reliable(no)", f'reliable(no) dir("{tmp_path / "ng"}")'))
        (tmp_path / "ng").mkdir()
        proc = Proc([syslog_ng, "-F", "-f", conf, "-R", tmp_path / "ng" / "persist", "-p", tmp_path / "ng" / "pid",
                     "-c", tmp_path / "ng" / "ctl", "--no-caps", "-e"], log_path=tmp_path / "syslog-ng.log", cwd=tmp_path)
        try:
            if not wait_until(lambda: not proc.alive() or port_bound("udp", in_port), 15):
                pytest.fail(f"syslog-ng did not start:\n{proc.output_tail()}")
            assert proc.alive(), proc.output_tail()
            tag, msgs = "e2e-syslog-ng", texts("syslog-ng", 20)
            mark = server.mark()
            run(logger_argv("--rfc5424", "-d", host="127.0.0.1", port=in_port, tag=tag), input="\n".join(msgs) + "\n")
            recs = server.collect(mark, len(msgs), lambda r: r.get("app_name") == tag)
        finally:
            proc.stop()
        assert sorted(r["msg"] for r in recs) == sorted(msgs) and all(r["transport"] == "tcp" for r in recs), recs[:3]
    finally:
        assert server.stop() == 0


# ---------------------------------------------------------------------------------------------
# The README's 5-minute tour, as written


def tour_script() -> str:
    """The shell blocks between `<!-- tour:begin -->` and `<!-- tour:end -->` in README.md."""
    text = README.read_text()
    m = re.search(r"<!-- tour:begin -->(.*?)<!-- tour:end -->", text, re.S)
    assert m, "README.md has no tour markers"
    blocks = re.findall(r"```sh\n(.*?)```", m.group(1), re.S)
    assert len(blocks) >= 5
    return "\n".join(blocks)


def test_readme_tour_runs_as_written(tmp_path):
    """Runs the tour's commands unchanged in a private network namespace (so its default ports
    5514 and 8000 are free), from the repository root, with `vigil` and `rsyslogd` on PATH."""
    if not shutil.which("unshare") or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot create a network namespace (unshare -n)")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "vigil").symlink_to(VIGIL_BIN)
    # rsyslog is unpacked, not installed: a wrapper adds its module directory.
    (bindir / "rsyslogd").write_text(f'#!/bin/sh\nexec "{RSYSLOGD}" -M "{rsyslog_modules()}" "$@"\n')
    (bindir / "rsyslogd").chmod(0o755)
    script = tour_script()
    env = {**ENV, "PATH": f"{bindir}:{ENV['PATH']}", "VIGIL_LOG_FORMAT": "json"}
    proc = subprocess.run(["unshare", "-n", "bash", "-euo", "pipefail", "-c", "ip link set lo up\n" + script],
                          cwd=REPO, env=env, capture_output=True, timeout=120)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, f"tour failed ({proc.returncode}):\n{out}\n{err}"
    assert '"status":"ok"' in out, out
    assert '{"accepted":1,"rejected":[]}' in out, out
    assert '{"alerts":[' in out, out
    counters = Metrics(out)
    assert counters.get("vigil_received_messages_total", transport="udp") >= 1, out
    assert counters.get("vigil_received_messages_total", transport="tcp") >= 2, out  # logger --tcp and rsyslog
    assert counters.get("vigil_received_messages_total", transport="http") == 1, out
    assert "vigil exited with 0" in out, out
