#!/usr/bin/env python3
"""Replays labelled scenarios through `vigil analyze` and scores the alerts against the labels.

    python3 benchmarks/detection/score.py VIGIL_BINARY SCENARIO_DIR [--only NAME ...] [--json OUT] [-v]
                                          [--arg=ARG ...]   (extra arguments for vigil analyze, e.g.
                                                             --arg=--config --arg=tuned.toml)

Each scenario (NAME.log + NAME.json from generate.py) is replayed on a fresh SQLite database,
with the offline analyzer (no ANTHROPIC_API_KEY) and TZ=UTC. An alert matches an incident when
it was detected between the incident's start and its end plus the scenario's grace, and names
one of its services. Per scenario it prints:
- alerts: alerts printed;
- true: alerts matching an incident an operator wants alerted;
- false: alerts matching nothing, or matching an incident that should stay silent;
- optional: alerts matching an incident labelled optional (counted neither way);
- missed: incidents wanting an alert that got none (of how many);
- detect: time from the incident's first anomalous message to its first matching alert
  (median and worst over the detected incidents);
- incidents: distinct incident_id values among the alerts ("-" when the binary has none).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path


def seconds(rfc3339: str) -> float:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def replay(binary: str, log: Path, extra: list[str], timeout: float = 1800) -> tuple[list[dict], float, str]:
    with tempfile.TemporaryDirectory() as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "VIGIL_")) and k != "DATABASE_URL"}
        env["TZ"] = "UTC"
        started = time.perf_counter()
        proc = subprocess.run([binary, "analyze", "--database", f"sqlite:{scratch}/replay.db", *extra, str(log)],
                              capture_output=True, text=True, env=env, timeout=timeout)
        elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"vigil analyze failed on {log} ({proc.returncode}):\n{proc.stderr[-3000:]}")
    alerts = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    alerts.sort(key=lambda a: (seconds(a["detected_at"]), a["anomaly_id"]))
    return alerts, elapsed, proc.stderr


def match(alert: dict, labels: dict) -> dict | None:
    at = seconds(alert["detected_at"])
    named = set(alert.get("affected_services") or [])
    for incident in labels["incidents"]:
        if incident["start"] <= at <= incident["end"] + labels["grace"] and named & set(incident["services"]):
            return incident
    return None


def score(labels: dict, alerts: list[dict]) -> dict:
    true = false = optional = 0
    first_alert: dict[str, float] = {}
    verdicts = []
    for alert in alerts:
        incident = match(alert, labels)
        if incident is None or incident["expect"] == "silent":
            false += 1
            verdict = "false"
        elif incident["expect"] == "optional":
            optional += 1
            verdict = "optional"
        else:
            true += 1
            verdict = "true"
            first_alert.setdefault(incident["name"], seconds(alert["detected_at"]))
        verdicts.append((verdict, incident["name"] if incident else None, alert))
    wanted = [i for i in labels["incidents"] if i["expect"] == "alert"]
    missed = [i["name"] for i in wanted if i["name"] not in first_alert]
    delays = [first_alert[i["name"]] - i["first"] for i in wanted if i["name"] in first_alert and i["first"] is not None]
    ids = {a.get("incident_id") for a in alerts if "incident_id" in a}
    return {
        "scenario": labels["scenario"], "lines": labels["lines"], "alerts": len(alerts), "true": true, "false": false,
        "optional": optional, "missed": len(missed), "wanted": len(wanted), "missed_names": missed,
        "detect_median": statistics.median(delays) if delays else None, "detect_max": max(delays) if delays else None,
        "incidents": len(ids - {None}) if any("incident_id" in a for a in alerts) else None,
        "verdicts": [(v, name, a["category"], a["detected_at"], a.get("affected_services"), a.get("incident_id"),
                      a.get("window_seconds"), a.get("resolved_at")) for v, name, a in verdicts],
    }


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("scenarios", type=Path)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--json", type=Path, help="write every score (with each alert's verdict) here")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every alert with its verdict")
    parser.add_argument("--arg", action="append", default=[], dest="extra", help="an extra argument for vigil analyze (repeatable)")
    args = parser.parse_args()
    names = args.only or [p.stem for p in sorted(args.scenarios.glob("*.json"))]
    rows = []
    print("| scenario | lines | alerts | true | false | optional | missed | detect (median / worst) | incidents | replay |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        labels = json.loads((args.scenarios / f"{name}.json").read_text())
        alerts, elapsed, _ = replay(args.binary, args.scenarios / f"{name}.log", args.extra)
        row = score(labels, alerts)
        row["replay_seconds"] = elapsed
        rows.append(row)
        incidents = "-" if row["incidents"] is None else str(row["incidents"])
        print(f"| {name} | {row['lines']} | {row['alerts']} | {row['true']} | {row['false']} | {row['optional']} | "
              f"{row['missed']}/{row['wanted']} | {fmt(row['detect_median'])} / {fmt(row['detect_max'])} | {incidents} | "
              f"{elapsed:.1f} s |", flush=True)
        if args.verbose:
            for verdict in row["verdicts"]:
                print("   ", *verdict, file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
