"""End-to-end tests of syslog over TLS (RFC 5425), client certificates and source allowlists,
with real clients: `openssl s_client`, rsyslogd with its TLS stream driver (gtls, ossl) and
syslog-ng's network(transport("tls")), each through the snippets shipped in deploy/.

Run with `bash scripts/e2e/run.sh -k tls` (installs the clients first: scripts/e2e/setup.sh and
setup.d/30-tls-journald.sh). Certificates come from a private test CA made with `openssl` per run.
Only loopback is used; 127.0.0.2 is the "other" source (Linux routes all of 127/8 to lo).
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_test import (  # noqa: E402
    LOGGER, REPO, RSYSLOGD, WAIT, Metrics, Proc, VigilServer, free_port, http_get, logger_argv, port_bound,
    rsyslog_modules, run, serve_unavailable_reason, texts, wait_until,
)

OPENSSL = shutil.which("openssl")
SYSLOG_NG = shutil.which("syslog-ng")
DEPLOY = REPO / "deploy"
SERVER_NAME = "vigil.example.net"   # in the test server certificate, as in the shipped snippets


@pytest.fixture(autouse=True)
def _need_vigil():
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)
    if not OPENSSL:
        pytest.fail("no openssl: run scripts/e2e/setup.sh")


# ---------------------------------------------------------------------------------------------
# A private CA, made with openssl


class PKI:
    """Test CAs and certificates (EC P-256), issued with `openssl ca` so validity dates can be set."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def ca(self, name: str) -> Path:
        d = self.root / name
        (d / "newcerts").mkdir(parents=True)
        (d / "index.txt").write_text("")
        (d / "serial").write_text("1000\n")
        run([OPENSSL, "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", d / "ca.key", "-out", d / "ca.pem", "-days", "30", "-subj", f"/CN={name}",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        (d / "ca.cnf").write_text(f"""[ca]
default_ca = ca_default
[ca_default]
dir = {d}
database = {d}/index.txt
new_certs_dir = {d}/newcerts
serial = {d}/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[policy_any]
commonName = supplied
""")
        return d

    def issue(self, ca: Path, name: str, cn: str, sans: list[str], *, start: str | None = None, end: str | None = None) -> tuple[Path, Path]:
        """A leaf certificate and key signed by `ca`; `start`/`end` as YYYYMMDDHHMMSSZ."""
        pem, key, csr, ext = (self.root / f"{name}.{s}" for s in ("pem", "key", "csr", "ext"))
        run([OPENSSL, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", csr, "-subj", f"/CN={cn}"])
        ext.write_text("[ext]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                       "extendedKeyUsage=serverAuth,clientAuth\n"
                       + (f"subjectAltName={','.join(sans)}\n" if sans else ""))
        dates = ["-startdate", start, "-enddate", end] if start else ["-days", "30"]
        run([OPENSSL, "ca", "-batch", "-config", ca / "ca.cnf", "-keyfile", ca / "ca.key", "-cert", ca / "ca.pem",
             "-in", csr, "-out", pem, "-extfile", ext, "-extensions", "ext", "-notext", *dates])
        return pem, key


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = PKI(tmp_path_factory.mktemp("pki"))
    p.ca_dir = p.ca("Vigil Test CA")
    p.other_ca_dir = p.ca("Another CA")
    p.ca_pem = p.ca_dir / "ca.pem"
    p.server = p.issue(p.ca_dir, "server", SERVER_NAME, [f"DNS:{SERVER_NAME}", "DNS:localhost", "IP:127.0.0.1"])
    p.server2 = p.issue(p.ca_dir, "server2", SERVER_NAME, [f"DNS:{SERVER_NAME}", "DNS:localhost", "IP:127.0.0.1"])
    p.client = p.issue(p.ca_dir, "client", "web1.prod.example.net", ["DNS:web1.prod.example.net"])
    p.client_cn_only = p.issue(p.ca_dir, "client-cn", "db2.prod.example.net", [])
    p.other_ca_client = p.issue(p.other_ca_dir, "other", "web1.prod.example.net", ["DNS:web1.prod.example.net"])
    p.wrong_name = p.issue(p.ca_dir, "laptop", "laptop.dev.example.net", ["DNS:laptop.dev.example.net"])
    p.expired = p.issue(p.ca_dir, "expired", "web2.prod.example.net", ["DNS:web2.prod.example.net"],
                        start="20200101000000Z", end="20200201000000Z")
    return p


# ---------------------------------------------------------------------------------------------
# Vigil with a TLS listener


class TLSVigil(VigilServer):
    def __init__(self, workdir: Path, pki: PKI, *, client_ca: bool = False, names: list[str] = (), extra: list[str] = ()):
        self.tls = free_port(socket.AF_INET, socket.SOCK_STREAM)
        workdir.mkdir(parents=True, exist_ok=True)
        self.cert, self.key = workdir / "server.pem", workdir / "server.key"
        shutil.copy(pki.server[0], self.cert)
        shutil.copy(pki.server[1], self.key)
        args = ["--tls", f"127.0.0.1:{self.tls}", "--tls-cert", self.cert, "--tls-key", self.key,
                "--database", f"sqlite:{workdir / 'vigil.db'}", *extra]
        if client_ca:
            args += ["--tls-client-ca", pki.ca_pem]
        for name in names:
            args += ["--tls-allowed-name", name]
        super().__init__(workdir, extra=args)

    def _wait_ready(self):
        super()._wait_ready()
        if not wait_until(lambda: port_bound("tcp", self.tls), 10):
            pytest.fail(f"vigil serve: TLS port {self.tls} not bound\n{self.proc.output_tail()}")

    def count(self, name: str, **labels) -> float:
        return self.metrics().get(name, **labels)


def received_tls(server: TLSVigil) -> float:
    return server.count("vigil_received_messages_total", transport="tls")


def failures(server: TLSVigil) -> dict[str, float]:
    return {dict(k)["reason"]: v for k, v in server.metrics().family("vigil_tls_handshake_failures_total").items()}


def octet(frames: list[str]) -> bytes:
    return b"".join(str(len(f.encode())).encode() + b" " + f.encode() for f in frames)


def s_client(port: int, payload: bytes, pki: PKI, *, cert: tuple[Path, Path] | None = None, source: str | None = None):
    """`openssl s_client` sending `payload`, then closing (-no_ign_eof); returns the process result."""
    argv = [OPENSSL, "s_client", "-quiet", "-no_ign_eof", "-connect", f"127.0.0.1:{port}", "-servername", SERVER_NAME,
            "-CAfile", pki.ca_pem, "-verify_return_error"]
    if cert:
        argv += ["-cert", cert[0], "-key", cert[1]]
    return run(argv, input=payload, check=False, timeout=30)


def wait_for(predicate, what: str, timeout: float = WAIT):
    assert wait_until(predicate, timeout, 0.2), f"timed out waiting for {what}"


def tls_client(port: int, pki: PKI, cert=None, source: str | None = None) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(pki.ca_pem))
    if cert:
        context.load_cert_chain(str(cert[0]), str(cert[1]))
    raw = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0) if source else None)
    return context.wrap_socket(raw, server_hostname=SERVER_NAME)


# ---------------------------------------------------------------------------------------------
# Real senders over TLS


def rsyslog_tls(workdir: Path, port: int, pki: PKI, *, driver: str, client_cert: tuple[Path, Path] | None):
    """rsyslogd in the foreground with deploy/rsyslog/60-vigil-tls.conf as shipped, but for the
    values an operator sets: target, port, driver, the certificate files (and none when no client
    certificate is used). Returns (proc, UDP input port)."""
    text = (DEPLOY / "rsyslog" / "60-vigil-tls.conf").read_text()
    for needle in ('target="vigil.example.net"', 'port="6514"', 'StreamDriver="gtls"', 'StreamDriverPermittedPeers="vigil.example.net"',
                   'StreamDriverAuthMode="x509/name"', 'StreamDriverMode="1"'):
        assert text.count(needle) == 1, needle
    text = (text.replace('target="vigil.example.net"', 'target="127.0.0.1"').replace('port="6514"', f'port="{port}"')
            .replace('StreamDriver="gtls"', f'StreamDriver="{driver}"')
            .replace("/etc/rsyslog.d/tls/vigil-ca.pem", str(pki.ca_pem)))
    if client_cert:
        text = text.replace("/etc/rsyslog.d/tls/client.pem", str(client_cert[0])).replace("/etc/rsyslog.d/tls/client.key", str(client_cert[1]))
    else:
        text = "\n".join(line for line in text.splitlines() if "StreamDriver.CertFile" not in line and "StreamDriver.KeyFile" not in line)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "work").mkdir(exist_ok=True)
    (workdir / "60-vigil-tls.conf").write_text(text)
    in_port = free_port(socket.AF_INET, socket.SOCK_DGRAM)
    conf = workdir / "rsyslog.conf"
    conf.write_text(f'global(workDirectory="{workdir / "work"}" net.enableDNS="off")\n'
                    f'module(load="imudp")\n'
                    f'input(type="imudp" address="127.0.0.1" port="{in_port}" ruleset="fwd")\n'
                    f'ruleset(name="fwd") {{\n include(file="{workdir / "60-vigil-tls.conf"}")\n}}\n')
    modules = rsyslog_modules()
    if not (modules / f"lmnsd_{driver}.so").exists():
        pytest.fail(f"no rsyslog TLS driver lmnsd_{driver}.so in {modules}: run scripts/e2e/setup.sh")
    run([RSYSLOGD, "-N1", "-M", modules, "-f", conf], timeout=30)
    proc = Proc([RSYSLOGD, "-n", "-M", modules, "-f", conf, "-i", workdir / "rsyslogd.pid"],
                log_path=workdir / "rsyslogd.log", cwd=workdir)
    if not wait_until(lambda: not proc.alive() or port_bound("udp", in_port), 15):
        proc.stop()
        pytest.fail(f"rsyslogd did not bind udp {in_port}:\n{proc.output_tail()}")
    return proc, in_port


