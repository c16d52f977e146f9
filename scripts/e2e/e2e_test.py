"""End-to-end tests of `vigil serve` with real syslog clients: logger, rsyslog (omfwd) and loggen.

Run with `bash scripts/e2e/run.sh` (installs the clients first), or directly:
    python3 -m pytest -q -p no:cacheprovider scripts/e2e/e2e_test.py
Environment: VIGIL_BIN (default: .build/debug/vigil under the repository), VIGIL_E2E_CACHE (where
scripts/e2e/setup.sh unpacked rsyslog, default /var/cache/vigil-e2e), RSYSLOGD, RSYSLOG_MODULES,
VIGIL_E2E_EXTRA_ARGS (more arguments for `vigil serve`, e.g. a --database).

Every client scenario runs against two sinks:
- `capture`: a Python UDP/TCP listener of this file that records the exact bytes each client
  sends, read back through `vigil parse` (the parser `vigil serve` uses). It needs no receiver, so
  it checks, before Vigil's receiver exists, that each client runs here and sends what the
  scenario expects — the expectations are the same ones the `vigil` sink is held to.
- `vigil`: `vigil serve` on free loopback ports with a --tap file; the scenario's messages are
  read back from the tap lines and counted from /metrics deltas. Skipped, with the reason, while
  the binary has no `serve` subcommand.
The tests that pin down the receiver's own behaviour (garbage, 10 MB frames, partial frames,
per-frame framing detection, connection gauge, SIGTERM) run against Vigil only.

Every subprocess is bounded by a timeout and stopped by its PID, also when a test fails.
Only loopback addresses are used.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[2]
VIGIL_BIN = Path(os.environ.get("VIGIL_BIN") or REPO / ".build" / "debug" / "vigil")
CACHE = Path(os.environ.get("VIGIL_E2E_CACHE") or "/var/cache/vigil-e2e")
RSYSLOGD = Path(os.environ.get("RSYSLOGD") or CACHE / "rsyslog" / "usr" / "sbin" / "rsyslogd")
LOGGER = shutil.which("logger")
LOGGEN = shutil.which("loggen")
HOSTNAME = socket.gethostname()          # logger --rfc5424 sends gethostname() whole,
SHORT_HOSTNAME = HOSTNAME.split(".")[0]  # logger --rfc3164 up to the first dot.
ENV = {**os.environ, "TZ": "UTC"}        # every process reads local times in UTC

MSG_KEYS = {"format", "pri", "facility", "severity", "version", "timestamp", "hostname",
            "app_name", "procid", "msgid", "structured_data", "msg", "service"}
TAP_KEYS = MSG_KEYS | {"transport", "peer", "received_at"}
TAP_ERROR_KEYS = {"error", "offset", "transport", "peer", "received_at", "raw"}
PEER4 = re.compile(r"^127\.0\.0\.1:\d{1,5}$")
PEER6 = re.compile(r"^\[::1\]:\d{1,5}$")

WAIT = 20.0         # longest wait for messages or counters to arrive
SETTLE = 1.2        # after the expected count is reached: the tap may lag up to ~1 s
CMD_TIMEOUT = 60.0  # any one client command
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


def _have_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


HAVE_IPV6 = _have_ipv6()


# ---------------------------------------------------------------------------------------------
# Processes and small helpers


def run(argv, *, input: bytes | str | None = None, timeout: float = CMD_TIMEOUT, check=True):
    """Runs a command to completion within `timeout`; returns the CompletedProcess (text)."""
    if isinstance(input, str):
        input = input.encode()
    try:
        proc = subprocess.run([str(a) for a in argv], input=input, capture_output=True,
                              timeout=timeout, env=ENV, cwd="/")
    except subprocess.TimeoutExpired as e:  # subprocess.run has killed it
        pytest.fail(f"timed out after {timeout}s: {shlex.join(map(str, argv))}\n{e.stderr!r}")
    if check and proc.returncode != 0:
        pytest.fail(f"exit {proc.returncode}: {shlex.join(map(str, argv))}\n"
                    f"stdout: {proc.stdout.decode(errors='replace')[-2000:]}\n"
                    f"stderr: {proc.stderr.decode(errors='replace')[-2000:]}")
    return proc


class Proc:
    """A long-running process this file started; stopped by its PID, SIGTERM then SIGKILL."""

    def __init__(self, argv, *, log_path: Path, cwd: Path, env: dict | None = None):
        self.argv = [str(a) for a in argv]
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                      stderr=subprocess.STDOUT, cwd=cwd, env={**ENV, **(env or {})})
        self.pid = self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait up to `timeout`, then SIGKILL; returns the exit status (None if killed)."""
        killed = False
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
                killed = True
        self.log.close()
        return None if killed else self.popen.returncode

    def output_tail(self, n: int = 4000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_bytes()[-n:].decode(errors="replace")
        return ""


def free_port(family: int, kind: int) -> int:
    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    with socket.socket(family, kind) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_bound(proto: str, port: int) -> bool:
    """Whether something is bound to `port` (listening, for TCP), from /proc/net."""
    for path in (f"/proc/net/{proto}", f"/proc/net/{proto}6"):
        with contextlib.suppress(OSError), open(path) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if int(cols[1].rsplit(":", 1)[1], 16) == port and (proto == "udp" or cols[3] == "0A"):
                    return True
    return False


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def fmt_peer(addr) -> str:
    host, port = addr[0], addr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


_RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$")


def parse_rfc3339(text: str) -> dt.datetime:
    m = _RFC3339.match(text or "")
    assert m, f"not RFC 3339: {text!r}"
    y, mo, d, h, mi, s, frac, off = m.groups()
    micro = int((frac or "0").ljust(6, "0")[:6])
    tz = dt.timezone.utc
    if off != "Z":
        sign = 1 if off[0] == "+" else -1
        tz = dt.timezone(sign * dt.timedelta(hours=int(off[1:3]), minutes=int(off[4:6])))
    return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=tz)


def assert_recent(text: str, what: str, slack: float = 300.0):
    t = parse_rfc3339(text)
    age = abs((dt.datetime.now(dt.timezone.utc) - t).total_seconds())
    assert age < slack, f"{what} {text!r} is {age:.0f}s away from now"


