#!/usr/bin/env python3
"""Labelled detection scenarios: seeded syslog timelines and what an operator expects of each.

    python3 benchmarks/detection/generate.py OUT_DIR [--seed N] [--only NAME ...]

Writes, per scenario, OUT_DIR/NAME.log (RFC 5424, one message per line, in time order) and
OUT_DIR/NAME.json (its labels). The same seed gives the same bytes in every run.

Labels: every incident has the services it concerns, the interval of anomalous traffic, the
timestamp of its first anomalous message, and an expectation:
- "alert": an operator wants an alert (missed if none comes);
- "silent": an alert about it is a false alarm (a harmless burst, a repeat inside the cooldown);
- "optional": neither counted as missed nor as false (a reboot on a quiet host, a slow creep that
  a baseline rule cannot see by construction).
Alerts that match no incident are false alarms. `score.py` does the matching.

The scenarios are importable (scenario(name, seed) -> Scenario) so that end-to-end tests replay
exactly what the benchmark measures.
"""
from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

# 2026-03-02T00:00:00Z, a Monday; every scenario starts here (quiet_host: its first day).
T0 = 1_772_409_600
HOUR = 3600
MINUTE = 60

INFO = 6
WARNING = 4
ERROR = 3

INFO_TEMPLATES = [
    "GET /api/v1/items/{n} 200 {ms}ms",
    "POST /api/v1/orders 201 {ms}ms user={u}",
    "cache hit ratio {p} percent over {n} lookups",
    "worker {w} finished job {n} in {ms} ms",
    "session {u} refreshed token expires_in={n}",
]
ERROR_TEMPLATES = [
    "upstream request failed: connection reset by peer after {ms} ms",
    "request {n} failed: deadline exceeded after {ms} ms",
]
INCIDENT_TEMPLATE = "database connection pool exhausted: timeout after {ms} ms waiting for a connection to db-{w}"


@dataclass
class Incident:
    name: str
    kind: str
    services: list[str]
    start: float
    end: float
    expect: str  # "alert" | "silent" | "optional"
    first: float | None = None  # first anomalous message (filled while generating)
    note: str = ""

    def label(self) -> dict:
        return {"name": self.name, "kind": self.kind, "services": self.services, "start": self.start, "end": self.end,
                "first": self.first, "expect": self.expect, "note": self.note}


@dataclass
class Scenario:
    name: str
    description: str
    start: float
    end: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    # Alerts for the same incident within this many seconds after its end still match it (the
    # longest window still holds the anomaly that long).
    grace: float = 330

    def add(self, t: float, service: str, severity: int, text: str, host: str = "app01", facility: int = 16):
        self.lines.append((t, f"<{facility * 8 + severity}>1 {rfc3339(t)} {host} {service} - - - {text}"))

    def note_first(self, incident: Incident, t: float):
        if incident.first is None or t < incident.first:
            incident.first = t

    def write(self, directory: Path):
        self.lines.sort(key=lambda entry: entry[0])
        with open(directory / f"{self.name}.log", "w") as out:
            for _, line in self.lines:
                out.write(line + "\n")
        labels = {"scenario": self.name, "description": self.description, "start": self.start, "end": self.end,
                  "grace": self.grace, "lines": len(self.lines), "incidents": [i.label() for i in self.incidents]}
        (directory / f"{self.name}.json").write_text(json.dumps(labels, indent=1) + "\n")


def rfc3339(t: float) -> str:
    whole = int(math.floor(t))
    millis = int((t - whole) * 1000)
    days, second = divmod(whole, 86_400)
    y, m, d = civil(days)
    return f"{y:04d}-{m:02d}-{d:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{millis:03d}Z"


def civil(days: int) -> tuple[int, int, int]:
    """Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm)."""
    z = days + 719_468
    era = (z if z >= 0 else z - 146_096) // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + (m <= 2), m, d)


def fill(template: str, rng: random.Random) -> str:
    return template.format(n=rng.randrange(1, 99_999), ms=rng.randrange(1, 5000), u=f"u{rng.randrange(1000)}",
                           p=rng.randrange(0, 100), w=rng.randrange(1, 9))


def poisson_times(rng: random.Random, start: float, end: float, rate, peak: float):
    """Arrival times of a Poisson process on [start, end) with intensity `rate(t)` ≤ `peak` (thinning)."""
    t = start
    while True:
        t += rng.expovariate(peak)
        if t >= end:
            return
        if rng.random() * peak <= rate(t):
            yield t


