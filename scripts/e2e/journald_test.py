"""End-to-end tests of journald's own upload into Vigil: `systemd-journal-upload` (Debian
package systemd-journal-remote) posting a journal file to `POST /upload`, over HTTP and HTTPS,
with the upload token, and through deploy/journald/journal-upload.conf as shipped.

The journal file is made by `systemd-journal-remote -o FILE.journal EXPORT` from Journal Export
Format text written here (text fields and a binary MESSAGE). Uploads use `--follow=no` and no
`--save-state`, so every run sends the whole file again.
"""
from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_test import REPO, ENV, VigilServer, free_port, http_get, run, serve_unavailable_reason, wait_until  # noqa: E402
from tls_test import OPENSSL, PKI, SERVER_NAME  # noqa: E402

UPLOAD = Path("/lib/systemd/systemd-journal-upload")
REMOTE = Path("/lib/systemd/systemd-journal-remote")
DEPLOY = REPO / "deploy"
TOKEN = "e2e-upload-secret"


@pytest.fixture(autouse=True)
def _need_tools():
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)
    if not UPLOAD.exists() or not REMOTE.exists():
        pytest.fail("no systemd-journal-upload/-remote: run scripts/e2e/setup.sh")


def export_text(run_id: str, n: int) -> bytes:
    """n entries of three services with priorities 3, 4 and 6, plus one binary MESSAGE from a
    process without SYSLOG_IDENTIFIER (its _COMM is the service)."""
    out = bytearray()
    services = [("e2e-jd-api", 3), ("e2e-jd-db", 4), ("e2e-jd-web", 6)]
    boot = "0123456789abcdef0123456789abcdef"
    base = int(time.time() * 1e6) - 60_000_000
    for i in range(n):
        service, priority = services[i % 3]
        out += (f"__REALTIME_TIMESTAMP={base + i}\n__MONOTONIC_TIMESTAMP={i + 1}\n_BOOT_ID={boot}\n"
                f"_HOSTNAME=jd-host\n_PID={1000 + i}\n_COMM=python3\nSYSLOG_IDENTIFIER={service}\n"
                f"PRIORITY={priority}\nSYSLOG_FACILITY=3\nMESSAGE={run_id} entry {i}\n\n").encode()
    binary = f"{run_id} binary \x1b[31mred\x1b[0m\nsecond line".encode()
    out += (f"__REALTIME_TIMESTAMP={base + n}\n__MONOTONIC_TIMESTAMP={n + 1}\n_BOOT_ID={boot}\n_HOSTNAME=jd-host\n"
            f"_COMM=e2e-jd-binary\nPRIORITY=2\nMESSAGE\n").encode() + struct.pack("<Q", len(binary)) + binary + b"\n\n"
    return bytes(out)


def journal_file(tmp: Path, run_id: str, n: int) -> Path:
    export = tmp / "export.txt"
    export.write_bytes(export_text(run_id, n))
    journal = tmp / "upload.journal"
    run([REMOTE, "-o", journal, export], timeout=60)
    return journal


def upload(journal: Path, url: str, *extra, check=True):
    return run([UPLOAD, f"--file={journal}", "--follow=no", f"--url={url}", *extra], timeout=120, check=check)


def received(server: VigilServer, transport="journald") -> float:
    return server.metrics().get("vigil_received_messages_total", transport=transport)