def utc_now_rfc3339() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def texts(tag: str, n: int) -> list[str]:
    """N distinct message texts, unique to this run."""
    return [f"{tag} message {i:04d} of run {os.getpid()}" for i in range(n)]


# ---------------------------------------------------------------------------------------------
# Prometheus text


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


class Metrics:
    def __init__(self, text: str):
        self.text = text
        self.samples: dict[tuple[str, frozenset], float] = {}
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            m = _SAMPLE.match(line)
            if not m:
                continue
            labels = frozenset(_LABEL.findall(m.group(2) or ""))
            with contextlib.suppress(ValueError):
                self.samples[(m.group(1), labels)] = float(m.group(3))

    def has(self, name: str, **labels) -> bool:
        return (name, frozenset(labels.items())) in self.samples

    def get(self, name: str, **labels) -> float:
        """The sample with exactly these labels; 0 when absent (a counter not incremented yet)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def family_sum(self, name: str) -> float:
        return sum(v for (n, _), v in self.samples.items() if n == name)

    def family(self, name: str) -> dict[frozenset, float]:
        return {labels: v for (n, labels), v in self.samples.items() if n == name}


def http_get(url: str, timeout: float = 5.0, context=None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# ---------------------------------------------------------------------------------------------
# Sinks: where the clients send, and how the received messages are read back


@dataclass
class Mark:
    """The state of a sink before a scenario; results are read as what came after it."""
    index: tuple
    metrics: Metrics | None = None
    started: float = field(default_factory=time.time)


class CaptureSink:
    """Python UDP and TCP listeners on IPv4 and IPv6 loopback that keep every byte received.

    Received bytes are turned into tap-like records with `vigil parse`: a datagram is one message
    (wrapped in octet counting, so a newline inside stays inside), a TCP stream goes through
    `--framing auto` (RFC 6587, detected per frame, as a receiver does).
    """
    name = "capture"

    def __init__(self):
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.datagrams: list[tuple[str, str, float, bytes]] = []   # transport, peer, time, bytes
        self.connections: list[dict] = []                          # peer, time, data, closed
        self.sockets: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.udp4 = self._udp(socket.AF_INET, "127.0.0.1")
        self.tcp4 = self._tcp(socket.AF_INET, "127.0.0.1")
        self.udp6 = self._udp(socket.AF_INET6, "::1") if HAVE_IPV6 else None
        self.tcp6 = self._tcp(socket.AF_INET6, "::1") if HAVE_IPV6 else None

    def _spawn(self, target, *args):
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self.threads.append(t)

    def _udp(self, family, host) -> int:
        s = socket.socket(family, socket.SOCK_DGRAM)
        for opt in (SO_RCVBUFFORCE, socket.SO_RCVBUF):  # FORCE needs root; rmem_max caps the other
            with contextlib.suppress(OSError):
                s.setsockopt(socket.SOL_SOCKET, opt, 16 << 20)
                break
        s.bind((host, 0))
        s.settimeout(0.2)
        self.sockets.append(s)
        self._spawn(self._udp_loop, s)
        return s.getsockname()[1]

    def _udp_loop(self, s):
        while not self.stopping.is_set():
            try:
                data, addr = s.recvfrom(70000)
            except (socket.timeout, OSError):
                continue
            with self.lock:
                self.datagrams.append(("udp", fmt_peer(addr), time.time(), data))

    def _tcp(self, family, host) -> int:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, 0))
        s.listen(64)
        s.settimeout(0.2)
        self.sockets.append(s)
        self._spawn(self._accept_loop, s)
        return s.getsockname()[1]

    def _accept_loop(self, s):
        while not self.stopping.is_set():
            try:
                conn, addr = s.accept()
            except (socket.timeout, OSError):
                continue
            entry = {"peer": fmt_peer(addr), "time": time.time(), "data": bytearray(), "closed": False}
            with self.lock:
                self.connections.append(entry)
            self._spawn(self._read_loop, conn, entry)

    def _read_loop(self, conn, entry):
        conn.settimeout(0.2)
        with conn:
            while not self.stopping.is_set():
                try:
                    data = conn.recv(1 << 16)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not data:
                    break
                with self.lock:
                    entry["data"] += data
        entry["closed"] = True

    def close(self):
        self.stopping.set()
        for t in self.threads:
            t.join(2)
        for s in self.sockets:
            s.close()

    # -- the sink interface

    def mark(self) -> Mark:
        with self.lock:
            return Mark((len(self.datagrams), len(self.connections)))

    def records(self, mark: Mark) -> list[dict]:
        with self.lock:
            grams = list(self.datagrams[mark.index[0]:])
            conns = [(c["peer"], c["time"], bytes(c["data"])) for c in self.connections[mark.index[1]:]]
        out = []
        grams = [g for g in grams if g[3]]
        if grams:
            stream = b"".join(str(len(d)).encode() + b" " + d for _, _, _, d in grams)
            parsed = vigil_parse(stream, "octet")
            assert len(parsed) == len(grams), f"vigil parse gave {len(parsed)} lines for {len(grams)} datagrams"
            for (transport, peer, t, data), rec in zip(grams, parsed):
                out.append(self._record(rec, transport, peer, t, data))
        for peer, t, data in conns:
            if data:
                out += [self._record(rec, "tcp", peer, t, None) for rec in vigil_parse(data, "auto")]
        return out

    @staticmethod
    def _record(rec, transport, peer, t, raw):
        rec = dict(rec, transport=transport, peer=peer,
                   received_at=dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        if "error" in rec:
            rec["raw"] = raw.decode("latin-1") if raw is not None else None
        return rec

    def collect(self, mark: Mark, count: int, match: Callable[[dict], bool], timeout=WAIT) -> list[dict]:
        wait_until(lambda: len([r for r in self.records(mark) if match(r)]) >= count, timeout, 0.3)
        time.sleep(0.5)
        return [r for r in self.records(mark) if match(r)]

    def check_counters(self, mark: Mark, received: dict[str, int], parse_errors: dict[str, int] | None = None,
                       dropped: int | None = None):
        """The capture's own counts: message records and error records per transport."""
        recs = self.records(mark)
        for transport, n in received.items():
            got = len([r for r in recs if r["transport"] == transport and "error" not in r])
            assert got == n, f"capture: {got} {transport} messages, expected {n}"
        for transport, n in (parse_errors or {}).items():
            got = len([r for r in recs if r["transport"] == transport and "error" in r])
            assert got == n, f"capture: {got} {transport} parse errors, expected {n}"


