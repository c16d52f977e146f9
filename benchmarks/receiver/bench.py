#!/usr/bin/env python3
"""Runs the receiver benchmark; run.sh prepares everything and calls this.

For each receiver (Vigil, rsyslog, syslog-ng, the C floors) and each test, the receiver is
started fresh on loopback, driven by the C senders, and watched from outside:
  - CPU: utime+stime of the receiver process from /proc/PID/stat, from just before the sender
    starts until the receiver has gone idle (the floors report their own getrusage);
  - end of work: the receiver's CPU is sampled every 20 ms; it is done when the sender has
    finished and no 20 ms sample showed >= 2 ms of CPU for 300 ms;
  - how many arrived: the receiver's own counters (Vigil /metrics, rsyslog impstats,
    syslog-ng-ctl stats, the floors' output).
TCP msgs/s = messages / (first byte sent -> receiver done, and every connection closed by it).
UDP: paced rates in turn; loss = sent - arrived (minus drops a receiver counts itself).
Every started process is written to PIDS ("pid comm" lines) so that run.sh can stop it too.
"""
import argparse
import glob
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
HERE = os.path.dirname(os.path.abspath(__file__))


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Skip(Exception):
    """A test could not be measured."""


class StartFailed(Skip):
    """The receiver cannot be measured at all (missing, does not start): its other tests are skipped."""


# ---------------------------------------------------------------- processes and /proc


def cpu_seconds(pid):
    """utime+stime of the whole process (all threads, also exited ones)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except OSError:
        return None


def cpu_ns_fast(pid):
    """Sum of the live threads' run time in ns (schedstat): precise, used to see activity."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except OSError:
                pass
    except OSError:
        return None
    return total


def bound(port, proto):
    """True when something listens on 127.0.0.1:port (tcp) or is bound to it (udp)."""
    want = f"0100007F:{port:04X}"
    with open(f"/proc/net/{proto}") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want and (proto == "udp" or cols[3] == "0A"):
                return True
    return False