def steady(scenario: Scenario, rng: random.Random, services: dict[str, float], start: float, end: float,
           error_rate=lambda service, t: 0.01, rate_factor=lambda service, t: 1.0, peak_factor: float = 1.0,
           incidents: dict[str, Incident] | None = None):
    """Poisson traffic per service (`services`: name → messages per second), info or error by
    `error_rate`; messages during an incident (by service) use the incident's error template and
    mark its first anomalous message."""
    for service, base in services.items():
        peak = base * peak_factor
        for t in poisson_times(rng, start, end, lambda t: base * rate_factor(service, t), peak):
            p = error_rate(service, t)
            incident = incidents.get(service) if incidents else None
            active = incident is not None and incident.start <= t < incident.end
            if rng.random() < p:
                template = INCIDENT_TEMPLATE if active and incident.kind == "error_burst" else rng.choice(ERROR_TEMPLATES)
                scenario.add(t, service, ERROR, fill(template, rng))
                if active and incident.kind == "error_burst":
                    scenario.note_first(incident, t)
            else:
                scenario.add(t, service, INFO, fill(rng.choice(INFO_TEMPLATES), rng))
                if active and incident.kind == "flood":
                    scenario.note_first(incident, t)


FIVE = ["payments", "search", "auth", "orders", "inventory"]


def burst_scenario(name: str, rate: float, seed: int, description: str, bursts: list[tuple[str, float, float, float]],
                   hours: float = 3.0, new_message: bool = False) -> Scenario:
    """Five services at `rate` msg/s with 1 % errors; `bursts` = (service, start offset, duration,
    error rate). The burst's errors are the usual error messages (only the error rate tells), or
    with `new_message` a message never seen before (new_pattern may tell too)."""
    rng = random.Random(seed)
    s = Scenario(name, description, T0, T0 + hours * HOUR)
    for index, (service, offset, duration, rate_in) in enumerate(bursts):
        s.incidents.append(Incident(
            f"{service}-{int(rate_in * 100)}pct-{index}", "error_burst", [service], T0 + offset, T0 + offset + duration,
            "alert", note=f"{int(rate_in * 100)} % errors for {int(duration)} s"))
    rates = {name: rate for name in FIVE}
    for service in rates:
        mine = [(i, rate_in) for i, (_, _, _, rate_in) in zip(s.incidents, bursts) if i.services == [service]]
        for t in poisson_times(rng, s.start, s.end, lambda t: rate, rate):
            active = next(((i, r) for i, r in mine if i.start <= t < i.end), None)
            if rng.random() < (active[1] if active else 0.01):
                s.add(t, service, ERROR, fill(INCIDENT_TEMPLATE if active and new_message else rng.choice(ERROR_TEMPLATES), rng))
                if active:
                    s.note_first(active[0], t)
            else:
                s.add(t, service, INFO, fill(rng.choice(INFO_TEMPLATES), rng))
    return s


def scenario_burst_1ps(seed: int) -> Scenario:
    return burst_scenario(
        "burst_30pct_1ps", 1.0, seed,
        "five services at 1 msg/s, 1 % errors; 30 % errors (the usual error messages) in one service for 6 min, "
        "three times in different services (the issue's case: about 50 s to detect before)",
        [("payments", 1 * HOUR, 360, 0.30), ("search", 1.5 * HOUR, 360, 0.30), ("auth", 2 * HOUR, 360, 0.30)])


def scenario_burst_sizes(seed: int) -> Scenario:
    return burst_scenario(
        "burst_sizes", 3.0, seed,
        "five services at 3 msg/s, 1 % errors; bursts (the usual error messages) of 10 %, 30 % and 100 % errors "
        "for 3 min and of 50 % for 20 s, each in another service",
        [("payments", 1 * HOUR, 180, 0.10), ("search", 1.5 * HOUR, 180, 0.30), ("auth", 2 * HOUR, 180, 1.0),
         ("orders", 2.5 * HOUR, 20, 0.50)])


def scenario_cooldown(seed: int) -> Scenario:
    """The issue's per-service cooldown case: payments fails, search 5 min later, payments again
    10 min later (inside payments' cooldown: silent)."""
    s = burst_scenario(
        "cooldown_per_service", 2.0, seed,
        "five services at 2 msg/s; payments 30 % errors for 3 min, search 5 min later (alert), payments again "
        "10 min after its first burst (inside its 15-min cooldown: silent)",
        [("payments", 1 * HOUR, 180, 0.30), ("search", 1 * HOUR + 300, 180, 0.30),
         ("payments", 1 * HOUR + 600, 180, 0.30)])
    s.incidents[2].expect = "silent"
    s.incidents[2].note += "; repeat inside the cooldown"
    return s


