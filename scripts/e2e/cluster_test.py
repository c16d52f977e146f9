"""End-to-end tests of a Vigil cluster: several `vigil serve` on one real PostgreSQL, detecting as one.

- Traffic for services spread evenly over three instances by HTTP ingest raises exactly one
  `volume_spike` (its `metrics.current.volume` the cluster-wide volume) and exactly one `error_spike`;
  `/alerts` and `/services` answer the same on every instance; the shipped HAProxy configuration
  (checked with the real `haproxy -c`) spreads syslog over TCP from `logger` across the instances.
- The leader (from `/health`) is killed with SIGKILL: an incident sent to the two survivors is
  alerted within 30 s, exactly once. Then an instance leaves (SIGTERM) and the leader drops it.
- Two instances started at the same moment on a fresh database: one leader; a third with a name
  already live is refused at start-up.
- The database "restarts" under the cluster: every connection goes through a TCP proxy of this
  file, which is cut (connections closed, new ones refused) and restored. The shared server itself
  is never restarted (other tests use it). The incident sent during the outage is alerted once when
  the database is back: nothing counted is lost.
- `sslmode=require` against the local server with TLS on: every connection of the instance is
  encrypted in `pg_stat_ssl`.

Every test uses a database of its own (CREATE DATABASE on the server of VIGIL_TEST_POSTGRES_URL,
default postgres://vigil:vigil@127.0.0.1:5432/vigil_test), free loopback ports and bounded waits;
every process is stopped by its PID.
"""
from __future__ import annotations

import contextlib
import json
import os
import selectors
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
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_test import (  # noqa: E402
    ENV, LOGGER, REPO, VIGIL_BIN, Proc, VigilServer, free_port, http_get, logger_argv, port_bound, run,
    serve_unavailable_reason, wait_until,
)

PG_URL = os.environ.get("VIGIL_TEST_POSTGRES_URL") or "postgres://vigil:vigil@127.0.0.1:5432/vigil_test"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
PSQL = shutil.which("psql")
TIMING = ["--tick", "1", "--window", "10"]


@pytest.fixture(autouse=True)
def _need_vigil_and_postgres():
    reason = serve_unavailable_reason()
    if reason:
        pytest.skip(reason)
    if not PSQL:
        pytest.fail("psql is missing (scripts/test.sh installs PostgreSQL)")
    proc = run([PSQL, PG_URL, "-XAtc", "SELECT 1"], check=False, timeout=20)
    if proc.returncode != 0:
        pytest.fail(f"PostgreSQL at {PG_URL.split('@')[-1]} does not answer: {proc.stderr.decode()[-500:]}")


# ---------------------------------------------------------------------------------------------
# PostgreSQL: a database per test, queries through psql


def psql(url: str, sql: str) -> list[list[str]]:
    proc = run([PSQL, url, "-XAt", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql], timeout=30)
    return [line.split("\t") for line in proc.stdout.decode().splitlines() if line]


def database_url(name: str, *, host: str | None = None, port: int | None = None, query: str = "") -> str:
    parts = urllib.parse.urlsplit(PG_URL)
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0] + "@" if len(netloc) == 2 else ""
    hostport = netloc[-1]
    old_host, _, old_port = hostport.rpartition(":")
    hostport = f"{host or old_host}:{port or old_port}"
    return urllib.parse.urlunsplit((parts.scheme, userinfo + hostport, "/" + name, query, ""))


