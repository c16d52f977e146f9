#!/usr/bin/env python3
"""drain3 (default settings) over a file of message texts, the way `vigil templates --raw` runs:
one cluster id per line to standard output, a summary on standard error.

usage: drain3_run.py FILE
"""
import sys, time
from drain3 import TemplateMiner

start = time.perf_counter()
miner = TemplateMiner()
out = sys.stdout
lines = 0
with open(sys.argv[1], encoding='utf-8', errors='replace') as f:
    for line in f:
        result = miner.add_log_message(line.rstrip('\n'))
        lines += 1
        out.write(f'{{"line":{lines},"template_id":{result["cluster_id"]}}}\n')
elapsed = time.perf_counter() - start
print(f'{{"lines":{lines},"templates":{len(miner.drain.clusters)},"seconds":{elapsed:.3f},"lines_per_second":{int(lines / elapsed)}}}', file=sys.stderr)