@contextlib.contextmanager
def syslog_ng_tls(workdir: Path, port: int, pki: PKI, client_cert: tuple[Path, Path]):
    """syslog-ng in the foreground with deploy/syslog-ng/vigil-tls.conf as shipped, but for host,
    port, file paths and the disk buffer's folder. Yields its UDP input port."""
    if not SYSLOG_NG:
        pytest.fail("no syslog-ng: run scripts/e2e/setup.sh")
    snippet = (DEPLOY / "syslog-ng" / "vigil-tls.conf").read_text()
    for needle in ('network("vigil.example.net"', "port(6514)", 'transport("tls") flags(syslog-protocol)', "reliable(no)"):
        assert snippet.count(needle) == 1, needle
    workdir.mkdir(parents=True, exist_ok=True)
    in_port = free_port(socket.AF_INET, socket.SOCK_DGRAM)
    conf = workdir / "syslog-ng.conf"
    conf.write_text('@version: 3.38\n'
                    f'source s_src {{ syslog(ip("127.0.0.1") port({in_port}) transport("udp")); }};\n'
                    + snippet.replace('network("vigil.example.net"', 'network("127.0.0.1"').replace("port(6514)", f"port({port})")
                    .replace("/etc/syslog-ng/tls/vigil-ca.pem", str(pki.ca_pem))
                    .replace("/etc/syslog-ng/tls/client.pem", str(client_cert[0]))
                    .replace("/etc/syslog-ng/tls/client.key", str(client_cert[1]))
                    .replace("reliable(no)", f'reliable(no) dir("{workdir}")'))
    proc = Proc([SYSLOG_NG, "-F", "-f", conf, "-R", workdir / "persist", "-p", workdir / "pid", "-c", workdir / "ctl",
                 "--no-caps", "-e"], log_path=workdir / "syslog-ng.log", cwd=workdir)
    try:
        if not wait_until(lambda: not proc.alive() or port_bound("udp", in_port), 15):
            pytest.fail(f"syslog-ng did not start:\n{proc.output_tail()}")
        assert proc.alive(), proc.output_tail()
        yield in_port
    finally:
        proc.stop()


