#!/usr/bin/env python3
"""Outside-in check of `vigil parse` against the conformance cases in Tests/Fixtures/conformance/.

Runs the real binary once per case, the way a user would: datagrams wrapped in RFC 6587 octet
counting (so an LF inside a datagram stays inside it), `octet` streams with `--framing octet`,
`lf` streams with `--framing line`. A case agrees when every expected field matches; for a case
marked invalid, a `{"error":…}` line also agrees (a strict parser rejects it).

Usage: check_conformance.py VIGIL_BINARY [CASES_JSONL...]   — prints a summary per file, exits 1
below --min. Without files: every *.jsonl in Tests/Fixtures/conformance/.
"""
import argparse
import base64
import datetime as dt
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Tests", "Fixtures", "conformance")


def instant(text):
    """An ISO 8601 date-time as an aware datetime; no offset means UTC (the checks run with TZ=UTC)."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def field_ok(key, want, got):
    if key == "timestamp":
        if want is None or got is None:
            return want == got
        return instant(want) == instant(got)
    return want == got


def agrees(expect, extra, valid, out):
    if "error" in out:
        return not valid, "error: " + out["error"]
    for key, want in expect.items():
        if key not in out:
            return False, f"missing key {key}"
        if not field_ok(key, want, out[key]):
            return False, f"{key}: want {want!r} got {out[key]!r}"
    extra = extra or {}
    msg = out.get("msg")
    if "msg_any_of" in extra and msg not in extra["msg_any_of"]:
        return False, f"msg {msg!r} not in {extra['msg_any_of']!r}"
    if "msg_contains" in extra and (msg is None or extra["msg_contains"] not in msg):
        return False, f"msg {msg!r} lacks {extra['msg_contains']!r}"
    if "msg_b64" in extra:
        raw = base64.b64decode(extra["msg_b64"])
        if msg not in (raw.decode("latin-1"), raw.decode("utf-8", "replace")):
            return False, f"msg {msg!r} != bytes {raw!r}"
    if "lenient_default_pri" in extra and out.get("pri") != extra["lenient_default_pri"]:
        return False, f"pri {out.get('pri')} != default {extra['lenient_default_pri']}"
    if "timestamp_noyear" in extra:
        ts = out.get("timestamp")
        if ts is None:
            return False, "no timestamp"
        want = extra["timestamp_noyear"]  # --MM-DDThh:mm:ss
        if instant(ts).strftime("--%m-%dT%H:%M:%S") != want:
            return False, f"timestamp {ts} != {want}"
    return True, ""


def run(binary, framing, data):
    proc = subprocess.run([binary, "parse", "--framing", framing], input=data, capture_output=True,
                          timeout=30, env={**os.environ, "TZ": "UTC"})
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]


def check_case(binary, case):
    """(agrees, why) for one case."""
    raw = base64.b64decode(case["raw_b64"]) if "raw_b64" in case else case["raw"].encode("utf-8")
    framing = case["framing"]
    if framing == "udp":
        outs = run(binary, "octet", str(len(raw)).encode() + b" " + raw) if raw else [{"error": "empty"}]
    else:
        outs = run(binary, "octet" if framing == "octet" else "line", raw)
    extra = case.get("expect_extra") or {}
    if "frames" in extra:
        frames = extra["frames"]
        if len(outs) < len(frames):
            return False, f"{len(outs)} outputs for {len(frames)} frames"
        for frame, out in zip(frames, outs):
            frame = dict(frame)
            valid = frame.pop("valid", case["valid"])
            ok, why = agrees(frame, {k: v for k, v in extra.items() if k != "frames"} if len(frames) == 1 else {}, valid, out)
            if not ok:
                return ok, why
        return True, ""
    if not outs:
        return (not case["valid"] and not case["expect"]), "no output"
    return agrees(case["expect"], extra, case["valid"], outs[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("cases", nargs="*", help="case files (JSON lines); default: every *.jsonl in " + FIXTURES)
    ap.add_argument("--min", type=float, default=0.98, help="fail when a file's share of agreeing cases is below this")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    files = args.cases or sorted(glob.glob(os.path.join(FIXTURES, "*.jsonl")))
    if not files:
        sys.exit(f"no case files in {FIXTURES}")
    failing = False
    for path in files:
        passed = failed = 0
        with open(path, encoding="utf-8") as f:
            cases = [json.loads(line) for line in f if line.strip()]
        for case in cases:
            ok, why = check_case(args.binary, case)
            if ok:
                passed += 1
            else:
                failed += 1
            if args.verbose or not ok:
                print(("PASS " if ok else "FAIL ") + case["id"] + ("" if ok else f": {why}"))
        total = passed + failed
        share = passed / total if total else 0
        print(f"conformance: {os.path.basename(path)}: {passed} of {total} cases agree ({share:.1%})")
        failing = failing or share < args.min
    sys.exit(1 if failing else 0)


if __name__ == "__main__":
    main()