def vigil_parse(data: bytes, framing: str) -> list[dict]:
    proc = run([VIGIL_BIN, "parse", "--framing", framing], input=data)
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines() if line.strip()]


class TapReader:
    """Reads the --tap file as it grows: complete lines only, each one JSON."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.lines: list[dict] = []

    def poll(self) -> list[dict]:
        with contextlib.suppress(FileNotFoundError), open(self.path, "rb") as f:
            f.seek(self.offset)
            chunk = f.read()
            self.offset += len(chunk)
            data = self.partial + chunk
            *complete, self.partial = data.split(b"\n")
            for line in complete:
                if not line.strip():
                    continue
                try:
                    self.lines.append(json.loads(line))
                except ValueError as e:
                    pytest.fail(f"tap line is not JSON ({e}): {line[:500]!r}")
        return self.lines


class VigilServer:
    """`vigil serve` on free loopback ports (UDP and TCP on 127.0.0.1 and [::1]) with a tap file."""
    name = "vigil"

    def __init__(self, workdir: Path, extra: list[str] | None = None, env_extra: dict | None = None,
                 scheme: str = "http", ca: Path | None = None):
        """`env_extra`: more environment for `vigil serve`; `scheme="https"` with `ca` (the CA of
        its api.tls_cert) for an API served over TLS."""
        self.workdir = workdir
        self.context = None
        if scheme == "https":
            import ssl
            self.context = ssl.create_default_context(cafile=str(ca))
        workdir.mkdir(parents=True, exist_ok=True)
        self.udp4, self.tcp4 = free_port(socket.AF_INET, socket.SOCK_DGRAM), free_port(socket.AF_INET, socket.SOCK_STREAM)
        self.udp6 = self.tcp6 = None
        listen = ["--udp", f"127.0.0.1:{self.udp4}", "--tcp", f"127.0.0.1:{self.tcp4}"]
        if HAVE_IPV6:
            self.udp6, self.tcp6 = free_port(socket.AF_INET6, socket.SOCK_DGRAM), free_port(socket.AF_INET6, socket.SOCK_STREAM)
            listen += ["--udp", f"[::1]:{self.udp6}", "--tcp", f"[::1]:{self.tcp6}"]
        self.http = free_port(socket.AF_INET, socket.SOCK_STREAM)
        self.tap_path = workdir / "tap.jsonl"
        self.base = f"{scheme}://127.0.0.1:{self.http}"
        argv = [VIGIL_BIN, "serve", *listen,
                "--http", f"127.0.0.1:{self.http}", "--tap", self.tap_path, *(extra or []),
                *shlex.split(os.environ.get("VIGIL_E2E_EXTRA_ARGS", ""))]
        self.proc = Proc(argv, log_path=workdir / "vigil.log", cwd=workdir, env=env_extra)
        self.tap = TapReader(self.tap_path)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self):
        def healthy():
            if not self.proc.alive():
                pytest.fail(f"vigil serve exited with {self.proc.popen.returncode} at start-up:\n"
                            f"{shlex.join(self.proc.argv)}\n{self.proc.output_tail()}")
            with contextlib.suppress(OSError):
                return http_get(self.base + "/health", 1.0, self.context)[0] == 200
            return False
        if not wait_until(healthy, 30, 0.1):
            pytest.fail(f"vigil serve: /health not 200 within 30 s\n{self.proc.output_tail()}")
        ports = [(p, n) for p, n in [("udp", self.udp4), ("udp", self.udp6), ("tcp", self.tcp4), ("tcp", self.tcp6)] if n]
        if not wait_until(lambda: all(port_bound(p, n) for p, n in ports), 10):
            pytest.fail(f"vigil serve: not bound to all of {ports}\n{self.proc.output_tail()}")

    def stop(self) -> int | None:
        return self.proc.stop()

    def assert_alive(self):
        assert self.proc.alive(), f"vigil serve died (exit {self.proc.popen.returncode}):\n{self.proc.output_tail()}"

    def metrics(self) -> Metrics:
        self.assert_alive()
        status, body = http_get(self.base + "/metrics", context=self.context)
        assert status == 200, f"GET /metrics: {status} {body[:300]!r}"
        return Metrics(body.decode())

    def health(self) -> tuple[int, bytes]:
        self.assert_alive()
        return http_get(self.base + "/health")

    # -- the sink interface

    def mark(self) -> Mark:
        return Mark((len(self.tap.poll()),), self.metrics())

    def records(self, mark: Mark) -> list[dict]:
        return self.tap.poll()[mark.index[0]:]

    def collect(self, mark: Mark, count: int, match: Callable[[dict], bool], timeout=WAIT) -> list[dict]:
        def enough():
            self.assert_alive()
            return len([r for r in self.records(mark) if match(r)]) >= count
        wait_until(enough, timeout, 0.1)
        time.sleep(SETTLE)
        return [r for r in self.records(mark) if match(r)]

    def deltas(self, mark: Mark) -> dict:
        now, before = self.metrics(), mark.metrics
        d = {"dropped": now.family_sum("vigil_dropped_messages_total") - before.family_sum("vigil_dropped_messages_total")}
        for t in ("udp", "tcp"):
            d["received", t] = now.get("vigil_received_messages_total", transport=t) - before.get("vigil_received_messages_total", transport=t)
            d["parse_errors", t] = now.get("vigil_parse_errors_total", transport=t) - before.get("vigil_parse_errors_total", transport=t)
        return d

    def check_counters(self, mark: Mark, received: dict[str, int], parse_errors: dict[str, int] | None = None,
                       dropped: int | None = None):
        """Exact /metrics deltas since `mark` (waits for them, then asserts)."""
        want = {("received", t): n for t, n in received.items()}
        want.update({("parse_errors", t): n for t, n in (parse_errors or {}).items()})
        if dropped is not None:
            want["dropped"] = dropped
        wait_until(lambda: all(self.deltas(mark)[k] == v for k, v in want.items()), WAIT, 0.2)
        got = self.deltas(mark)
        assert {k: got[k] for k in want} == want, f"/metrics deltas {got}, expected {want}"


# ---------------------------------------------------------------------------------------------
# Fixtures


def serve_unavailable_reason() -> str | None:
    if not VIGIL_BIN.is_file():
        return f"{VIGIL_BIN} does not exist: build Vigil first (swift build) or set VIGIL_BIN"
    proc = run([VIGIL_BIN, "serve", "--help"], timeout=30, check=False)
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    if not re.search(r"USAGE:\s*vigil serve", out):
        return f"{VIGIL_BIN} has no `serve` subcommand yet (`vigil serve --help` shows no serve usage)"
    missing = [o for o in ("--udp", "--tcp", "--http", "--tap") if o not in out]
    if missing:
        return f"`vigil serve` lacks {', '.join(missing)} (see `vigil serve --help`)"
    return None


@contextlib.contextmanager
def live_detection(tmp_path: Path):
    """`vigil serve` with one detection window of 4 s and ticks of 1 s (alerts within seconds), a
    SQLite database and a UDP socket to send with; yields (server, database, sender) and stops the
    server afterwards, asserting exit status 0. Skips when there is no usable `vigil serve`."""
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)
    database = tmp_path / "live.db"
    server = VigilServer(tmp_path / "vigil-live", extra=["--tick", "1", "--window", "4", "--database", f"sqlite:{database}"])
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        yield server, database, sender
    finally:
        sender.close()
        status = server.stop()
    assert status == 0


@pytest.fixture(scope="module")
def clients():
    missing = [name for name, path in (("logger", LOGGER), ("loggen", LOGGEN)) if not path]
    if not RSYSLOGD.is_file():
        missing.append(f"rsyslogd at {RSYSLOGD}")
    if missing:
        pytest.fail(f"missing clients: {', '.join(missing)}; run scripts/e2e/setup.sh")


@pytest.fixture(scope="module")
def vigil(tmp_path_factory):
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = VigilServer(tmp_path_factory.mktemp("vigil"))
    try:
        yield server
    finally:
        status = server.stop()
        if status != 0:
            print(f"vigil serve exited with {status} on SIGTERM:\n{server.proc.output_tail()}")


@pytest.fixture(scope="module")
def capture():
    if not VIGIL_BIN.is_file():
        pytest.skip(f"{VIGIL_BIN} does not exist: the capture sink reads client bytes through `vigil parse`")
    sink = CaptureSink()
    try:
        yield sink
    finally:
        sink.close()


@pytest.fixture(scope="module", params=["capture", "vigil"])
def sink(request, clients):
    """The receiver a client scenario sends to: the raw capture, then `vigil serve`."""
    return request.getfixturevalue(request.param)


# ---------------------------------------------------------------------------------------------
# Checking received records


def assert_messages(records: list[dict], *, msgs: list[str], transport: str, peer: re.Pattern,
                    one_peer: bool = True, **fields):
    """Exactly the messages `msgs` (any order, each once), each record with the tap's keys and the
    given fields; a field's expected value may be a predicate."""
    got = sorted(r.get("msg") for r in records)
    errors = [r for r in records if "error" in r]
    assert not errors, f"{len(errors)} parse errors, e.g. {errors[:3]}"
    assert len(records) == len(msgs), (f"received {len(records)} messages, expected {len(msgs)}; "
                                       f"missing {sorted(set(msgs) - set(got))[:5]}, extra {sorted(set(got) - set(msgs))[:5]}")
    assert got == sorted(msgs), f"messages differ: missing {sorted(set(msgs) - set(got))[:5]}, extra {sorted(set(got) - set(msgs))[:5]}"
    for r in records:
        assert set(r) == TAP_KEYS, f"keys {sorted(r)} != {sorted(TAP_KEYS)}"
        assert r["transport"] == transport, r
        assert peer.match(r["peer"] or ""), f"peer {r['peer']!r} does not match {peer.pattern}"
        assert_recent(r["received_at"], "received_at", 120)
        assert r["received_at"].endswith("Z") or r["received_at"].endswith("+00:00"), f"received_at not UTC: {r['received_at']}"
        for key, want in fields.items():
            if callable(want):
                assert want(r[key]), f"{key}={r[key]!r} fails its check in {r}"
            else:
                assert r[key] == want, f"{key}={r[key]!r}, expected {want!r} in {r}"
    if one_peer:
        assert len({r["peer"] for r in records}) == 1, f"expected one peer, got {sorted({r['peer'] for r in records})}"