def send_via(in_port: int, tag: str, msgs: list[str]):
    run(logger_argv("--rfc5424", "-d", "-p", "user.warning", host="127.0.0.1", port=in_port, tag=tag), input="\n".join(msgs) + "\n")


def tls_records(server: VigilServer, mark, tag: str, n: int) -> list[dict]:
    recs = server.collect(mark, n, lambda r: r.get("app_name") == tag)
    assert len(recs) == n, f"{tag}: {len(recs)} of {n} arrived"
    assert all(r["transport"] == "tls" for r in recs), recs[:2]
    return recs


# ---------------------------------------------------------------------------------------------
# Tests


def test_openssl_and_rsyslog_deliver_every_message_over_tls(tmp_path, pki):
    """Server certificate only: s_client (octet counting and LF framing), rsyslog with the gtls and
    the ossl drivers through the shipped snippet; every message arrives once, as transport tls."""
    server = TLSVigil(tmp_path / "vigil", pki)
    try:
        before = received_tls(server)
        mark = server.mark()
        octets = [f"<11>1 2024-05-14T09:21:07Z web01 e2e-sclient-oc - - - {m}" for m in texts("s_client octet", 300)]
        lines = [f"<14>1 2024-05-14T09:21:07Z web01 e2e-sclient-lf - - - {m}" for m in texts("s_client lf", 200)]
        s_client(server.tls, octet(octets), pki)
        s_client(server.tls, "".join(f + "\n" for f in lines).encode(), pki)
        recs = tls_records(server, mark, "e2e-sclient-oc", 300)
        assert sorted(r["msg"] for r in recs) == sorted(texts("s_client octet", 300))
        assert all(r["severity"] == 3 and r["service"] == "e2e-sclient-oc" for r in recs)
        assert len(tls_records(server, mark, "e2e-sclient-lf", 200)) == 200

        for driver in ("gtls", "ossl"):
            tag, msgs = f"e2e-rsyslog-{driver}", texts(f"rsyslog {driver}", 100)
            rsyslogd, in_port = rsyslog_tls(tmp_path / f"rsyslog-{driver}", server.tls, pki, driver=driver, client_cert=None)
            try:
                send_via(in_port, tag, msgs)
                recs = tls_records(server, mark, tag, len(msgs))
            finally:
                rsyslogd.stop()
            assert sorted(r["msg"] for r in recs) == sorted(msgs)
            assert all(r["severity"] == 4 and r["format"] == "rfc5424" for r in recs)
        wait_for(lambda: received_tls(server) - before == 300 + 200 + 200, "the tls counter")
        assert server.count("vigil_parse_errors_total", transport="tls") == 0
    finally:
        assert server.stop() == 0