def port_free(port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def udp_rcvbuf_errors():
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def granted_rcvbuf(port):
    """rb of the UDP socket(s) bound to the port, as `ss -m` shows (bytes, kernel-doubled)."""
    out = subprocess.run(["ss", "-uamnH", f"sport = :{port}"], capture_output=True, text=True, timeout=10).stdout
    sizes = re.findall(r"rb(\d+)", out)
    return "+".join(f"{int(s) >> 20}M" for s in sizes) or "?"


def busy_cpu_seconds():
    """user+nice+system time of all CPUs so far (/proc/stat), to see other work on the machine."""
    with open("/proc/stat") as f:
        v = f.readline().split()[1:4]
    return sum(int(x) for x in v) / CLK_TCK


def wait_until(cond, timeout, step=0.05):
    """Polls cond until it holds (True) or `timeout` s have passed (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return False


class Proc:
    """A started process, registered in the PIDS file, stopped by its PID only."""

    def __init__(self, args, logpath, pids, env=None, cwd=None):
        self.logpath = logpath
        self.log = open(logpath, "w")
        self.p = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  env=env, cwd=cwd)
        with open(pids, "a") as f:
            f.write(f"{self.p.pid} {os.path.basename(args[0])[:15]}\n")
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=10)
        self.log.close()

    def tail(self, n=15):
        try:
            with open(self.logpath) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


# ---------------------------------------------------------------- receivers


class Receiver:
    """A daemon listening on UDP and TCP PORT; one fresh instance per test."""

    name = "?"

    def __init__(self, opt):
        self.opt = opt
        self.proc = None
        self.proc_tail = ""

    def workdir(self):
        d = os.path.join(self.opt.tmp, self.name)
        os.makedirs(d, exist_ok=True)
        return d

    def start(self, transport, expected):
        for port in (self.opt.port, self.opt.http_port):
            if not wait_until(lambda: port_free(port), 10):
                raise StartFailed(f"port {port} is taken by another program (set PORT / HTTP_PORT)")
        self.transport = transport
        self.proc = self.launch()
        if not wait_until(lambda: (not self.proc.alive()) or self.ready(), 30) or not self.proc.alive():
            self.stop()
            raise StartFailed(f"{self.name} did not start listening within 30 s; its output ends with:\n"
                              f"{self.proc_tail}")
        self.rcvbuf = granted_rcvbuf(self.opt.port)

    def ready(self):
        tls = getattr(self, "transport", "") != "tls" or bound(self.opt.port + 1, "tcp")
        return bound(self.opt.port, "udp") and bound(self.opt.port, "tcp") and tls

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def activity_ns(self):
        return cpu_ns_fast(self.proc.pid)

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc_tail = self.proc.tail()
            self.proc = None

    def settle_counts(self, transport, expected, timeout=5.0):
        """Reads counts until they equal expected or stop changing (two reads 0.3 s apart)."""
        end, last = time.monotonic() + timeout, None
        while True:
            c = self.counts(transport)
            if c["received"] >= expected or c == last or time.monotonic() > end:
                return c
            last = c
            time.sleep(0.3)


class Rsyslog(Receiver):
    name = "rsyslog"
    driver = "gtls"  # the TLS stream driver (GnuTLS); RsyslogOssl uses OpenSSL

    def launch(self):
        d, root = self.workdir(), self.opt.rsyslog_root
        self.stats = os.path.join(d, "impstats.json")
        if os.path.exists(self.stats):
            os.unlink(self.stats)
        conf = os.path.join(d, "rsyslog.conf")
        with open(os.path.join(HERE, "rsyslog.conf.in")) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace("@WORKDIR@", d).replace("@PORT@", str(self.opt.port)))
            if self.transport == "tls":
                # RFC 5425 on PORT+1 with this receiver's stream driver, no client authentication.
                f.write(f'global(DefaultNetstreamDriverCertFile="{self.opt.tls_cert}" '
                        f'DefaultNetstreamDriverKeyFile="{self.opt.tls_key}" DefaultNetstreamDriverCAFile="{self.opt.tls_cert}")\n'
                        f'input(type="imtcp" address="127.0.0.1" port="{self.opt.port + 1}" ruleset="discard" '
                        f'streamDriver.name="{self.driver}" streamDriver.mode="1" streamDriver.authMode="anon")\n')
        modules = glob.glob(f"{root}/usr/lib/*/rsyslog")[0]  # usr/lib/<multiarch>/rsyslog
        return Proc([f"{root}/usr/sbin/rsyslogd", "-n", "-M", modules,
                     "-f", conf, "-i", os.path.join(d, "rsyslogd.pid")],
                    os.path.join(d, "rsyslogd.out"), self.opt.pids, cwd=d)

    def ready(self):
        return super().ready() and os.path.exists(self.stats)

    def emissions(self):
        """impstats lines, newest last, grouped: list of {name: values} per emission."""
        out, cur = [], {}
        with open(self.stats) as f:
            for line in f:
                try:
                    obj = json.loads(line.split(": ", 1)[1])
                except (IndexError, ValueError):
                    continue
                cur[obj["name"]] = obj
                if obj["name"] == "main Q":  # one of the last objects of each emission
                    out.append(cur)
                    cur = {}
        return out

    def settle_counts(self, transport, expected, timeout=5.0):
        # impstats writes every second: wait for two emissions that began after the idle point,
        # or for the expected count.
        n0 = len(self.emissions())
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            em = self.emissions()
            if len(em) >= n0 + 2 or (em and self.from_emission(em[-1], transport)["received"] >= expected):
                break
            time.sleep(0.1)
        return self.from_emission(self.emissions()[-1], transport)

    def from_emission(self, e, transport):
        module = "tcp" if transport == "tls" else transport  # TLS is imtcp with a stream driver
        received = sum(v.get("submitted", 0) for k, v in e.items() if k.startswith(f"im{module}("))
        q = e.get("main Q", {})
        return {"received": received, "dropped": q.get("discarded.full", 0) + q.get("discarded.nf", 0),
                "parse_errors": 0}


class RsyslogOssl(Rsyslog):
    """rsyslog with its OpenSSL stream driver (TLS test only; TCP and UDP are rsyslog's)."""
    name = "rsyslog-ossl"
    driver = "ossl"


class SyslogNg(Receiver):
    name = "syslog-ng"

    def launch(self):
        d = self.workdir()
        self.ctl = os.path.join(d, "syslog-ng.ctl")
        conf = os.path.join(d, "syslog-ng.conf")
        with open(os.path.join(HERE, "syslog-ng.conf.in")) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace("@PORT@", str(self.opt.port)))
        env = dict(os.environ, LD_PRELOAD=os.path.join(self.opt.bin, "rcvbuf_force.so"))
        return Proc(["syslog-ng", "-F", "--no-caps", "-f", conf, "-p", os.path.join(d, "syslog-ng.pid"),
                     "-R", os.path.join(d, "syslog-ng.persist"), "-c", self.ctl],
                    os.path.join(d, "syslog-ng.out"), self.opt.pids, env=env, cwd=d)

    def ready(self):
        return super().ready() and os.path.exists(self.ctl)

    def counts(self, transport):
        out = subprocess.run(["syslog-ng-ctl", "stats", "-c", self.ctl], capture_output=True, text=True,
                             timeout=10).stdout
        m = re.search(rf"^source;s_{transport};;a;processed;(\d+)$", out, re.M)
        dropped = sum(int(x) for x in re.findall(r"^[^;]*;[^;]*;[^;]*;a;dropped;(\d+)$", out, re.M))
        return {"received": int(m.group(1)) if m else 0, "dropped": dropped, "parse_errors": 0}


class Vigil(Receiver):
    name = "vigil"

    def launch(self):
        if not self.opt.vigil or not os.access(self.opt.vigil, os.X_OK):
            raise StartFailed(f"no Vigil binary at {self.opt.vigil or '(unset)'}: build it with "
                              "swift build -c release --scratch-path .build-release --product vigil, or set VIGIL=")
        d = self.workdir()
        addr = f"127.0.0.1:{self.opt.port}"
        args = [self.opt.vigil, "serve", "--udp", addr, "--tcp", addr, "--http",
                f"127.0.0.1:{self.opt.http_port}"] + self.opt.vigil_args.split()
        if self.transport == "tls":
            args += ["--tls", f"127.0.0.1:{self.opt.port + 1}", "--tls-cert", self.opt.tls_cert, "--tls-key", self.opt.tls_key]
        return Proc(args, os.path.join(d, "vigil.out"), self.opt.pids, cwd=d)

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.opt.http_port}/metrics", timeout=5) as r:
            return r.read().decode()

    def ready(self):
        if not super().ready():
            return False
        try:
            return "vigil_received_messages_total" in self.metrics()
        except OSError:
            return False

    def counts(self, transport):
        text = self.metrics()

        def value(pattern):
            return sum(int(float(v)) for v in re.findall(rf"^{pattern}\s+(\S+)$", text, re.M))

        return {"received": value(rf'vigil_received_messages_total\{{transport="{transport}"\}}'),
                "dropped": value(r"vigil_dropped_messages_total\{[^}]*\}"),
                "parse_errors": value(rf'vigil_parse_errors_total\{{transport="{transport}"\}}')}