@pytest.fixture
def database():
    name = "vigil_e2e_cluster_" + uuid.uuid4().hex[:16]
    psql(PG_URL, f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        psql(PG_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def assert_no_password(text: str):
    secret = urllib.parse.urlsplit(PG_URL).password
    if secret:
        assert f":{secret}@" not in text and f"password={secret}" not in text, "the database password is in the output"


def stored_alerts(url: str, category: str | None = None) -> list[dict]:
    where = f"WHERE category = '{category}'" if category else ""
    rows = psql(url, f"SELECT anomaly_id, category, affected_services, current_volume, baseline_volume, "
                     f"current_error_rate, detected_at, COALESCE(incident_id, ''), COALESCE(resolved_at, -1) "
                     f"FROM alerts {where} ORDER BY seq")
    return [{"id": r[0], "category": r[1], "services": json.loads(r[2]), "volume": float(r[3]),
             "baseline_volume": float(r[4]), "error_rate": float(r[5]), "detected_at": int(r[6]),
             "incident": r[7] or None, "resolved_at": None if r[8] == "-1" else int(r[8])} for r in rows]


def alerts_for(url: str, category: str, service: str) -> list[dict]:
    return [a for a in stored_alerts(url, category) if service in a["services"]]


# ---------------------------------------------------------------------------------------------
# Instances and traffic


def request(url: str, *, method: str = "GET", body: bytes | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@contextlib.contextmanager
def environment(**variables: str):
    """`variables` in the environment of the processes started inside (e2e_test's ENV)."""
    saved = dict(ENV)
    ENV.update(variables)
    try:
        yield
    finally:
        ENV.clear()
        ENV.update(saved)


def start_instances(workdir: Path, url: str, count: int, extra: list[str] | None = None,
                    member_timeout: int = 5) -> list[VigilServer]:
    """`count` instances on `url`, started at the same moment (threads), each waited for. A short
    `cluster.member_timeout` (5 s, five ticks) keeps the tests short."""
    servers: list[VigilServer | None] = [None] * count
    errors: list[BaseException] = []

    def start(index: int):
        try:
            servers[index] = VigilServer(workdir / f"vigil-{index + 1}", extra=["--database", url, *TIMING, *(extra or [])])
        except BaseException as e:  # noqa: BLE001 — reported below, after the others are stopped
            errors.append(e)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(count)]
    with environment(VIGIL_CLUSTER_MEMBER_TIMEOUT=str(member_timeout)):
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    if errors or any(s is None for s in servers):
        for s in servers:
            if s is not None:
                s.stop()
        raise errors[0] if errors else AssertionError("an instance did not start within 60 s")
    return [s for s in servers if s is not None]


def cluster_health(server: VigilServer) -> dict:
    status, body = http_get(server.base + "/health")
    assert status in (200, 503), body
    health = json.loads(body)
    assert "cluster" in health, f"/health has no cluster section: {health}"
    return health["cluster"]


def the_leader(servers: list[VigilServer], timeout: float = 20) -> VigilServer:
    """The one instance whose /health says leader (waits until exactly one does)."""
    found: list[VigilServer] = []

    def one():
        found[:] = [s for s in servers if s.proc.alive() and cluster_health(s)["role"] == "leader"]
        return len(found) == 1
    assert wait_until(one, timeout, 0.25), f"not exactly one leader: {[cluster_health(s) for s in servers if s.proc.alive()]}"
    return found[0]


class Load(threading.Thread):
    """HTTP ingest of steady traffic, every service's messages split evenly over the instances
    (one batch per instance every 100 ms). `set(service, per_second, error_fraction)` changes a
    service's rate; `targets` may shrink (an instance killed). Bounded: stops after `limit` s."""

    def __init__(self, targets: list[VigilServer], limit: float = 300):
        super().__init__(daemon=True)
        self.targets = list(targets)
        self.rates: dict[str, tuple[float, float]] = {}
        self.carry: dict[str, float] = {}
        self.sent: dict[str, int] = {}
        # Messages sent per (service, minute start): what the per-minute history must add up to.
        self.sent_by_minute: dict[tuple[str, int], int] = {}
        self.failures = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.limit = limit

    def set(self, service: str, per_second: float, error_fraction: float = 0.0):
        with self.lock:
            self.rates[service] = (per_second, error_fraction)

    def drop_target(self, server: VigilServer):
        with self.lock:
            self.targets = [t for t in self.targets if t is not server]

    def run(self):
        started = time.monotonic()
        next_at = started
        while not self.stopping.is_set() and time.monotonic() - started < self.limit:
            with self.lock:
                targets = list(self.targets)
                batches: list[list[dict]] = [[] for _ in targets]
                minute = int(time.time()) // 60 * 60
                for service, (rate, error_fraction) in self.rates.items():
                    due = rate / 10 + self.carry.get(service, 0.0)
                    n = int(due)
                    self.carry[service] = due - n
                    self.sent_by_minute[(service, minute)] = self.sent_by_minute.get((service, minute), 0) + n
                    for i in range(n):
                        k = self.sent.get(service, 0)
                        # Errors spread evenly at the current fraction: the k-th message is an error
                        # when k·fraction crosses a whole number.
                        error = int((k + 1) * error_fraction) > int(k * error_fraction)
                        self.sent[service] = k + 1
                        batches[i % len(targets)].append({
                            "level": "ERROR" if error else "INFO", "service": service,
                            "message": f"{'upstream call failed after' if error else 'request served in'} {k % 500} ms",
                        })
            for target, batch in zip(targets, batches):
                if not batch:
                    continue
                try:
                    status, _ = request(target.base + "/logs/ingest", method="POST",
                                        body=json.dumps({"logs": batch}).encode(), timeout=5)
                    if status != 202:
                        self.failures += 1
                except OSError:
                    self.failures += 1
            next_at += 0.1
            time.sleep(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self.stopping.set()
        self.join(10)


def stop_all(servers: list[VigilServer]):
    for server in servers:
        if server.proc.alive():
            server.stop()


def log_lines(server: VigilServer) -> list[dict]:
    lines = []
    for line in server.proc.log_path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            lines.append(json.loads(line))
    return lines


# ---------------------------------------------------------------------------------------------
# Spread traffic, HAProxy, failover, leaving


WARM_UP = 45  # seconds of steady traffic: enough completed 10-s windows for every baseline


def test_spread_spikes_haproxy_failover_and_leaving(database, tmp_path):
    url = database_url(database)
    servers = start_instances(tmp_path, url, 3)
    load = Load(servers)
    haproxy: Proc | None = None
    try:
        # Background that keeps the overall volume steady, and the services under test.
        for i in range(6):
            load.set(f"background-{i}", 30)
        load.set("checkout", 30)
        load.set("payments", 20, 0.01)
        load.set("orders", 20, 0.01)
        load.start()
        load_started = time.time()
        assert wait_until(lambda: the_leader(servers) is not None, 20)
        time.sleep(WARM_UP)
        assert stored_alerts(url) == [], "alerts during the steady warm-up"

        # --- A 4x rise in checkout's volume and a 30 % error burst in payments, spread evenly. It
        # starts just after a window boundary, so that the rise has the whole window to show.
        time.sleep(10.3 - time.time() % 10)
        spike_started = time.time()
        load.set("checkout", 120)
        load.set("payments", 20, 0.30)
        assert wait_until(lambda: alerts_for(url, "volume_spike", "checkout") and alerts_for(url, "error_spike", "payments"),
                          40, 0.5), f"alerts: {stored_alerts(url)}\n{the_leader(servers).proc.output_tail()}"
        time.sleep(8)  # would a second instance (or tick) raise the same alert again?
        load.set("checkout", 30)
        load.set("payments", 20, 0.01)
        volume = alerts_for(url, "volume_spike", "checkout")
        errors = alerts_for(url, "error_spike", "payments")
        # Exactly one of each in the whole database: neither another instance, nor another tick,
        # nor the overall scope (folded into the service's alert) raised a second one.
        assert stored_alerts(url, "volume_spike") == volume and len(volume) == 1, stored_alerts(url)
        assert stored_alerts(url, "error_spike") == errors and len(errors) == 1, stored_alerts(url)
        # The cluster's volume: the 10-s window of checkout at 120/s is up to 1200 messages, one
        # instance's share at most ~400. The baseline is the cluster's 30/s, ~300 per window (more
        # when the window learned last already held the rise's first seconds).
        assert 240 <= volume[0]["baseline_volume"] <= 600, volume
        assert volume[0]["volume"] > 3 * volume[0]["baseline_volume"] and volume[0]["volume"] > 600, volume
        assert errors[0]["error_rate"] > 0.05, errors
        assert errors[0]["detected_at"] - spike_started < 30, errors
        # The leader ran the whole alert lifecycle: each alert opened (or joined) an incident, and
        # once the burst is over its error_spike resolves (resolve_after quiet ticks), written once.
        incidents = {a["incident"] for a in volume + errors}
        assert None not in incidents, volume + errors
        stored_incidents = {r[0] for r in psql(url, "SELECT incident_id FROM incidents")}
        assert incidents <= stored_incidents, (incidents, stored_incidents)
        assert wait_until(lambda: alerts_for(url, "error_spike", "payments")[0]["resolved_at"] is not None, 40, 0.5), \
            f"the error_spike did not resolve after the burst: {stored_alerts(url)}"
        assert len(alerts_for(url, "error_spike", "payments")) == 1

        # /alerts and /services answer the same on every instance.
        answers = [json.loads(request(s.base + "/alerts/recent?limit=10")[1])["alerts"] for s in servers]
        assert all(a == answers[0] for a in answers), answers
        alert = next(a for a in answers[0] if a["anomaly_id"] == volume[0]["id"])
        assert alert["metrics"]["current"]["volume"] == volume[0]["volume"], alert
        services = [json.loads(request(s.base + "/services")[1]) for s in servers]
        names = [sorted((x["service"], x["baseline"]["volume"] if x["baseline"] else None) for x in s["services"]) for s in services]
        assert all(n == names[0] for n in names), names
        assert "checkout" in [n for n, _ in names[0]]

        # The per-minute history is the cluster's: every member adds its own counts, so the first
        # whole minute of checkout holds what was sent to all three, and every instance says so.
        minute = (int(load_started) // 60 + 1) * 60
        history: list[float] = []

        def history_complete():
            history[:] = []
            for s in servers:
                points = json.loads(request(s.base + f"/services/checkout/history?since={minute}&until={minute + 60}&step=60")[1])["points"]
                history.extend(p["volume"] for p in points if not p["partial"])
            sent = load.sent_by_minute.get(("checkout", minute), 0)
            return len(history) == 3 and len(set(history)) == 1 and abs(history[0] - sent) <= 0.03 * sent + 10
        assert wait_until(history_complete, 90, 1), (history, load.sent_by_minute.get(("checkout", minute)))

        # --- The shipped HAProxy configuration, checked and run in front of the three.
        env = {**ENV, "SYSLOG_BIND": f"127.0.0.1:{free_port(socket.AF_INET, socket.SOCK_STREAM)}",
               "API_BIND": f"127.0.0.1:{free_port(socket.AF_INET, socket.SOCK_STREAM)}",
               "STATS_BIND": f"127.0.0.1:{free_port(socket.AF_INET, socket.SOCK_STREAM)}"}
        for i, s in enumerate(servers, 1):
            env[f"VIGIL_{i}_SYSLOG"] = f"127.0.0.1:{s.tcp4}"
            env[f"VIGIL_{i}_API"] = f"127.0.0.1:{s.http}"
        config = REPO / "deploy" / "cluster" / "haproxy.cfg"
        check = subprocess.run([HAPROXY, "-c", "-f", str(config)], env=env, capture_output=True, timeout=30)
        assert check.returncode == 0 and b"Configuration file is valid" in check.stdout + check.stderr, check
        haproxy = haproxy_process(config, env, tmp_path)
        syslog_port = int(env["SYSLOG_BIND"].rsplit(":", 1)[1])
        before = [s.metrics().get("vigil_received_messages_total", transport="tcp") for s in servers]
        for n in range(6):  # six connections: leastconn spreads them
            run(logger_argv("--rfc5424", "--tcp", "--octet-count", host="127.0.0.1", port=syslog_port, tag="via-haproxy"),
                input="".join(f"through haproxy {n}.{k}\n" for k in range(10)))
        def delivered():
            return [s.metrics().get("vigil_received_messages_total", transport="tcp") - b for s, b in zip(servers, before)]
        assert wait_until(lambda: sum(delivered()) == 60, 20), delivered()
        assert sum(1 for d in delivered() if d > 0) >= 2, f"HAProxy sent everything to one instance: {delivered()}"
        api = f"http://{env['API_BIND']}"
        assert request(api + "/alerts/recent?limit=10")[0] == 200

        # --- Failover: SIGKILL the leader; an incident on the survivors is alerted within 30 s, once.
        leader = the_leader(servers)
        killed = cluster_health(leader)["instance"]
        leader.proc.popen.send_signal(signal.SIGKILL)
        leader.proc.popen.wait(10)
        load.drop_target(leader)
        survivors = [s for s in servers if s is not leader]
        incident = time.time()
        load.set("orders", 20, 0.30)
        assert wait_until(lambda: alerts_for(url, "error_spike", "orders"), 30, 0.25), \
            f"no error_spike for orders within 30 s of the failover: {stored_alerts(url)}\n" \
            f"{[cluster_health(s) for s in survivors]}\n{survivors[0].proc.output_tail()}"
        took = time.time() - incident
        time.sleep(8)
        load.set("orders", 20, 0.01)
        orders = alerts_for(url, "error_spike", "orders")
        assert len(orders) == 1, orders
        assert took <= 30, took
        new_leader = the_leader(survivors)
        # The killed instance stopped flushing: dropped from the sum after cluster.member_timeout.
        assert wait_until(lambda: killed in {m["instance"] for m in cluster_health(new_leader)["dropped"]}
                          and len(cluster_health(new_leader)["members"]) == 2, 15), cluster_health(new_leader)
        assert any(line.get("message", "").startswith("cluster: member dropped from the sum")
                   and line.get("metadata", {}).get("member") == killed for line in log_lines(new_leader)), \
            new_leader.proc.output_tail()

        # --- An instance leaves (SIGTERM): exit 0, and the leader drops it from the sum at once.
        leaving = next(s for s in survivors if s is not new_leader)
        name = cluster_health(leaving)["instance"]
        load.drop_target(leaving)
        assert leaving.stop() == 0, leaving.proc.output_tail()
        assert wait_until(lambda: name in {m["instance"] for m in cluster_health(new_leader)["dropped"]}, 10), \
            cluster_health(new_leader)
        assert [m["instance"] for m in cluster_health(new_leader)["members"]] == [cluster_health(new_leader)["instance"]]
        assert any(line.get("message") == "cluster: member left" and line.get("metadata", {}).get("member") == name
                   for line in log_lines(new_leader)), new_leader.proc.output_tail()
        m = new_leader.metrics()
        assert m.get("vigil_cluster_leader") == 1 and m.get("vigil_cluster_members") == 1
        assert m.get("vigil_cluster_flush_seconds_count") > 0
    finally:
        load.stop()
        if haproxy:
            haproxy.stop()
        stop_all(servers)


def haproxy_process(config: Path, env: dict, tmp_path: Path) -> Proc:
    with environment(**env):
        proc = Proc([HAPROXY, "-db", "-f", config], log_path=tmp_path / "haproxy.log", cwd=tmp_path)
    port = int(env["SYSLOG_BIND"].rsplit(":", 1)[1])
    if not wait_until(lambda: not proc.alive() or port_bound("tcp", port), 10):
        proc.stop()
        pytest.fail(f"haproxy did not listen on {port}:\n{proc.output_tail()}")
    assert proc.alive(), proc.output_tail()
    time.sleep(2.5)  # the first health checks (inter 1s, rise 2)
    return proc


# ---------------------------------------------------------------------------------------------
# Starting together, names


def test_two_instances_starting_at_the_same_moment_and_a_taken_name(database, tmp_path):
    url = database_url(database)
    servers = start_instances(tmp_path, url, 2)
    try:
        leader = the_leader(servers)
        follower = next(s for s in servers if s is not leader)
        for _ in range(3):  # and it stays so, tick after tick
            time.sleep(1)
            assert [cluster_health(s)["role"] for s in (leader, follower)] == ["leader", "follower"]
        assert wait_until(lambda: len(cluster_health(leader)["members"]) == 2, 10), cluster_health(leader)
        assert psql(url, "SELECT count(*) FROM schema_migrations WHERE version = 7") == [["1"]]
        # A third instance taking a live instance's name is refused at start-up.
        taken = cluster_health(follower)["instance"]
        argv = [VIGIL_BIN, "serve", "--database", url, *TIMING, "--no-udp", "--no-tcp",
                "--http", f"127.0.0.1:{free_port(socket.AF_INET, socket.SOCK_STREAM)}"]
        proc = subprocess.run([str(a) for a in argv], env={**ENV, "VIGIL_CLUSTER_INSTANCE_NAME": taken},
                              capture_output=True, timeout=60)
        output = (proc.stdout + proc.stderr).decode(errors="replace")
        assert proc.returncode != 0, output
        assert f"already named '{taken}'" in output, output
        assert_no_password(output)
    finally:
        stop_all(servers)


# ---------------------------------------------------------------------------------------------
# The database going away under the cluster


class CuttableProxy(threading.Thread):
    """A TCP proxy to PostgreSQL that can be cut: `cut()` closes every connection and the listening
    socket (new connections are refused, as by a server that is down), `restore()` listens again
    on the same port."""

    def __init__(self, target: tuple[str, int]):
        super().__init__(daemon=True)
        self.target = target
        self.port = free_port(socket.AF_INET, socket.SOCK_STREAM)
        self.selector = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.pairs: dict[socket.socket, socket.socket] = {}
        self.listener: socket.socket | None = None
        self.stopping = threading.Event()
        self.restore()

    def restore(self):
        with self.lock:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            listener.setblocking(False)
            self.listener = listener
            self.selector.register(listener, selectors.EVENT_READ)

    def cut(self):
        with self.lock:
            if self.listener:
                self.selector.unregister(self.listener)
                self.listener.close()
                self.listener = None
            for a in list(self.pairs):
                with contextlib.suppress(Exception):
                    self.selector.unregister(a)
                a.close()
            self.pairs.clear()

    def run(self):
        while not self.stopping.is_set():
            for key, _ in self.selector.select(0.1):
                with self.lock:
                    sock = key.fileobj
                    if sock is self.listener:
                        with contextlib.suppress(OSError):
                            client, _ = sock.accept()
                            upstream = socket.create_connection(self.target, timeout=5)
                            for s in (client, upstream):
                                s.setblocking(True)
                                s.settimeout(5)
                                self.selector.register(s, selectors.EVENT_READ)
                            self.pairs[client], self.pairs[upstream] = upstream, client
                        continue
                    peer = self.pairs.get(sock)
                    if peer is None:
                        continue
                    data = b""
                    with contextlib.suppress(OSError):
                        data = sock.recv(65536)
                    if data:
                        with contextlib.suppress(OSError):
                            peer.sendall(data)
                            continue
                    for s in (sock, peer):
                        with contextlib.suppress(Exception):
                            self.selector.unregister(s)
                        s.close()
                        self.pairs.pop(s, None)

    def stop(self):
        self.stopping.set()
        self.join(5)
        self.cut()


def test_database_outage_under_the_cluster_loses_nothing(database, tmp_path):
    parts = urllib.parse.urlsplit(PG_URL)
    proxy = CuttableProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    proxy.start()
    url = database_url(database, host="127.0.0.1", port=proxy.port, query="sslmode=disable")
    direct = database_url(database)
    servers = start_instances(tmp_path, url, 3)
    load = Load(servers)
    try:
        for i in range(6):
            load.set(f"background-{i}", 30)
        load.set("billing", 20, 0.01)
        load.start()
        the_leader(servers)
        time.sleep(WARM_UP)
        assert stored_alerts(direct) == []

        # The database goes away; an error burst arrives while it is away (6 s, inside the 10-s window).
        proxy.cut()
        load.set("billing", 20, 0.40)
        time.sleep(6)
        for s in servers:
            assert s.proc.alive(), s.proc.output_tail()
            assert s.metrics().get("vigil_cluster_pending_ticks") >= 3, "counts were not kept during the outage"
        proxy.restore()
        restored = time.time()
        # Counted during the outage, flushed when it returned, judged by the (re-)elected leader.
        assert wait_until(lambda: alerts_for(direct, "error_spike", "billing"), 30, 0.5), \
            f"{stored_alerts(direct)}\n{[cluster_health(s) for s in servers]}\n{servers[0].proc.output_tail()}"
        took = time.time() - restored
        time.sleep(8)
        load.set("billing", 20, 0.01)
        billing = alerts_for(direct, "error_spike", "billing")
        assert len(billing) == 1, billing
        assert took < 30, took
        assert all(s.metrics().get("vigil_cluster_pending_ticks") == 0 for s in servers)
        assert sum(s.metrics().get("vigil_cluster_ticks_lost_total") for s in servers) == 0
        the_leader(servers)
    finally:
        load.stop()
        stop_all(servers)
        proxy.stop()


# ---------------------------------------------------------------------------------------------
# TLS to PostgreSQL


def test_sslmode_require_encrypts_every_connection(database, tmp_path):
    if psql(PG_URL, "SHOW ssl") != [["on"]]:
        pytest.fail("PostgreSQL has ssl = off: scripts/test.sh turns it on (make-ssl-cert, ALTER SYSTEM SET ssl = on)")
    url = database_url(database, query="sslmode=require")
    [server] = start_instances(tmp_path, url, 1)
    try:
        time.sleep(3)  # a few ticks: the store's pool, the cluster's pool and its lock session are open
        rows = psql(PG_URL, f"SELECT a.application_name, s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid "
                            f"WHERE a.datname = '{database}' AND a.application_name LIKE 'vigil%'")
        names = {name for name, _ in rows}
        assert any(n.startswith("vigil cluster ") for n in names) and "vigil" in names, rows
        assert rows and all(ssl == "t" for _, ssl in rows), rows
        assert request(server.base + "/alerts/recent?limit=1")[0] == 200
        assert_no_password(server.proc.output_tail(1_000_000))
    finally:
        stop_all([server])