def time_quality(sd) -> bool:
    """logger --rfc5424 adds [timeQuality tzKnown="1" isSynced="0|1"] (over UDP and TCP alike)."""
    return isinstance(sd, dict) and set(sd) == {"timeQuality"} and sd["timeQuality"].get("tzKnown") == "1"


def recent(ts) -> bool:
    assert_recent(ts, "timestamp")
    return True


def logger_argv(*opts, host: str, port: int, tag: str) -> list:
    return [LOGGER, *opts, "-n", host, "-P", str(port), "-t", tag]


# ---------------------------------------------------------------------------------------------
# 1-3, 6: logger


N = 50


def test_logger_rfc5424_udp(sink):
    tag, msgs = "e2e-logger-udp", texts("udp5424", N)
    mark = sink.mark()
    run(logger_argv("--rfc5424", "-d", "-p", "user.err", host="127.0.0.1", port=sink.udp4, tag=tag),
        input="\n".join(msgs) + "\n")
    recs = sink.collect(mark, N, lambda r: r.get("app_name") == tag)
    assert_messages(recs, msgs=msgs, transport="udp", peer=PEER4, format="rfc5424", pri=11, facility=1,
                    severity=3, version=1, hostname=HOSTNAME, app_name=tag, service=tag, procid=None,
                    msgid=None, structured_data=time_quality, timestamp=recent)
    sink.check_counters(mark, received={"udp": N, "tcp": 0}, parse_errors={"udp": 0, "tcp": 0}, dropped=0)