class Floor(Receiver):
    """The C floors: one process per test, which exits by itself and reports its own figures."""

    name = "C floor"

    def start(self, transport, expected):
        if not wait_until(lambda: port_free(self.opt.port), 10):
            raise StartFailed(f"port {self.opt.port} is taken by another program (set PORT)")
        tool = "recvmmsg_floor" if transport == "udp" else "tcp_floor"
        d = self.workdir()
        self.out = os.path.join(d, f"{tool}.out")
        self.proc = Proc([os.path.join(self.opt.bin, tool), "-p", str(self.opt.port), "-n", str(expected),
                          "-i", "1000"], self.out, self.opt.pids)
        if not wait_until(lambda: bound(self.opt.port, transport), 10):
            self.stop()
            raise StartFailed(f"{tool} did not start listening: {self.proc_tail}")
        self.rcvbuf = granted_rcvbuf(self.opt.port) if transport == "udp" else "-"

    def report(self):
        self.proc.p.wait(timeout=30)
        with open(self.out) as f:
            m = dict(re.findall(r"(\w+)=(\S+)", f.read()))
        return m

    def cpu(self):
        return None  # taken from the floor's own report

    def counts(self, transport):
        m = self.report()
        return {"received": int(m["received"]), "dropped": 0, "parse_errors": int(m.get("bad_frames", 0)),
                "cpu_s": float(m["cpu_s"])}