def test_client_certificates_accept_the_ca_and_refuse_the_rest(tmp_path, pki):
    """Mutual TLS with a name list: a client certificate from the CA with an allowed name (SAN or
    CN) is accepted — s_client, rsyslog, syslog-ng; no certificate, another CA's, a name not
    allowed, an expired one and plain TCP are refused, counted by reason, and nothing they sent
    is counted as received."""
    server = TLSVigil(tmp_path / "vigil", pki, client_ca=True, names=["*.prod.example.net"])
    try:
        mark = server.mark()
        before_ok, before_fail = received_tls(server), failures(server)
        good = [f"<14>1 - web1 e2e-mtls-good - - - {m}" for m in texts("good", 50)]
        s_client(server.tls, octet(good), pki, cert=pki.client)
        cn_only = [f"<14>1 - db2 e2e-mtls-cn - - - {m}" for m in texts("cn", 10)]
        s_client(server.tls, octet(cn_only), pki, cert=pki.client_cn_only)
        tls_records(server, mark, "e2e-mtls-good", 50)
        tls_records(server, mark, "e2e-mtls-cn", 10)

        refused = {
            "no_client_certificate": None, "unknown_ca": pki.other_ca_client,
            "name_not_allowed": pki.wrong_name, "certificate_expired": pki.expired,
        }
        for reason, cert in refused.items():
            s_client(server.tls, octet([f"<14>1 - h e2e-refused-{reason} - - - must not arrive"] * 5), pki, cert=cert)
        with socket.create_connection(("127.0.0.1", server.tls), timeout=10) as plain:
            plain.sendall(b"<14>1 - h e2e-refused-plain - - - plain syslog to the TLS port\n")
            with contextlib.suppress(OSError):
                plain.recv(100)
        expected = {**{r: 1 for r in refused}, "not_tls": 1}

        def counted():
            now = failures(server)
            return all(now.get(r, 0) - before_fail.get(r, 0) >= n for r, n in expected.items())
        wait_for(counted, f"handshake failures {expected}")
        now = failures(server)
        assert {r: now.get(r, 0) - before_fail.get(r, 0) for r in expected} == expected, now

        # rsyslog (gtls) and syslog-ng with the CA's client certificate get through too.
        tag, msgs = "e2e-mtls-rsyslog", texts("mtls rsyslog", 40)
        rsyslogd, in_port = rsyslog_tls(tmp_path / "rsyslog", server.tls, pki, driver="gtls", client_cert=pki.client)
        try:
            send_via(in_port, tag, msgs)
            tls_records(server, mark, tag, len(msgs))
        finally:
            rsyslogd.stop()
        tag, msgs = "e2e-mtls-syslog-ng", texts("mtls syslog-ng", 40)
        with syslog_ng_tls(tmp_path / "syslog-ng", server.tls, pki, pki.client) as in_port:
            send_via(in_port, tag, msgs)
            recs = tls_records(server, mark, tag, len(msgs))
        assert sorted(r["msg"] for r in recs) == sorted(msgs)

        time.sleep(1.0)
        assert received_tls(server) - before_ok == 50 + 10 + 40 + 40
        assert not [r for r in server.records(mark) if r.get("app_name", "").startswith("e2e-refused")]
        # Refusals are logged once per peer per minute: six refusals from 127.0.0.1, one line.
        log = server.proc.log_path.read_text(errors="replace")
        assert log.count("TLS client refused") == 1, log[-3000:]
    finally:
        assert server.stop() == 0


