#!/usr/bin/env python3
"""Grouping accuracy (GA) of `vigil templates --raw` on Loghub-style labelled message sets.

usage: grouping_accuracy.py DIR [--vigil PATH] [--drain3] [--show NAME]

DIR holds one `<Name>.tsv` per data set, lines `EventId<TAB>Content`. For each, the contents
are written to a temporary file, `vigil templates --raw` runs on it, and GA is computed:
a message counts as correct when the set of lines sharing its predicted template id is exactly
the set of lines sharing its ground-truth EventId; GA = correct / total. Prints GA per data set
and the average. `--drain3` also runs drain3 (default settings) on the same lines, side by side.
`--show NAME` lists the wrongly grouped ground-truth groups of one data set.
"""
import argparse, collections, json, os, subprocess, sys, tempfile


def grouping_accuracy(truth, predicted):
    by_truth = collections.defaultdict(list)
    by_pred = collections.defaultdict(list)
    for i, (t, p) in enumerate(zip(truth, predicted)):
        by_truth[t].append(i)
        by_pred[p].append(i)
    correct = 0
    wrong = []
    for t, lines in by_truth.items():
        preds = {predicted[i] for i in lines}
        if len(preds) == 1 and len(by_pred[next(iter(preds))]) == len(lines):
            correct += len(lines)
        else:
            wrong.append((t, lines, preds))
    return correct / len(truth), wrong, by_pred


def load(path):
    truth, contents = [], []
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if '\t' not in line:
                continue
            event, content = line.split('\t', 1)
            truth.append(event)
            contents.append(content.replace('\r', ' '))
    return truth, contents


def run_vigil(vigil, contents):
    with tempfile.NamedTemporaryFile('w', encoding='utf-8', suffix='.log', delete=False) as f:
        f.write(''.join(c + '\n' for c in contents))
        name = f.name
    try:
        out = subprocess.run([vigil, 'templates', '--raw', name], check=True, capture_output=True).stdout
    finally:
        os.unlink(name)
    rows = [json.loads(line) for line in out.decode('utf-8').splitlines()]
    assert len(rows) == len(contents), (len(rows), len(contents))
    assert [r['line'] for r in rows] == list(range(1, len(rows) + 1))
    return [r['template_id'] for r in rows], {r['template_id']: r['template'] for r in rows}


def run_drain3(contents):
    from drain3 import TemplateMiner
    miner = TemplateMiner()
    ids = [miner.add_log_message(c)['cluster_id'] for c in contents]
    texts = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    return ids, texts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('dir')
    parser.add_argument('--vigil', default=os.path.join('.build-release', 'release', 'vigil'))
    parser.add_argument('--drain3', action='store_true')
    parser.add_argument('--show')
    args = parser.parse_args()
    names = sorted(f[:-4] for f in os.listdir(args.dir) if f.endswith('.tsv'))
    if not names:
        sys.exit(f'no .tsv files in {args.dir}')
    totals = collections.defaultdict(list)
    header = f"{'data set':<12} {'lines':>6} {'vigil GA':>9}" + (f" {'drain3 GA':>10}" if args.drain3 else '')
    print(header)
    for name in names:
        truth, contents = load(os.path.join(args.dir, name + '.tsv'))
        if not truth:
            continue
        ids, texts = run_vigil(args.vigil, contents)
        ga, wrong, by_pred = grouping_accuracy(truth, ids)
        totals['vigil'].append(ga)
        row = f'{name:<12} {len(truth):>6} {ga:>9.3f}'
        if args.drain3:
            d_ids, _ = run_drain3(contents)
            d_ga, _, _ = grouping_accuracy(truth, d_ids)
            totals['drain3'].append(d_ga)
            row += f' {d_ga:>10.3f}'
        print(row)
        if args.show == name:
            for t, lines, preds in sorted(wrong, key=lambda w: -len(w[1])):
                print(f'  truth {t} ({len(lines)} lines) -> {len(preds)} template(s)')
                for p in preds:
                    print(f'    {p} ({len(by_pred[p])} lines) {texts[p]}')
                for i in lines[:3]:
                    print(f'      e.g. {contents[i]}')
    row = f"{'average':<12} {'':>6} {sum(totals['vigil']) / len(totals['vigil']):>9.4f}"
    if args.drain3:
        row += f" {sum(totals['drain3']) / len(totals['drain3']):>10.4f}"
    print(row)


if __name__ == '__main__':
    main()