def check_delivery(server: VigilServer, mark, run_id: str, n: int):
    recs = server.collect(mark, n + 1, lambda r: run_id in (r.get("msg") or ""))
    assert len(recs) == n + 1, f"{len(recs)} of {n + 1} entries arrived"
    assert all(r["transport"] == "journald" and r["hostname"] == "jd-host" for r in recs), recs[:2]
    want = {"e2e-jd-api": 3, "e2e-jd-db": 4, "e2e-jd-web": 6, "e2e-jd-binary": 2}
    for r in recs:
        assert r["service"] in want and r["severity"] == want[r["service"]], r
        assert r["facility"] == (3 if r["service"] != "e2e-jd-binary" else 1), r
    binary = [r for r in recs if r["service"] == "e2e-jd-binary"]
    assert binary[0]["msg"] == f"{run_id} binary \x1b[31mred\x1b[0m\nsecond line"
    counts = {s: sum(1 for r in recs if r["service"] == s) for s in want}
    assert counts == {"e2e-jd-api": (n + 2) // 3, "e2e-jd-db": (n + 1) // 3, "e2e-jd-web": n // 3, "e2e-jd-binary": 1}


def test_journal_upload_delivers_every_entry_with_service_and_severity(tmp_path):
    server = VigilServer(tmp_path / "vigil", extra=["--database", f"sqlite:{tmp_path / 'v.db'}"])
    try:
        n = 300
        journal = journal_file(tmp_path, "run-a", n)
        for attempt in range(2):  # no saved state: a second run sends everything again
            mark, before = server.mark(), received(server)
            upload(journal, f"http://127.0.0.1:{server.http}")
            check_delivery(server, mark, "run-a", n)
            assert wait_until(lambda: received(server) - before == n + 1, 10), (attempt, received(server) - before)
        assert server.metrics().get("vigil_parse_errors_total", transport="journald") == 0
    finally:
        assert server.stop() == 0


def test_upload_token_is_required_when_set(tmp_path):
    server = VigilServer(tmp_path / "vigil", extra=["--database", f"sqlite:{tmp_path / 'v.db'}"],
                         env_extra={"VIGIL_API_UPLOAD_TOKEN": TOKEN, "VIGIL_API_TOKEN": "api-secret"})
    try:
        journal = journal_file(tmp_path, "run-t", 30)
        before = received(server)
        failed = upload(journal, f"http://127.0.0.1:{server.http}/upload?token=wrong", check=False)
        assert failed.returncode != 0
        mark = server.mark()
        upload(journal, f"http://127.0.0.1:{server.http}/upload?token={TOKEN}")
        check_delivery(server, mark, "run-t", 30)
        assert received(server) - before == 31
        refused = server.metrics().get("vigil_upload_refused_requests_total", reason="unauthorized")
        assert refused >= 1
    finally:
        assert server.stop() == 0


def test_journal_upload_over_https(tmp_path):
    if not OPENSSL:
        pytest.fail("no openssl: run scripts/e2e/setup.sh")
    pki = PKI(tmp_path / "pki")
    ca = pki.ca("Vigil Test CA")
    cert, key = pki.issue(ca, "api", SERVER_NAME, ["DNS:localhost", "IP:127.0.0.1"])
    client_cert, client_key = pki.issue(ca, "uploader", "uploader", [])
    server = VigilServer(tmp_path / "vigil", extra=["--database", f"sqlite:{tmp_path / 'v.db'}",
                                                     "--api-tls-cert", cert, "--api-tls-key", key], scheme="https",
                         ca=ca / "ca.pem")
    try:
        journal = journal_file(tmp_path, "run-s", 60)
        mark = server.mark()
        upload(journal, f"https://localhost:{server.http}", f"--trust={ca / 'ca.pem'}", f"--cert={client_cert}", f"--key={client_key}")
        check_delivery(server, mark, "run-s", 60)
    finally:
        assert server.stop() == 0


def test_shipped_journal_upload_conf_delivers(tmp_path):
    """deploy/journald/journal-upload.conf as shipped (URL with host, port and token changed),
    read by systemd-journal-upload from /etc/systemd/journal-upload.conf in a private mount
    namespace."""
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot create a mount namespace (unshare -m)")
    text = (DEPLOY / "journald" / "journal-upload.conf").read_text()
    assert text.count("URL=http://vigil.example.net:8000/upload?token=CHANGE-ME") == 1
    server = VigilServer(tmp_path / "vigil", extra=["--database", f"sqlite:{tmp_path / 'v.db'}"],
                         env_extra={"VIGIL_API_UPLOAD_TOKEN": TOKEN})
    try:
        conf = tmp_path / "journal-upload.conf"
        conf.write_text(text.replace("URL=http://vigil.example.net:8000/upload?token=CHANGE-ME",
                                     f"URL=http://127.0.0.1:{server.http}/upload?token={TOKEN}"))
        journal = journal_file(tmp_path, "run-c", 30)
        mark = server.mark()
        target = Path("/etc/systemd/journal-upload.conf")  # installed by systemd-journal-remote
        assert target.exists(), f"{target} missing: reinstall systemd-journal-remote"
        script = f"mount --bind {conf} {target}\nexec {UPLOAD} --file={journal} --follow=no\n"
        proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-ec", script],
                              capture_output=True, timeout=120, env=ENV)
        assert proc.returncode == 0, proc.stderr.decode()
        check_delivery(server, mark, "run-c", 30)
    finally:
        assert server.stop() == 0