def test_garbage_handshake_and_slow_loris_beside_a_good_client(tmp_path, pki):
    """A client sending garbage and one dribbling a handshake byte by byte are refused (not_tls,
    timeout after 10 s) while a good client on another connection delivers everything."""
    server = TLSVigil(tmp_path / "vigil", pki)
    try:
        before = failures(server)
        garbage = socket.create_connection(("127.0.0.1", server.tls), timeout=10)
        garbage.sendall(os.urandom(4096))
        loris = socket.create_connection(("127.0.0.1", server.tls), timeout=10)
        stop = threading.Event()

        def dribble():
            hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64)
            for byte in hello:
                if stop.wait(0.5):
                    return
                with contextlib.suppress(OSError):
                    loris.send(bytes([byte]))
        t = threading.Thread(target=dribble, daemon=True)
        t.start()
        mark = server.mark()
        tag = "e2e-beside-loris"
        with tls_client(server.tls, pki) as good:
            for i in range(20):
                good.sendall(octet([f"<14>1 - h {tag} - - - batch {i} message {j}" for j in range(50)]))
                time.sleep(0.2)
        tls_records(server, mark, tag, 1000)
        wait_for(lambda: failures(server).get("timeout", 0) - before.get("timeout", 0) >= 1, "the slow-loris timeout", 30)
        # Random bytes fail the handshake in one of several ways (not_tls, protocol_mismatch…).
        wait_for(lambda: sum(failures(server).values()) - sum(before.values()) >= 2, "the garbage refusal")
        stop.set()
        t.join(5)
        garbage.close()
        loris.close()
        assert server.count("vigil_tls_connections") == 0 or wait_until(lambda: server.count("vigil_tls_connections") == 0, 10)
    finally:
        assert server.stop() == 0