# ---------------------------------------------------------------- one measurement


def run_test(rx, transport, sender, expected, opt):
    """Starts rx, runs the sender, waits for rx to go idle; returns the figures."""
    rx.start(transport, expected)
    s = None
    try:
        kdrops0 = udp_rcvbuf_errors()
        busy0, wall0 = busy_cpu_seconds(), time.monotonic()
        cpu0 = rx.cpu()
        act = rx.activity_ns() or 0
        s = subprocess.Popen(sender, stdout=subprocess.PIPE, text=True)
        last_busy = time.monotonic()
        sender_done = None
        deadline = time.monotonic() + opt.test_timeout
        while True:
            time.sleep(0.02)
            now = time.monotonic()
            a = rx.activity_ns()
            if a is None:  # a floor that has exited
                if sender_done is not None or s.poll() is not None:
                    break
            else:
                if a - act >= 2_000_000:
                    last_busy = now
                act = a
            if sender_done is None and s.poll() is not None:
                sender_done = now
            if sender_done is not None and now - max(last_busy, sender_done) >= 0.3:
                break
            if now > deadline:
                s.kill()
                raise Skip(f"{rx.name}: test did not finish within {opt.test_timeout} s")
        cpu1 = rx.cpu()
        busy1, wall1 = busy_cpu_seconds(), time.monotonic()
        out = s.communicate(timeout=opt.test_timeout)[0]
        if s.returncode != 0:
            raise Skip(f"sender failed ({s.returncode}): {out}")
        sent = dict(re.findall(r"(\w+)=(\S+)", out))
        counts = rx.settle_counts(transport, expected) if not isinstance(rx, Floor) else rx.counts(transport)
        cpu = counts.pop("cpu_s", None) if cpu0 is None else cpu1 - cpu0
        # CPU used by neither the receiver nor the sender (other work on the machine), as a share
        # of all CPUs over the test: a noise indicator (the harness's own polling is in it, < 1 %).
        others = max(0.0, (busy1 - busy0) - cpu - float(sent.get("cpu_s", 0)))
        r = dict(counts, cpu_s=cpu, sender=sent, rcvbuf=rx.rcvbuf,
                 others=others / ((wall1 - wall0) * os.cpu_count()),
                 kernel_udp_drops=udp_rcvbuf_errors() - kdrops0,
                 done_s=last_busy - float(sent["start"]))
        return r
    finally:
        if s is not None and s.poll() is None:
            s.kill()
            s.wait(timeout=10)
        rx.stop()


def stream_once(rx, transport, conns, opt):
    """TCP (tcp_sender, PORT) or TLS (tls_sender, PORT+1, the first TLS_MESSAGES frames) over
    `conns` connections: throughput until the receiver closed every connection, CPU per message."""
    if transport == "tls":
        sender = [os.path.join(opt.bin, "tls_sender"), "-f", opt.frames, "-p", str(opt.port + 1), "-c", str(conns),
                  "-n", str(opt.tls_messages), "-t", "30"]
        expected = opt.tls_messages
    else:
        sender = [os.path.join(opt.bin, "tcp_sender"), "-f", opt.frames, "-p", str(opt.port), "-c", str(conns), "-t", "20"]
        expected = opt.messages
    r = run_test(rx, transport, sender, expected, opt)
    n = int(r["sender"]["messages"])
    drain = float(r["sender"]["drain_s"])
    secs = max(r["done_s"], drain) if drain >= 0 else r["done_s"]
    r.update(sent=n, seconds=secs, rate=n / secs, us_per_msg=r["cpu_s"] * 1e6 / max(r["received"], 1),
             ok=r["received"] == n and r["parse_errors"] == 0 and r["dropped"] == 0)
    log(f"  {rx.name:<12} {transport} x{conns}: sent {n} received {r['received']} parse errors {r['parse_errors']} "
        f"in {secs:.3f} s = {r['rate']:,.0f} msgs/s, cpu {r['cpu_s']:.2f} s = {r['us_per_msg']:.2f} us/msg, "
        f"other work {r['others']:.0%}"
        f"{'' if drain >= 0 else ' (connections not closed by the receiver)'}")
    return r