def scenario_burst30(rate: float):
    """Five services at `rate` msg/s, 1 % errors; ten bursts of 30 % errors (the usual error
    messages) for 6 min, 20 min apart, each service twice (100 min apart: past its cooldown), each
    starting at a random second — the issue's case, measured at one rate, ten times per seed."""
    def make(seed: int) -> Scenario:
        offsets = random.Random(seed + 1)
        bursts = [(FIVE[i % 5], HOUR + i * 20 * MINUTE + offsets.uniform(0, 60), 360.0, 0.30) for i in range(10)]
        name = f"burst30_{rate:g}ps"
        return burst_scenario(
            name, rate, seed,
            f"five services at {rate:g} msg/s, 1 % errors; ten bursts of 30 % errors (the usual error messages) for "
            "6 min, 20 min apart, in each service twice, at random seconds", bursts, hours=4.7)
    return make


def scenario_two_services(seed: int) -> Scenario:
    s = burst_scenario(
        "two_services_together", 2.0, seed,
        "a shared database fails: payments and orders at 40 % errors 40 s apart, with a message never seen "
        "before (one incident); search 20 min later (another incident)",
        [("payments", 1 * HOUR, 240, 0.40), ("orders", 1 * HOUR + 40, 240, 0.40), ("search", 1 * HOUR + 1200, 180, 0.40)],
        new_message=True)
    return s


def scenario_creep(seed: int) -> Scenario:
    rng = random.Random(seed)
    s = Scenario("slow_creep", "five services at 2 msg/s; search's error rate creeps from 1 % to 25 % over 2 h, then "
                 "drops back (an EMA baseline follows a slow creep: optional)", T0, T0 + 4 * HOUR)
    creep = Incident("search-creep", "error_burst", ["search"], T0 + 1 * HOUR, T0 + 3 * HOUR, "optional",
                     note="1 % → 25 % over 2 h")
    s.incidents.append(creep)

    def error_rate(service, t):
        if service == "search" and creep.start <= t < creep.end:
            return 0.01 + 0.24 * (t - creep.start) / (creep.end - creep.start)
        return 0.01

    for service in FIVE:
        for t in poisson_times(rng, s.start, s.end, lambda t: 2.0, 2.0):
            if rng.random() < error_rate(service, t):
                s.add(t, service, ERROR, fill(rng.choice(ERROR_TEMPLATES), rng))
                if service == "search" and creep.start <= t < creep.end and t > creep.start + 1800:
                    s.note_first(creep, t)
            else:
                s.add(t, service, INFO, fill(rng.choice(INFO_TEMPLATES), rng))
    return s


def scenario_flood_outage(seed: int) -> Scenario:
    rng = random.Random(seed)
    services = {name: 2.0 for name in FIVE + ["billing", "mailer", "reports"]}
    s = Scenario("flood_and_outage", "eight services at 2 msg/s; search floods at 10× for 5 min; later four services "
                 "(behind one relay) go silent for 15 min and come back", T0, T0 + 4 * HOUR)
    flood = Incident("search-flood", "flood", ["search"], T0 + 1 * HOUR, T0 + 1 * HOUR + 300, "alert", note="10× volume")
    outage_services = ["billing", "mailer", "reports", "inventory"]
    outage = Incident("relay-outage", "outage", outage_services, T0 + 2 * HOUR, T0 + 2 * HOUR + 900, "alert",
                      note="4 services silent 15 min")
    outage.first = outage.start
    s.incidents += [flood, outage]

    def factor(service, t):
        if service == "search" and flood.start <= t < flood.end:
            return 10.0
        if service in outage_services and outage.start <= t < outage.end:
            return 0.0
        return 1.0

    steady(s, rng, services, s.start, s.end, rate_factor=factor, peak_factor=10.0, incidents={"search": flood})
    return s