def test_allowlist_drops_another_loopback_source_on_every_transport(tmp_path, pki):
    """syslog.allow = 127.0.0.1/32: datagrams from 127.0.0.2 are dropped (not_allowed) and
    connections from it refused (TCP, TLS, HTTP); those from 127.0.0.1 arrive."""
    server = TLSVigil(tmp_path / "vigil", pki, extra=["--allow", "127.0.0.1/32"])
    try:
        mark = server.mark()
        before = server.metrics()
        for source, tag in (("127.0.0.1", "e2e-allowed"), ("127.0.0.2", "e2e-outsider")):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((source, 0))
                for i in range(30):
                    s.sendto(f"<14>1 - h {tag} - - - udp {i}".encode(), ("127.0.0.1", server.udp4))
        with socket.create_connection(("127.0.0.1", server.tcp4), timeout=5, source_address=("127.0.0.2", 0)) as s:
            with contextlib.suppress(OSError):
                s.sendall(b"<14>1 - h e2e-outsider - - - tcp\n")
                s.recv(10)
        with pytest.raises((OSError, ssl.SSLError)):
            with tls_client(server.tls, pki, source="127.0.0.2") as s:
                s.sendall(b"<14>1 - h e2e-outsider - - - tls\n")
                s.recv(10)
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", server.http, timeout=10, source_address=("127.0.0.2", 0))
        conn.request("POST", "/logs/ingest", body=b'{"logs":[{"level":"INFO","service":"e2e-outsider","message":"x"}]}',
                     headers={"Content-Type": "application/json"})
        assert conn.getresponse().status == 403
        conn.close()
        recs = server.collect(mark, 30, lambda r: r.get("app_name") == "e2e-allowed")
        assert len(recs) == 30

        def delta(name, **labels):
            return server.metrics().get(name, **labels) - before.get(name, **labels)
        wait_for(lambda: delta("vigil_dropped_messages_total", reason="not_allowed") == 30, "30 not_allowed drops")
        wait_for(lambda: delta("vigil_refused_connections_total", transport="tls") == 1, "a refused TLS connection")
        assert delta("vigil_refused_connections_total", transport="tcp") == 1
        assert delta("vigil_refused_connections_total", transport="http") == 1
        assert delta("vigil_received_messages_total", transport="udp") == 30
        assert delta("vigil_received_messages_total", transport="tcp") == 0
        assert delta("vigil_received_messages_total", transport="tls") == 0
        assert not [r for r in server.records(mark) if r.get("app_name") == "e2e-outsider"]
    finally:
        assert server.stop() == 0