def test_logger_rfc5424_tcp_octet_counting(sink):
    tag, msgs = "e2e-logger-tcp", texts("tcp5424", N)
    mark = sink.mark()
    run(logger_argv("--rfc5424", "--tcp", "--octet-count", "-p", "local0.warning", "--id=4242",
                    "--msgid", "E2E7", host="127.0.0.1", port=sink.tcp4, tag=tag),
        input="\n".join(msgs) + "\n")
    recs = sink.collect(mark, N, lambda r: r.get("app_name") == tag)
    assert_messages(recs, msgs=msgs, transport="tcp", peer=PEER4, format="rfc5424", pri=132, facility=16,
                    severity=4, version=1, hostname=HOSTNAME, app_name=tag, service=tag, procid="4242",
                    msgid="E2E7", structured_data=time_quality, timestamp=recent)
    sink.check_counters(mark, received={"udp": 0, "tcp": N}, parse_errors={"udp": 0, "tcp": 0}, dropped=0)


def test_logger_rfc3164_udp(sink):
    """logger --rfc3164 with the default priority (user.notice): `<13>Mmm dd hh:mm:ss HOST TAG: MSG`."""
    tag, msgs = "e2e-bsd", texts("udp3164", N)
    mark = sink.mark()
    run(logger_argv("--rfc3164", "-d", host="127.0.0.1", port=sink.udp4, tag=tag),
        input="\n".join(msgs) + "\n")
    recs = sink.collect(mark, N, lambda r: r.get("app_name") == tag)
    assert_messages(recs, msgs=msgs, transport="udp", peer=PEER4, format="rfc3164", pri=13, facility=1,
                    severity=5, version=None, hostname=SHORT_HOSTNAME, app_name=tag, service=tag,
                    procid=None, msgid=None, structured_data=None, timestamp=recent)
    sink.check_counters(mark, received={"udp": N, "tcp": 0}, parse_errors={"udp": 0, "tcp": 0}, dropped=0)


@pytest.mark.skipif(not HAVE_IPV6, reason="no IPv6 loopback (::1) on this machine")
def test_logger_ipv6_udp_and_tcp(sink):
    tag_u, tag_t = "e2e-v6-udp", "e2e-v6-tcp"
    msgs_u, msgs_t = texts("v6udp", N), texts("v6tcp", N)
    mark = sink.mark()
    run(logger_argv("--rfc5424", "-d", "-p", "user.info", host="::1", port=sink.udp6, tag=tag_u),
        input="\n".join(msgs_u) + "\n")
    run(logger_argv("--rfc5424", "--tcp", "--octet-count", "-p", "user.info", host="::1", port=sink.tcp6, tag=tag_t),
        input="\n".join(msgs_t) + "\n")
    recs = sink.collect(mark, 2 * N, lambda r: r.get("app_name") in (tag_u, tag_t))
    common = dict(format="rfc5424", pri=14, severity=6, hostname=HOSTNAME, structured_data=time_quality)
    assert_messages([r for r in recs if r["app_name"] == tag_u], msgs=msgs_u, transport="udp", peer=PEER6,
                    service=tag_u, **common)
    assert_messages([r for r in recs if r["app_name"] == tag_t], msgs=msgs_t, transport="tcp", peer=PEER6,
                    service=tag_t, **common)
    sink.check_counters(mark, received={"udp": N, "tcp": N}, parse_errors={"udp": 0, "tcp": 0}, dropped=0)


# ---------------------------------------------------------------------------------------------
# 4: rsyslog omfwd


RSYSLOG_CONF = """\
global(workDirectory="{work}" maxMessageSize="64k" net.enableDNS="off")
module(load="imudp")
# Only what the test sends goes to the receiver: the input has its own ruleset, and rsyslog's own
# messages stay in the default ruleset, which has no action.
input(type="imudp" address="127.0.0.1" port="{in_port}" ruleset="toReceiver")
ruleset(name="toReceiver") {{
  action(type="omfwd" name="fwd_tcp" target="127.0.0.1" port="{tcp_port}" protocol="tcp"
         TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"
         queue.type="LinkedList" action.resumeRetryCount="-1" action.resumeInterval="1")
  action(type="omfwd" name="fwd_udp" target="127.0.0.1" port="{udp_port}" protocol="udp"
         template="RSYSLOG_SyslogProtocol23Format" queue.type="LinkedList")
}}
"""


def rsyslog_modules() -> Path:
    if os.environ.get("RSYSLOG_MODULES"):
        return Path(os.environ["RSYSLOG_MODULES"])
    found = glob.glob(str(RSYSLOGD.parents[2] / "usr" / "lib" / "*" / "rsyslog" / "imudp.so"))
    assert found, f"no rsyslog modules (imudp.so) under {RSYSLOGD.parents[2]}"
    return Path(found[0]).parent