def tls_report(results):
    """TLS x4: throughput and CPU per message, and each receiver's CPU against Vigil's."""
    rows = [(name, r["tls4"]) for name, r in results.items() if "tls4" in r]
    if not rows:
        return
    print(f"TLS x4 (RFC 5425, octet counting, {rows[0][1]['sent']:,} messages, median of {len(rows[0][1]['runs'])} runs):")
    print("| receiver | msgs/s | CPU us/msg | ok | other |")
    print("|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {fmt_rate(r['rate'])} | {r['us_per_msg']:.2f} | {'yes' if r['ok'] else '!'} | {r['others']:.0%} |")
    vigil = dict(rows).get("vigil")
    if vigil:
        for name, r in rows:
            if name != "vigil":
                print(f"Vigil's CPU per message / {name}'s: {vigil['us_per_msg'] / r['us_per_msg']:.2f}")


def udp_once(rx, rate, opt):
    n = rate * opt.udp_seconds
    sender = [os.path.join(opt.bin, "udp_sender"), "-f", opt.frames, "-p", str(opt.port), "-r", str(rate),
              "-n", str(n), "-k", str(opt.udp_flows)]
    r = run_test(rx, "udp", sender, n, opt)
    sent = int(r["sender"]["sent"])
    achieved = float(r["sender"]["rate"])
    lost = sent - r["received"] + r["dropped"]
    r.update(target=rate, sent=sent, achieved=achieved, lost=lost,
             us_per_msg=r["cpu_s"] * 1e6 / max(r["received"], 1))
    log(f"  {rx.name:<9} udp {rate:,}/s: sent {sent} at {achieved:,.0f}/s, received {r['received']}, "
        f"lost {lost} (kernel buffer drops {r['kernel_udp_drops']}), cpu {r['us_per_msg']:.2f} us/msg, "
        f"other work {r['others']:.0%}")
    return r