def test_sighup_reloads_the_certificate_without_dropping_a_connection(tmp_path, pki):
    """A connection opened before SIGHUP keeps sending through the reload; connections after it
    are served the new certificate; every message is counted."""
    server = TLSVigil(tmp_path / "vigil", pki)
    try:
        mark = server.mark()
        tag = "e2e-reload"
        old = tls_client(server.tls, pki)
        first_serial = old.getpeercert()["serialNumber"]
        old.sendall(octet([f"<14>1 - h {tag} - - - before {i}" for i in range(100)]))
        shutil.copy(pki.server2[0], server.cert)
        shutil.copy(pki.server2[1], server.key)
        server.proc.popen.send_signal(signal.SIGHUP)
        wait_for(lambda: server.count("vigil_tls_certificate_reloads_total", result="ok") == 1, "the reload")
        old.sendall(octet([f"<14>1 - h {tag} - - - during {i}" for i in range(100)]))
        with tls_client(server.tls, pki) as new:
            assert new.getpeercert()["serialNumber"] != first_serial
            new.sendall(octet([f"<14>1 - h {tag} - - - after {i}" for i in range(100)]))
        old.sendall(octet([f"<14>1 - h {tag} - - - still {i}" for i in range(100)]))
        old.close()
        tls_records(server, mark, tag, 400)
        # A broken file on reload keeps the working certificate.
        server.key.write_text("not a key\n")
        server.proc.popen.send_signal(signal.SIGHUP)
        wait_for(lambda: server.count("vigil_tls_certificate_reloads_total", result="failed") == 1, "the failed reload")
        with tls_client(server.tls, pki) as again:
            again.sendall(octet([f"<14>1 - h {tag} - - - after failure"]))
        tls_records(server, mark, tag, 401)
    finally:
        assert server.stop() == 0


def test_sighup_reloads_the_api_https_certificate(tmp_path, pki):
    """The API served over HTTPS (api.tls_cert) hands new connections the new certificate after
    SIGHUP, without a restart; a broken file on reload keeps the working one, and is counted."""
    workdir = tmp_path / "vigil"
    workdir.mkdir(parents=True)
    cert, key = workdir / "api.pem", workdir / "api.key"
    shutil.copy(pki.server[0], cert)
    shutil.copy(pki.server[1], key)
    server = VigilServer(workdir, extra=["--database", f"sqlite:{workdir / 'v.db'}", "--api-tls-cert", cert,
                                         "--api-tls-key", key], scheme="https", ca=pki.ca_pem)

    def served_serial() -> str:
        context = ssl.create_default_context(cafile=str(pki.ca_pem))
        with socket.create_connection(("127.0.0.1", server.http), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return tls.getpeercert()["serialNumber"]

    def reloads(result: str) -> float:
        return server.metrics().get("vigil_api_certificate_reloads_total", result=result)

    try:
        first = served_serial()
        shutil.copy(pki.server2[0], cert)
        shutil.copy(pki.server2[1], key)
        server.proc.popen.send_signal(signal.SIGHUP)
        wait_for(lambda: reloads("ok") == 1, "the API certificate's reload")
        second = served_serial()
        assert second != first
        assert http_get(server.base + "/health", 5.0, server.context)[0] == 200
        key.write_text("not a key\n")
        server.proc.popen.send_signal(signal.SIGHUP)
        wait_for(lambda: reloads("failed") == 1, "the failed reload")
        assert served_serial() == second
        assert http_get(server.base + "/health", 5.0, server.context)[0] == 200
    finally:
        assert server.stop() == 0


def test_rejected_messages_over_tls_land_in_errors_recent(tmp_path, pki):
    server = TLSVigil(tmp_path / "vigil", pki, extra=["--error-ring", "5"])
    try:
        with tls_client(server.tls, pki) as c:
            c.sendall(octet([f"<999>1 - h e2e-bad - - - bad priority {i}" for i in range(20)]))
        wait_for(lambda: server.count("vigil_parse_errors_total", transport="tls") == 20, "20 parse errors")
        status, body = http_get(server.base + "/errors/recent?limit=50")
        assert status == 200, body
        import json
        errors = json.loads(body)["errors"]
        assert len(errors) == 5  # the ring of the one TLS loop that served the connection
        assert all(e["transport"] == "tls" and e["reason"].startswith("bad PRI") and e["peer"].startswith("127.0.0.1:") for e in errors)
        assert errors[0]["raw"] == "<999>1 - h e2e-bad - - - bad priority 19"
    finally:
        assert server.stop() == 0