@contextlib.contextmanager
def rsyslog_relay(workdir: Path, tcp_port: int, udp_port: int):
    """rsyslogd in the foreground with a private config: imudp on a free loopback port, omfwd to
    the receiver over TCP (octet-counted) and UDP, RFC 5424 template. Yields the input port."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "work").mkdir(exist_ok=True)
    in_port = free_port(socket.AF_INET, socket.SOCK_DGRAM)
    conf = workdir / "rsyslog.conf"
    conf.write_text(RSYSLOG_CONF.format(work=workdir / "work", in_port=in_port, tcp_port=tcp_port, udp_port=udp_port))
    modules = rsyslog_modules()
    run([RSYSLOGD, "-N1", "-M", modules, "-f", conf], timeout=30)  # config check
    proc = Proc([RSYSLOGD, "-n", "-M", modules, "-f", conf, "-i", workdir / "rsyslogd.pid"],
                log_path=workdir / "rsyslogd.log", cwd=workdir)
    try:
        if not wait_until(lambda: not proc.alive() or port_bound("udp", in_port), 15):
            pytest.fail(f"rsyslogd did not bind udp {in_port}:\n{proc.output_tail()}")
        assert proc.alive(), f"rsyslogd exited {proc.popen.returncode}:\n{proc.output_tail()}"
        yield in_port
    finally:
        proc.stop()


def test_rsyslog_omfwd_tcp_octet_counted_and_udp(sink, tmp_path):
    """logger → rsyslog imudp → omfwd (RSYSLOG_SyslogProtocol23Format) → receiver, over TCP and UDP.
    Every message arrives once per transport with its original app name and text."""
    tag5, tag3 = "e2e-rs5424", "e2e-rs3164"
    msgs5, msgs3 = texts("rs5424", N), texts("rs3164", N)
    mark = sink.mark()
    with rsyslog_relay(tmp_path / f"rsyslog-{sink.name}", sink.tcp4, sink.udp4) as in_port:
        run(logger_argv("--rfc5424", "-d", "-p", "user.err", host="127.0.0.1", port=in_port, tag=tag5),
            input="\n".join(msgs5) + "\n")
        run(logger_argv("--rfc3164", "-d", "-p", "local3.info", host="127.0.0.1", port=in_port, tag=tag3),
            input="\n".join(msgs3) + "\n")
        recs = sink.collect(mark, 4 * N, lambda r: r.get("app_name") in (tag5, tag3))
    for transport in ("tcp", "udp"):
        mine = [r for r in recs if r["transport"] == transport]
        # RFC 5424 in: forwarded as it came, structured data included.
        assert_messages([r for r in mine if r["app_name"] == tag5], msgs=msgs5, transport=transport, peer=PEER4,
                        format="rfc5424", pri=11, severity=3, hostname=HOSTNAME, service=tag5,
                        structured_data=time_quality, timestamp=recent)
        # RFC 3164 in: rsyslog's MSG keeps the space after "TAG:", and the template puts it after
        # the SD's "-" — RFC 5424 allows one SP before MSG, so MSG starts with a space.
        assert_messages([r for r in mine if r["app_name"] == tag3], msgs=[" " + m for m in msgs3],
                        transport=transport, peer=PEER4, format="rfc5424", pri=158, facility=19, severity=6,
                        hostname=SHORT_HOSTNAME, service=tag3, procid=None, msgid=None,
                        structured_data=None, timestamp=recent)
    sink.check_counters(mark, received={"udp": 2 * N, "tcp": 2 * N}, parse_errors={"udp": 0, "tcp": 0}, dropped=0)


# ---------------------------------------------------------------------------------------------
# 5: loggen (syslog-ng)


_LOGGEN_TOTAL = re.compile(r"average rate = [\d.]+ msg/sec, count=(\d+)")
_LOGGEN_MSG = re.compile(r"^seq: (\d{10}), thread: (\d{4}), runid: (\d+), stamp: \S+ (PADD)*")


def run_loggen(*opts, port: int) -> int:
    """Runs loggen and returns the count it reports sent."""
    proc = run([LOGGEN, *opts, "127.0.0.1", port], timeout=CMD_TIMEOUT)
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    totals = _LOGGEN_TOTAL.findall(out)
    assert totals, f"no 'average rate … count=N' line from loggen:\n{out}"
    assert "error" not in out.lower(), f"loggen reported an error:\n{out}"
    return int(totals[-1])


def assert_loggen_records(recs: list[dict], count: int, *, transport: str, fmt: str):
    assert len(recs) == count, f"received {len(recs)} loggen messages, loggen sent {count}"
    seqs, runids = [], set()
    for r in recs:
        assert set(r) == TAP_KEYS, f"keys {sorted(r)}"
        m = _LOGGEN_MSG.match(r["msg"] or "")
        assert m, f"not a loggen message: {r['msg']!r}"
        seqs.append(int(m.group(1)))
        runids.add(m.group(3))
        assert (r["format"], r["transport"], r["pri"], r["facility"], r["severity"]) == (fmt, transport, 38, 4, 6), r
        assert (r["hostname"], r["app_name"], r["procid"], r["service"]) == ("localhost", "prg00000", "1234", "prg00000"), r
        assert PEER4.match(r["peer"]), r["peer"]
        assert_recent(r["timestamp"], "timestamp")
    assert sorted(seqs) == list(range(count)), "loggen sequence numbers are not exactly 0..count-1"
    assert len(runids) == 1, f"several loggen runs mixed: {runids}"


@pytest.mark.parametrize("proto", ["rfc5424", "rfc3164"])
def test_loggen_tcp(sink, proto):
    """loggen --stream: with -P, RFC 5424 octet-counted (each frame ends in LF, MSG has a BOM);
    without, `<38>ISO-TIME localhost prg00000[1234]: …` LF-framed."""
    opts = ["--stream", "--rate", "1000", "--interval", "2"] + (["--syslog-proto"] if proto == "rfc5424" else [])
    mark = sink.mark()
    count = run_loggen(*opts, port=sink.tcp4)
    assert count > 100, f"loggen sent only {count}"
    recs = sink.collect(mark, count, lambda r: r.get("app_name") == "prg00000")
    assert_loggen_records(recs, count, transport="tcp", fmt=proto)
    assert len({r["peer"] for r in recs}) == 1
    sink.check_counters(mark, received={"udp": 0, "tcp": count}, parse_errors={"udp": 0, "tcp": 0}, dropped=0)


@pytest.mark.parametrize("proto", ["rfc5424", "rfc3164"])
def test_loggen_udp(sink, proto):
    """loggen --dgram at a paced rate: zero loss. With -P, --no-framing too: loggen would otherwise
    put the octet count inside the datagram."""
    opts = ["--dgram", "--rate", "200", "--interval", "2"] + (["--syslog-proto", "--no-framing"] if proto == "rfc5424" else [])
    mark = sink.mark()
    count = run_loggen(*opts, port=sink.udp4)
    assert count > 50, f"loggen sent only {count}"
    recs = sink.collect(mark, count, lambda r: r.get("app_name") == "prg00000")
    assert_loggen_records(recs, count, transport="udp", fmt=proto)
    sink.check_counters(mark, received={"udp": count, "tcp": 0}, parse_errors={"udp": 0, "tcp": 0}, dropped=0)


# ---------------------------------------------------------------------------------------------
# The receiver's own behaviour (Vigil only)


def tcp_connect(port: int, host: str = "127.0.0.1") -> socket.socket:
    s = socket.create_connection((host, port), timeout=10)
    s.settimeout(30)
    return s


def local_peer(s: socket.socket) -> str:
    return fmt_peer(s.getsockname())


def test_health_and_metrics_contract(vigil):
    status, body = vigil.health()
    assert status == 200, f"GET /health: {status}"
    json.loads(body)  # a JSON body
    m = vigil.metrics()
    for name, labels in [("vigil_received_messages_total", {"transport": "udp"}),
                         ("vigil_received_messages_total", {"transport": "tcp"}),
                         ("vigil_parse_errors_total", {"transport": "udp"}),
                         ("vigil_parse_errors_total", {"transport": "tcp"}),
                         ("vigil_tcp_connections", {})]:
        assert m.has(name, **labels), f"/metrics lacks {name}{labels}:\n{m.text[:3000]}"


def test_tcp_connections_gauge(vigil):
    # Every earlier client has disconnected (a stale count would also fail here).
    base = 0
    assert wait_until(lambda: vigil.metrics().get("vigil_tcp_connections") == base, 10), \
        f"vigil_tcp_connections {vigil.metrics().get('vigil_tcp_connections')} with no client connected"
    socks = [tcp_connect(vigil.tcp4) for _ in range(3)]
    try:
        assert wait_until(lambda: vigil.metrics().get("vigil_tcp_connections") == base + 3, 10), \
            f"vigil_tcp_connections {vigil.metrics().get('vigil_tcp_connections')}, expected {base + 3}"
    finally:
        for s in socks:
            s.close()
    assert wait_until(lambda: vigil.metrics().get("vigil_tcp_connections") == base, 10), \
        f"vigil_tcp_connections {vigil.metrics().get('vigil_tcp_connections')} after close, expected {base}"


def rfc5424(app: str, text: str, pri: int = 14) -> bytes:
    return f"<{pri}>1 2024-01-15T10:30:00.123Z e2ehost {app} 77 ID1 - {text}".encode()


def test_tcp_framing_detected_per_frame(vigil):
    """One connection mixing octet counting, LF, CRLF and octet counting again, written in
    awkward pieces (one frame byte by byte)."""
    app = "e2e-mixed"
    frames = [rfc5424(app, f"mixed {i}") for i in range(4)]
    stream = (str(len(frames[0])).encode() + b" " + frames[0] + frames[1] + b"\n" + frames[2] + b"\r\n"
              + str(len(frames[3])).encode() + b" " + frames[3])
    mark = vigil.mark()
    with tcp_connect(vigil.tcp4) as s:
        peer = local_peer(s)
        cut = len(frames[0]) + 10
        s.sendall(stream[:cut])
        time.sleep(0.2)
        for i in range(cut, cut + 40):
            s.sendall(stream[i:i + 1])
        time.sleep(0.2)
        s.sendall(stream[cut + 40:])
    recs = vigil.collect(mark, 4, lambda r: r.get("app_name") == app)
    assert_messages(recs, msgs=[f"mixed {i}" for i in range(4)], transport="tcp",
                    peer=re.compile("^" + re.escape(peer) + "$"), format="rfc5424", pri=14, severity=6,
                    hostname="e2ehost", procid="77", msgid="ID1", structured_data=None,
                    timestamp="2024-01-15T10:30:00.123000Z")
    vigil.check_counters(mark, received={"tcp": 4}, parse_errors={"tcp": 0})


def test_tcp_partial_frame_at_disconnect_is_delivered(vigil):
    """LF framing; the last frame has no LF and the client closes in the middle of it (after
    sending it in two pieces): the partial message is still delivered."""
    app = "e2e-partial"
    mark = vigil.mark()
    with tcp_connect(vigil.tcp4) as s:
        peer = local_peer(s)
        s.sendall(rfc5424(app, "complete before the cut") + b"\n" + rfc5424(app, "cut off mid")[:-4])
        time.sleep(0.3)
        s.sendall(b" mid")
        time.sleep(0.2)
        s.shutdown(socket.SHUT_WR)
    recs = vigil.collect(mark, 2, lambda r: r.get("app_name") == app)
    assert_messages(recs, msgs=["complete before the cut", "cut off mid"], transport="tcp",
                    peer=re.compile("^" + re.escape(peer) + "$"), format="rfc5424", hostname="e2ehost")
    vigil.check_counters(mark, received={"tcp": 2}, parse_errors={"tcp": 0})


# Frames that are parse errors (checked against `vigil parse`: each gives an {"error":…} line).
GARBAGE = [b"<999>bad pri", b"<>empty pri", b"<abc>not a number", b"<13>1 not-a-timestamp host app - - - x",
           b"<13>1 2024-13-45T99:99:99Z h a - - - bad date", b"<\xff\xfe\x00\x01binary",
           b"<13>1 2024-01-01T00:00:00Z host app - - [unterminated sd", b"<13>1 2024-01-01T00:00:00Z host app - - x no sd",
           b"<13>0 2024-01-01T00:00:00Z h a - - - version 0",
           b'<13>1 2024-01-01T00:00:00Z h a - - [a x="1"][a y="2"] duplicate sd']


def assert_error_lines(lines: list[dict], sent: list[bytes], transport: str):
    assert len(lines) == len(sent), f"{len(lines)} tap error lines, expected {len(sent)}"
    for r in lines:
        assert set(r) == TAP_ERROR_KEYS, f"error line keys {sorted(r)} != {sorted(TAP_ERROR_KEYS)}"
        assert isinstance(r["error"], str) and r["error"], r
        assert isinstance(r["offset"], int) and r["offset"] >= 0, r
        assert r["transport"] == transport, r
        assert_recent(r["received_at"], "received_at", 120)
    # The raw frame, as text: ASCII frames exactly (a trailing LF/CR aside), the binary one as
    # ISO 8859-1 characters (how `vigil parse` prints bytes that are not UTF-8) or with U+FFFD.
    raws = sorted(r["raw"].rstrip("\r\n") for r in lines)
    for frame in sent:
        if frame.isascii():
            assert frame.decode() in raws, f"no error line with raw {frame!r}"
    assert any("binary" in r for r in raws)


def test_udp_garbage_datagrams_are_counted_parse_errors(vigil):
    mark = vigil.mark()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        peer = local_peer(s)
        for g in GARBAGE:
            s.sendto(g, ("127.0.0.1", vigil.udp4))
    lines = vigil.collect(mark, len(GARBAGE), lambda r: r.get("peer") == peer)
    assert all("error" in r for r in lines), [r for r in lines if "error" not in r][:3]
    assert_error_lines(lines, GARBAGE, "udp")
    vigil.check_counters(mark, received={}, parse_errors={"udp": len(GARBAGE)})
    assert vigil.health()[0] == 200


def test_garbage_and_10mb_frames_do_not_stop_a_good_client(vigil):
    """While logger sends N messages over TCP: one client sends garbage frames, one a 10 MB
    octet-counted frame, one a 10 MB LF-terminated line. All N arrive, the server stays up, the
    garbage frames are parse errors (one tap error line each), and the two huge frames are counted
    as parse errors or drops — never delivered as messages."""
    n, rounds = 300, 20
    tag, msgs = "e2e-good", texts("good", n)
    big = 10 * 1024 * 1024
    big_octet_body = rfc5424("e2e-big", "") + b"A" * (big - len(rfc5424("e2e-big", "")))
    big_octet = str(len(big_octet_body)).encode() + b" " + big_octet_body
    big_line = rfc5424("e2e-bigline", "") + b"B" * big + b"\n"
    garbage = b"".join(g + b"\n" for g in GARBAGE) * rounds

    mark = vigil.mark()
    peers: dict[str, str] = {}
    problems: list[str] = []

    def send(name, payload, chunk=1 << 16, pause=0.0):
        try:
            with tcp_connect(vigil.tcp4) as s:
                peers[name] = local_peer(s)
                for i in range(0, len(payload), chunk):
                    s.sendall(payload[i:i + chunk])
                    if pause:
                        time.sleep(pause)
                s.shutdown(socket.SHUT_WR)
                s.settimeout(10)
                with contextlib.suppress(OSError):
                    while s.recv(4096):
                        pass
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close a connection that sends an oversize frame
        except OSError as e:
            problems.append(f"{name}: {e!r}")

    threads = [threading.Thread(target=send, args=a, daemon=True)
               for a in (("garbage", garbage, 500, 0.01), ("big-octet", big_octet), ("big-line", big_line))]
    for t in threads:
        t.start()
    run(logger_argv("--rfc5424", "--tcp", "--octet-count", "-p", "user.info", host="127.0.0.1",
                    port=vigil.tcp4, tag=tag), input="\n".join(msgs) + "\n")
    for t in threads:
        t.join(60)
    assert not [t for t in threads if t.is_alive()], "a bad client was still sending after 60 s"
    assert not problems, problems

    recs = vigil.collect(mark, n, lambda r: r.get("app_name") == tag)
    assert_messages(recs, msgs=msgs, transport="tcp", peer=PEER4, format="rfc5424", severity=6,
                    hostname=HOSTNAME, service=tag)
    status, _ = vigil.health()
    assert status == 200, f"GET /health after the bad clients: {status}"

    expected_errors = len(GARBAGE) * rounds
    lines = vigil.records(mark)
    assert_error_lines([r for r in lines if r.get("peer") == peers["garbage"]], GARBAGE * rounds, "tcp")
    for name in ("big-octet", "big-line"):
        delivered = [r for r in lines if r.get("peer") == peers.get(name) and "error" not in r]
        assert not delivered, f"{name}: the 10 MB frame was delivered as a message: {str(delivered)[:300]}"

    def bad_counted():
        d = vigil.deltas(mark)
        return (d["received", "tcp"] >= n and d["parse_errors", "tcp"] >= expected_errors
                and (d["parse_errors", "tcp"] - expected_errors) + d["dropped"] >= 2)
    wait_until(bad_counted, WAIT, 0.2)
    d = vigil.deltas(mark)
    assert d["received", "tcp"] >= n, d
    assert d["parse_errors", "tcp"] >= expected_errors, f"parse errors {d}, expected at least {expected_errors}"
    assert (d["parse_errors", "tcp"] - expected_errors) + d["dropped"] >= 2, \
        f"the two 10 MB frames are not counted (as parse errors or drops): {d}"


def test_sigterm_flushes_the_tap_and_exits_zero(clients, tmp_path):
    """A server of its own: N messages counted in /metrics, SIGTERM at once, exit status 0, and
    all N lines are in the tap after exit."""
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = VigilServer(tmp_path / "vigil-sigterm")
    try:
        tag, msgs = "e2e-sigterm", texts("sigterm", 200)
        mark = server.mark()
        run(logger_argv("--rfc5424", "--tcp", "--octet-count", host="127.0.0.1", port=server.tcp4, tag=tag),
            input="\n".join(msgs) + "\n")
        server.check_counters(mark, received={"tcp": len(msgs)})
    finally:
        status = server.stop()
    assert status == 0, f"vigil serve exited with {status} on SIGTERM:\n{server.proc.output_tail()}"
    recs = [r for r in server.tap.poll() if r.get("app_name") == tag]
    assert_messages(recs, msgs=msgs, transport="tcp", peer=PEER4, format="rfc5424", service=tag)


def test_live_detection_stores_an_error_spike_in_the_database(tmp_path):
    """Detection while serving (short window and tick so the test is quick): steady traffic from
    three services teaches the baselines, then one service fails half its requests; an
    error_spike naming it is stored in the SQLite database given with --database."""
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)
    import sqlite3
    database = tmp_path / "live.db"
    server = VigilServer(tmp_path / "vigil-live", extra=["--tick", "1", "--window", "4", "--database", f"sqlite:{database}"])
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        start, i = time.time(), 0
        stored = 0
        while time.time() - start < 30 and stored == 0:
            failing = time.time() - start > 12
            for service in ("api", "db", "web"):
                for _ in range(10):
                    error = (failing and service == "api" and i % 2 == 0) or i % 100 == 0
                    sender.sendto(f"<{11 if error else 14}>1 - h {service} - - - request {i}".encode(), ("127.0.0.1", server.udp4))
                    i += 1
            time.sleep(0.1)
            stored = int(server.metrics().get("vigil_alerts_stored_total"))
        assert stored >= 1, f"no alert stored after {i} messages:\n{server.proc.output_tail()}"
    finally:
        sender.close()
        status = server.stop()
    assert status == 0
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT category, affected_services, analysis_source FROM alerts").fetchall()
        baselines = db.execute("SELECT COUNT(*) FROM baselines").fetchone()[0]
    assert any(category == "error_spike" and "api" in json.loads(services) for category, services, _ in rows), rows
    # Without an API key every stored alert gets the offline analysis (none is left pending).
    assert all(source == "offline" for _, _, source in rows), rows
    assert baselines >= 1