def scenario_churn(seed: int) -> Scenario:
    rng = random.Random(seed)
    s = Scenario("services_churn", "five services at 2 msg/s; four new services start at 1 h (1 msg/s each, a "
                 "deployment); three services stop for good at 2.5 h", T0, T0 + 4 * HOUR)
    new = ["ledger", "notifier", "pricing", "gateway"]
    appear = Incident("deploy-appear", "appear", new, T0 + 1 * HOUR, T0 + 1 * HOUR + 60, "alert")
    appear.first = appear.start
    gone = ["orders", "inventory", "auth"]
    vanish = Incident("services-vanish", "vanish", gone, T0 + 2.5 * HOUR, T0 + 2.5 * HOUR + 60, "alert")
    vanish.first = vanish.start
    s.incidents += [appear, vanish]
    rates = {name: 2.0 for name in FIVE} | {name: 1.0 for name in new}

    def factor(service, t):
        if service in new and t < appear.start:
            return 0.0
        if service in gone and t >= vanish.start:
            return 0.0
        return 1.0

    steady(s, rng, rates, s.start, s.end, rate_factor=factor)
    return s


def day_curve(t: float) -> float:
    """1 ± 0.5 over the day: lowest at 04:00 UTC, highest at 16:00."""
    return 1.0 + 0.5 * math.sin(2 * math.pi * ((t - T0) / 86_400 - 10 / 24))


def scenario_clean_day(seed: int, scale: float = 1.0) -> Scenario:
    rng = random.Random(seed)
    services = {name: rate * scale for name, rate in
                {"payments": 4.0, "search": 6.0, "auth": 2.0, "orders": 1.5, "inventory": 1.0, "mailer": 0.5}.items()}
    s = Scenario("clean_day", "24 h, six services at 0.5–6 msg/s following a day/night curve (±50 %), Poisson, 1 % "
                 "errors, and every ~40 min a harmless burst of 2–4 errors within 2 s in a random service: no alert "
                 "expected", T0, T0 + 24 * HOUR)
    steady(s, rng, services, s.start, s.end, rate_factor=lambda service, t: day_curve(t), peak_factor=1.5)
    t = s.start + 1800
    index = 0
    while t < s.end - 600:
        service = rng.choice(list(services))
        count = rng.randint(2, 4)
        burst = Incident(f"harmless-{index}", "harmless_burst", [service], t, t + 2, "silent", note=f"{count} errors")
        for _ in range(count):
            at = t + rng.random() * 2
            s.add(at, service, ERROR, fill(rng.choice(ERROR_TEMPLATES), rng))
            s.note_first(burst, at)
        s.incidents.append(burst)
        index += 1
        t += rng.uniform(25, 55) * MINUTE
    return s