def median_run(runs):
    runs = sorted(runs, key=lambda r: r["rate"])
    best = dict(runs[len(runs) // 2])
    best["ok"] = all(r["ok"] for r in runs)
    best["runs"] = [round(r["rate"]) for r in runs]
    return best


def udp_summary(steps):
    # The highest achieved rate before the first step that lost messages; when no step lost any,
    # the receiver was not the limit (the sender or the rates tried were).
    steps = sorted(steps, key=lambda r: r["target"])
    lossless = []
    for r in steps:
        if r["lost"] != 0:
            break
        lossless.append(r["achieved"])
    return {"steps": steps, "max_lossless": max(lossless, default=0),
            "not_reached": len(lossless) == len(steps)}


# ---------------------------------------------------------------- report


def fmt_rate(x):
    return f"{x / 1000:,.0f} k" if x else "-"


def report(results, opt):
    if all("tls4" in r and not any(k in r for k in ("tcp1", "tcp4", "udp")) for r in results.values()):
        return  # a TLS-only run: tls_report has it all
    ref = opt.ref_rate
    head = (f"{'receiver':<10} {'UDP rcvbuf':>10} | {'TCP x1 msgs/s':>13} {'us/msg':>6} | {'TCP x4 msgs/s':>13} "
            f"{'us/msg':>6} | {'UDP max lossless':>16} | {f'UDP {ref // 1000}k loss':>13} {'us/msg':>6} | {'other':>5}")
    lines = [head, "-" * len(head)]
    for name, r in results.items():
        if not any(k in r for k in ("tcp1", "tcp4", "udp")):
            lines.append(f"{name:<10} skipped: {r.get('error', '?').splitlines()[0]}")
            continue
        cells = [f"{name:<10} {r.get('rcvbuf', '-'):>10}"]
        shown = []  # the runs whose figures are in the row
        for key in ("tcp1", "tcp4"):
            t = r.get(key)
            if t:
                shown.append(t)
                cells.append(f"{fmt_rate(t['rate']) + ('' if t['ok'] else '!'):>13} {t['us_per_msg']:>6.2f}")
            else:
                cells.append(f"{'-':>13} {'-':>6}")
        u = r.get("udp")
        at = next((s for s in u["steps"] if s["target"] == ref), None) if u else None
        cells.append(f"{(('>= ' if u['not_reached'] else '') + fmt_rate(u['max_lossless'])) if u else '-':>16}")
        if at:
            shown.append(at)
            cells.append(f"{at['lost']:>13} {at['us_per_msg']:>6.2f}")
        else:
            cells.append(f"{'-':>13} {'-':>6}")
        cells.append(f"{max((t['others'] for t in shown), default=0):>5.0%}")
        lines.append(" | ".join(cells))
    print("\n".join(lines))
    for name, r in results.items():
        if "error" in r and any(k in r for k in ("tcp1", "tcp4", "udp")):
            print(f"{name}: stopped early: {r['error'].splitlines()[0]}")
    print(f"messages: {opt.messages:,} RFC 5424 frames, {opt.warn_percent} % warnings or worse (severity <= 4)")
    print("(k = thousand msgs/s, medians of %d runs for TCP; us/msg = receiver CPU (user+sys) per message "
          "received; ! = received != sent or parse errors; >= = no paced rate lost a message: the sender "
          "or the rates tried were the limit; other = the most CPU that other work on the machine took "
          "during one of the runs shown, share of all CPUs: above ~10 %% the figures are disturbed)" % opt.repeat)

    if any(r.get("udp") for r in results.values()):
        print(f"\nUDP, each paced rate for {opt.udp_seconds} s: lost / us per msg (achieved rate)")
    for name, r in results.items():
        if r.get("udp"):
            cells = [f"{s['target'] // 1000}k: {s['lost']} / {s['us_per_msg']:.2f} ({s['achieved'] / 1000:.0f}k)"
                     for s in r["udp"]["steps"]]
            print(f"  {name:<10} " + "  ".join(cells))

    v, rs, fl = results.get("vigil", {}), results.get("rsyslog", {}), results.get("C floor", {})

    def cpu(r, key):
        if key == "udp":
            s = next((s for s in r.get("udp", {}).get("steps", []) if s["target"] == ref), None)
            return s["us_per_msg"] if s else None
        return r.get(key, {}).get("us_per_msg")

    if any(k in v for k in ("tcp1", "tcp4", "udp")):
        print("\nVigil's CPU per message relative to the others (issue 3: TCP x4 <= 0.5 x rsyslog; "
              f"UDP {ref // 1000}k <= 0.6 x rsyslog and <= 1.4 x the floor):")
        for key, label in (("tcp1", "TCP x1"), ("tcp4", "TCP x4"), ("udp", f"UDP {ref // 1000}k")):
            a, b, c = cpu(v, key), cpu(rs, key), cpu(fl, key)
            parts = []
            if a and b:
                parts.append(f"{a / b:.2f} x rsyslog")
            if a and c:
                parts.append(f"{a / c:.2f} x C floor")
            print(f"  {label:<9} " + (", ".join(parts) or "-"))


# ---------------------------------------------------------------- main


def machine_busy(seconds=1.0):
    """Share of all CPUs busy over `seconds` (other work on the machine skews the figures)."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = snap()
    time.sleep(seconds)
    t1, i1 = snap()
    return 1 - (i1 - i0) / max(t1 - t0, 1)


def wait_quiet(limit):
    """Waits (at most `limit` s) until the machine is nearly idle between two tests."""
    end = time.monotonic() + limit
    while machine_busy(0.5) > 0.1 and time.monotonic() < end:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--messages", type=int, required=True)
    ap.add_argument("--warn-percent", type=int, default=12, help="share of warnings or worse in the frames (for the report)")
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--pids", required=True)
    ap.add_argument("--rsyslog-root", required=True)
    ap.add_argument("--vigil", default="")
    ap.add_argument("--vigil-args", default="")
    ap.add_argument("--receivers", default="vigil,rsyslog,syslog-ng,floor")
    ap.add_argument("--tests", default="tcp1,tcp4,udp")
    ap.add_argument("--rates", default="50000,100000,150000,200000,250000")
    ap.add_argument("--ref-rate", type=int, default=200000)
    ap.add_argument("--udp-seconds", type=int, default=3)
    ap.add_argument("--udp-flows", type=int, default=4, help="UDP source sockets (as several devices)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--port", type=int, default=25514)
    ap.add_argument("--http-port", type=int, default=28080)
    ap.add_argument("--test-timeout", type=float, default=60)
    ap.add_argument("--quiet-wait", type=float, default=5,
                    help="before each test, wait at most this long for the machine to be idle")
    ap.add_argument("--json", default="")
    ap.add_argument("--tls-messages", type=int, default=1000000)
    ap.add_argument("--tls-cert", default="")
    ap.add_argument("--tls-key", default="")
    opt = ap.parse_args()
    opt.rates = [int(x) for x in opt.rates.split(",")]
    for key in ("bin", "frames", "tmp", "pids", "rsyslog_root", "vigil", "json"):
        if getattr(opt, key):
            setattr(opt, key, os.path.abspath(getattr(opt, key)))
    tests = opt.tests.split(",")

    # SIGTERM (run.sh's timeout or trap) unwinds through the finally blocks that stop receivers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    busy = machine_busy()
    log(f"machine busy before the run: {busy:.0%} of the CPUs" +
        (" — other work is running; figures will be disturbed (see the 'other' column)" if busy > 0.15 else ""))
    kinds = {"vigil": Vigil, "rsyslog": Rsyslog, "rsyslog-ossl": RsyslogOssl, "syslog-ng": SyslogNg, "floor": Floor}
    receivers = [kinds[k](opt) for k in opt.receivers.split(",")]
    # The receivers take turns test by test (not one receiver after the other), so that other work
    # on the machine, when there is some, disturbs them alike; TCP medians are over the rounds.
    plan = [("tcp", 1)] * opt.repeat * ("tcp1" in tests) + [("tcp", 4)] * opt.repeat * ("tcp4" in tests)
    plan += [("udp", rate) for rate in opt.rates] * ("udp" in tests)
    plan += [("tls", 4)] * opt.repeat * ("tls4" in tests)
    raw = {rx.name: {"tcp1": [], "tcp4": [], "udp": [], "tls4": []} for rx in receivers}
    errors = {}
    for kind, arg in plan:
        log(f"== {kind} {'%d msgs/s' % arg if kind == 'udp' else 'x%d' % arg}")
        for rx in receivers:
            if isinstance(errors.get(rx.name), StartFailed):
                continue
            # Only TLS tells the two rsyslog drivers apart; syslog-ng and the floors have no TLS here.
            if (kind == "tls" and isinstance(rx, (SyslogNg, Floor))) or (kind != "tls" and isinstance(rx, RsyslogOssl)):
                continue
            wait_quiet(opt.quiet_wait)
            try:
                if kind == "tcp":
                    raw[rx.name][f"tcp{arg}"].append(stream_once(rx, "tcp", arg, opt))
                elif kind == "tls":
                    raw[rx.name][f"tls{arg}"].append(stream_once(rx, "tls", arg, opt))
                else:
                    raw[rx.name]["udp"].append(udp_once(rx, arg, opt))
            except Exception as e:  # noqa: BLE001 — one failed test must not lose the others
                log(f"  {rx.name}: {type(e).__name__ if not isinstance(e, Skip) else ''} {e}")
                errors[rx.name] = e
    results = {}
    for rx in receivers:
        r = results[rx.name] = {}
        for key in ("tcp1", "tcp4", "tls4"):
            if raw[rx.name][key]:
                r[key] = median_run(raw[rx.name][key])
        if raw[rx.name]["udp"]:
            r["udp"] = udp_summary(raw[rx.name]["udp"])
            r["rcvbuf"] = r["udp"]["steps"][0]["rcvbuf"]
        if rx.name in errors:
            r["error"] = str(errors[rx.name])
    busy_after = machine_busy()
    log(f"machine busy after the run: {busy_after:.0%} of the CPUs")
    if opt.json:
        with open(opt.json, "w") as f:
            json.dump({"results": results, "busy_before": busy, "busy_after": busy_after,
                       "messages": opt.messages, "rates": opt.rates, "udp_seconds": opt.udp_seconds}, f, indent=1)
    print()
    report(results, opt)
    print()
    tls_report(results)


if __name__ == "__main__":
    main()
