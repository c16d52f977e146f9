#!/usr/bin/env python3
"""Does `vigil parse` read real hosts' BSD syslog files as a person would?

For each FILE (a syslog file as written by syslogd/rsyslog on Linux or by macOS: one message a
line, `TIMESTAMP HOSTNAME TAG[PID]: MSG`), every non-blank line is read twice:
  - by `vigil parse --framing line` (the binary, from outside), and
  - by the independent reading below: regular expressions written from the formats' descriptions
    (RFC 3164 §4.1.3, syslogd's and macOS's file formats), sharing no code with the parser;
and the two are compared on HOSTNAME, TAG, PID and MSG. MSG is compared without trailing
whitespace (trailers such as CR are not part of a message; the parser drops them), otherwise
byte for byte.

The independent reading of the part after HOSTNAME:
  TAG[PID] (SUBSYSTEM): MSG   macOS; SUBSYSTEM is header (the launchd job, the sandboxed pid)
  TAG[PID]: MSG               TAG one word, or a name with single spaces up to 48 bytes
                              (`Microsoft Word[1234]:`) — only before `[digits]:`
  TAG[PID] MSG                no colon after the PID
  TAG: MSG                    TAG one word
  MSG                         anything else has no TAG
MSG starts after the header and the spaces that follow it. A line without a timestamp has no
header: all MSG.

Usage: check_bsd_fields.py VIGIL FILE... [--min 0.99] [--show 5]
Prints the agreement per file and per field, with examples of disagreement; exits 1 when a file
agrees on fewer than --min of its lines.
"""
import argparse
import json
import os
import re
import subprocess
import sys

MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
BSD_TIME = rf"(?:{MONTHS}) [ 0-9]?[0-9](?: [0-9]{{4}})? [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:\.[0-9]+)?"
ISO_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
HEADER = re.compile(rf"^(?:<[0-9]{{1,3}}>)?(?:{BSD_TIME}|{ISO_TIME})[ \t]+(?P<host>[^ \t]+)(?:[ \t]+(?P<rest>.*))?$", re.I)

WORD_TAG = r"[^ \t\[\]:]+"
SPACED_TAG = r"[^ \t\[\]:\x00-\x1f](?:[^\[\]:\x00-\x1f ]| (?! ))*"  # single spaces, no `[`, `]`, `:`
SUBSYSTEM = re.compile(rf"^(?P<tag>{WORD_TAG}|{SPACED_TAG})\[(?P<pid>[0-9]+)\] \((?P<sub>[^\x00-\x1f]+?)\):(?P<msg>.*)$")
TAG_PID_COLON = re.compile(rf"^(?P<tag>{WORD_TAG})\[(?P<pid>[^\] ]+)\]:(?P<msg>.*)$")
SPACED_TAG_PID = re.compile(rf"^(?P<tag>{SPACED_TAG})\[(?P<pid>[0-9]+)\]:(?P<msg>.*)$")
TAG_PID = re.compile(rf"^(?P<tag>{WORD_TAG})\[(?P<pid>[^\] ]+)\](?P<msg>.*)$")
TAG_COLON = re.compile(rf"^(?P<tag>{WORD_TAG}):(?P<msg>.*)$")


def after_spaces(text):
    """MSG after the header: the spaces that separate it from the TAG are not part of it."""
    return text.lstrip(" \t")


def balanced(text):
    depth = 0
    for c in text:
        depth += c == "("
        depth -= c == ")"
        if depth < 0:
            return False
    return depth == 0


def reading(line):
    """(hostname, tag, pid, msg) of one line, read independently of the parser."""
    header = HEADER.match(line)
    if not header:
        return None, None, None, line.strip() or None
    host, rest = header.group("host"), (header.group("rest") or "")
    m = SUBSYSTEM.match(rest)
    if m and balanced(m.group("sub")) and len(m.group("tag")) <= 128 and len(m.group("sub")) <= 254 \
            and (" " not in m.group("tag") or len(m.group("tag")) <= 48):
        return host, m.group("tag"), m.group("pid"), after_spaces(m.group("msg"))
    for pattern in (TAG_PID_COLON, SPACED_TAG_PID, TAG_PID, TAG_COLON):
        m = pattern.match(rest)
        if not m:
            continue
        tag = m.group("tag")
        if len(tag) > (48 if " " in tag else 128):
            continue
        pid = m.groupdict().get("pid")
        return host, tag, pid, after_spaces(m.group("msg"))
    return host, None, None, rest


def normalise_msg(msg):
    if msg is None:
        return None
    msg = msg.rstrip(" \t\r\n\x00")
    return msg or None


def vigil_parse(binary, lines):
    data = "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")
    proc = subprocess.run([binary, "parse", "--framing", "line", "--timezone", "UTC"], input=data,
                          capture_output=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"vigil parse exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    out = [json.loads(text) for text in proc.stdout.decode("utf-8").splitlines()]
    if len(out) != len(lines):
        raise RuntimeError(f"{len(lines)} lines in, {len(out)} records out")
    return out


FIELDS = ("hostname", "app_name", "procid", "msg")


def check(binary, path, show):
    with open(path, "rb") as f:
        lines = [raw.decode("utf-8", "surrogateescape").rstrip("\r\n") for raw in f.read().split(b"\n")]
    lines = [line for line in lines if line.strip()]
    records = vigil_parse(binary, lines)
    agree = 0
    per_field = {field: 0 for field in FIELDS}
    examples = []
    for line, record in zip(lines, records):
        want = reading(line)
        if "error" in record:
            got = ("<error>",) * 4
        else:
            got = tuple(record.get(field) for field in FIELDS)
        want = want[:3] + (normalise_msg(want[3]),)
        got = got[:3] + (normalise_msg(got[3]),)
        differing = [field for field, w, g in zip(FIELDS, want, got) if w != g]
        if not differing:
            agree += 1
            continue
        for field in differing:
            per_field[field] += 1
        if len(examples) < show:
            examples.append((line, {f: (w, g) for f, w, g in zip(FIELDS, want, got) if f in differing}))
    share = agree / len(lines) if lines else 1.0
    fields = ", ".join(f"{field} {per_field[field]}" for field in FIELDS)
    print(f"{os.path.basename(path)}: {agree} of {len(lines)} lines agree ({share:.2%}); disagreements by field: {fields}")
    for line, diff in examples:
        print(f"  {line[:160]!r}")
        for field, (want, got) in diff.items():
            print(f"      {field}: reading {want!r}, vigil {got!r}")
    return share


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", help="the vigil executable")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--min", type=float, default=0.99, help="fail when a file agrees on fewer lines than this share")
    ap.add_argument("--show", type=int, default=5, help="examples of disagreement to print per file")
    args = ap.parse_args()
    shares = [check(args.binary, path, args.show) for path in args.files]
    sys.exit(0 if all(share >= args.min for share in shares) else 1)


if __name__ == "__main__":
    main()