def scenario_quiet_host(seed: int) -> Scenario:
    """One host for 14 days, a few messages an hour: cron, logins (bursts, some failed), daemons
    starting and stopping, the kernel now and then, and one reboot."""
    rng = random.Random(seed)
    days = 14
    s = Scenario("quiet_host", "one host, 14 days, a few messages an hour: cron every hour, logins in bursts (some "
                 "failed, at error level), daemons restarting, kernel notes, a weekly apt run and one reboot (optional)",
                 T0, T0 + days * 86_400)
    host = "nas01"

    def add(t, service, severity, text, facility=3):
        s.add(t, service, severity, text, host=host, facility=facility)

    for hour in range(days * 24):
        base = s.start + hour * HOUR
        # cron: hourly job, two lines.
        t = base + 17 * MINUTE + rng.random() * 2
        add(t, "CRON", INFO, f"(root) CMD (run-parts /etc/cron.hourly)", facility=9)
        add(t + 0.5, "CRON", INFO, "pam_unix(cron:session): session closed for user root", facility=10)
        # A login now and then (daytime), a short burst of sshd/systemd-logind lines.
        if 8 <= hour % 24 <= 22 and rng.random() < 0.25:
            t = base + rng.random() * 3000
            user = rng.choice(["alice", "bob", "backup"])
            failed = rng.random() < 0.3
            for attempt in range(rng.randint(1, 4) if failed else 0):
                add(t + attempt * 2, "sshd", ERROR, f"error: PAM: Authentication failure for {user} from 10.0.0.{rng.randrange(2, 250)}", facility=10)
                add(t + attempt * 2 + 0.3, "sshd", INFO, f"Failed password for {user} from 10.0.0.{rng.randrange(2, 250)} port {rng.randrange(30000, 60000)} ssh2", facility=10)
            t += 10
            add(t, "sshd", INFO, f"Accepted publickey for {user} from 10.0.0.{rng.randrange(2, 250)} port {rng.randrange(30000, 60000)} ssh2", facility=10)
            add(t + 0.1, "sshd", INFO, f"pam_unix(sshd:session): session opened for user {user} by (uid=0)", facility=10)
            add(t + 0.2, "systemd-logind", INFO, f"New session {rng.randrange(100, 999)} of user {user}.")
            end = t + rng.uniform(60, 1800)
            add(end, "sshd", INFO, f"pam_unix(sshd:session): session closed for user {user}", facility=10)
            add(end + 0.1, "systemd-logind", INFO, f"Session {rng.randrange(100, 999)} logged out. Waiting for processes to exit.")
        # A daemon restarted now and then.
        if rng.random() < 0.04:
            t = base + rng.random() * 3000
            daemon = rng.choice(["smbd", "nginx", "docker", "zfs-zed"])
            add(t, "systemd", INFO, f"Stopping {daemon}.service...")
            for line in range(rng.randint(1, 6)):
                add(t + 0.2 + line * 0.1, daemon, rng.choice([INFO, INFO, WARNING]), f"{daemon} shutting down worker {line}")
            add(t + 1.5, "systemd", INFO, f"Started {daemon}.service.")
            for line in range(rng.randint(2, 8)):
                add(t + 2 + line * 0.2, daemon, INFO, f"{daemon} listening on port {rng.randrange(80, 9000)}")
        # The kernel, rarely.
        if rng.random() < 0.03:
            add(base + rng.random() * 3600, "kernel", rng.choice([INFO, WARNING]),
                f"ata{rng.randrange(1, 4)}: link is slow to respond, please be patient (ready=0)", facility=0)
        # Daily apt run.
        if hour % 24 == 6:
            t = base + 25 * MINUTE
            for line in range(rng.randint(8, 20)):
                add(t + line * 0.5, "apt-daily", INFO, f"Get:{line} http://deb.debian.org/debian bookworm/main pkg{rng.randrange(999)} [{rng.randrange(10, 900)} kB]")
    # One reboot on day 9, 03:12: the kernel and most daemons at once.
    reboot = Incident("reboot", "reboot", ["kernel", "systemd"], s.start + 9 * 86_400 + 3 * HOUR + 12 * MINUTE,
                      s.start + 9 * 86_400 + 3 * HOUR + 15 * MINUTE, "optional", note="boot: ~120 lines from 8 services")
    t = reboot.start
    reboot.first = t
    for line in range(60):
        add(t + line * 0.05, "kernel", INFO, f"[{line * 0.01:.6f}] pci 0000:00:{line:02x}.0: [8086:{rng.randrange(4096):04x}] type 00 class 0x060000", facility=0)
    for offset, daemon in enumerate(["systemd", "smbd", "nginx", "docker", "zfs-zed", "sshd", "CRON"]):
        for line in range(rng.randint(3, 10)):
            add(t + 5 + offset + line * 0.1, daemon, INFO, f"{daemon} starting: step {line}")
    s.incidents.append(reboot)
    s.grace = 330
    return s


SCENARIOS = {
    "burst_30pct_1ps": scenario_burst_1ps,
    "burst_sizes": scenario_burst_sizes,
    "cooldown_per_service": scenario_cooldown,
    "two_services_together": scenario_two_services,
    "slow_creep": scenario_creep,
    "flood_and_outage": scenario_flood_outage,
    "services_churn": scenario_churn,
    "quiet_host": scenario_quiet_host,
    "clean_day": scenario_clean_day,
    # Added with the span scan (time to detect at a given rate, false alarms at other rates).
    "burst30_1ps": scenario_burst30(1.0),
    "burst30_2ps": scenario_burst30(2.0),
    "burst30_5ps": scenario_burst30(5.0),
    "burst30_10ps": scenario_burst30(10.0),
    "clean_day_quiet": lambda seed: renamed(scenario_clean_day(seed, 0.25), "clean_day_quiet", "a quarter of the traffic"),
    "clean_day_busy": lambda seed: renamed(scenario_clean_day(seed, 2.0), "clean_day_busy", "twice the traffic"),
}


def renamed(s: Scenario, name: str, how: str) -> Scenario:
    s.name = name
    s.description += f" ({how})"
    return s


def scenario(name: str, seed: int = 12, scale: float = 1.0) -> Scenario:
    """Scenario `name` with a distinct, fixed seed derived from the run's; `scale` multiplies the
    clean day's traffic (the others have fixed rates)."""
    derived = seed * 1000 + list(SCENARIOS).index(name)
    return SCENARIOS[name](derived, scale) if name == "clean_day" else SCENARIOS[name](derived)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--only", nargs="*", choices=list(SCENARIOS))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or SCENARIOS:
        s = scenario(name, args.seed)
        s.write(args.out)
        print(f"{name}: {len(s.lines)} lines, {len(s.incidents)} labelled incidents")


if __name__ == "__main__":
    main()
