#!/usr/bin/env python3
"""Writes one libFuzzer seed per conformance case: the case's bytes behind the control byte that
selects its framing (see SyslogFuzzTarget.swift: control % 3 — 0 detect, 1 octet counting,
2 LF; control / 3 % 3 == 2 keeps the default maximum frame size; the chunk size and the time
zone vary from seed to seed).

Usage: seeds.py CASES_DIR OUT_DIR
"""
import base64
import glob
import hashlib
import json
import os
import sys

FRAMING = {"udp": 0, "octet": 1, "lf": 2}


def main():
    cases_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    written = 0
    for path in sorted(glob.glob(os.path.join(cases_dir, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                case = json.loads(line)
                raw = base64.b64decode(case["raw_b64"]) if "raw_b64" in case else case["raw"].encode("utf-8")
                # Chunk size (control / 9 % 8 + 1) varies with the case, so the seeds cut streams differently.
                chunk = written % 8
                zone = written // 8 % 2  # UTC or a zone with daylight-saving changes
                control = FRAMING[case["framing"]] + 3 * 2 + 9 * chunk + 72 * zone
                seed = bytes([control]) + raw
                name = hashlib.sha1(seed).hexdigest()
                with open(os.path.join(out_dir, name), "wb") as out:
                    out.write(seed)
                written += 1
    print(f"{written} seeds from {cases_dir}")


if __name__ == "__main__":
    main()
