#!/usr/bin/env python3
"""Writes a large mixed corpus of message texts (one per line, no syslog header) for the
template miner benchmark: many message families from different kinds of systems, with
randomised variables (numbers, addresses, ids, paths, user and host names), interleaved.

usage: make_corpus.py OUT [--lines N] [--seed S] [--tsv-dir DIR] [--real-share F]

With --tsv-dir, the Content fields of the `<Name>.tsv` files there (Loghub-style samples) are
mixed in too (a share F of the lines, default 0.5), their digits re-randomised, so real message
shapes are part of the load.
Deterministic for a given seed.
"""
import argparse, os, random, re

USERS = ['root', 'admin', 'oracle', 'guest', 'test', 'postgres', 'www-data', 'alice', 'bob', 'deploy']
HOSTS = ['db', 'api', 'cache', 'web', 'mq', 'auth', 'search', 'batch']
WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel']


def ip(r):
    return f'{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}'


def uuid(r):
    h = '%032x' % r.getrandbits(128)
    return f'{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}'


def host(r):
    return f'{r.choice(HOSTS)}-{r.randint(1, 40)}.prod.example.net'


def path(r):
    return '/' + '/'.join(r.choice(WORDS) for _ in range(r.randint(2, 5))) + f'/{r.randint(1, 9999)}.log'


FAMILIES = [
    lambda r: f'Accepted password for {r.choice(USERS)} from {ip(r)} port {r.randint(1024, 65535)} ssh2',
    lambda r: f'Failed password for invalid user {r.choice(USERS)} from {ip(r)} port {r.randint(1024, 65535)} ssh2',
    lambda r: f'Connection closed by {ip(r)} port {r.randint(1024, 65535)} [preauth]',
    lambda r: f'pam_unix(sshd:session): session opened for user {r.choice(USERS)} by (uid={r.randint(0, 1000)})',
    lambda r: f'Received block blk_{r.getrandbits(62) - 2**61} of size {r.randint(1, 2**26)} from /{ip(r)}',
    lambda r: f'PacketResponder {r.randint(0, 2)} for block blk_{r.getrandbits(62)} terminating',
    lambda r: f'BLOCK* NameSystem.addStoredBlock: blockMap updated: {ip(r)}:50010 is added to blk_{r.getrandbits(60)} size {r.randint(1, 2**26)}',
    lambda r: f'{ip(r)} "GET /v2/{uuid(r)}/servers/detail HTTP/1.1" status: 200 len: {r.randint(200, 5000)} time: {r.random():.7f}',
    lambda r: f'[instance: {uuid(r)}] VM {r.choice(["Started", "Stopped", "Paused", "Resumed"])} (Lifecycle Event)',
    lambda r: f'Took {r.random() * 10:.2f} seconds to build instance.',
    lambda r: f'workerEnv.init() ok {path(r)}',
    lambda r: f'mod_jk child workerEnv in error state {r.randint(1, 9)}',
    lambda r: f'Connection timed out after {r.randint(1, 60000)} ms to {host(r)}:{r.randint(1, 65535)}',
    lambda r: f'user={r.choice(USERS)} action=login result={r.choice(["ok", "denied"])} latency_ms={r.randint(1, 900)}',
    lambda r: f'Database connection timeout after {r.randint(1, 30)}s (pool={r.choice(WORDS)}, active={r.randint(0, 50)})',
    lambda r: f'kernel: [{r.random() * 1e5:.6f}] eth{r.randint(0, 3)}: link up, {r.choice([100, 1000, 10000])}Mbps, full-duplex',
    lambda r: f'Out of memory: Killed process {r.randint(100, 99999)} ({r.choice(WORDS)}) total-vm:{r.randint(1, 10**7)}kB',
    lambda r: f'{host(r)}:{r.randint(1, 65535)} open through proxy proxy.example.net:5070 HTTPS',
    lambda r: f'{host(r)}:443 close, {r.randint(0, 10**6)} bytes sent, {r.randint(0, 10**6)} bytes received, lifetime 00:{r.randint(0, 59):02d}',
    lambda r: f'onStandStepChanged {r.randint(1, 9999)}',
    lambda r: f'setTodayTotalDetailSteps={r.getrandbits(40)}##{r.randint(1, 9999)}##{r.randint(1, 10**6)}',
    lambda r: f'Registering block manager {host(r)}:{r.randint(1024, 65535)} with {r.random() * 100:.1f} GB RAM, BlockManagerId({r.randint(0, 9)}, {host(r)}, {r.randint(1024, 65535)})',
    lambda r: f'Task {r.randint(0, 999)} in stage {r.randint(0, 99)}.0 finished in {r.randint(1, 9999)} ms on {host(r)} (executor {r.randint(1, 9)}) ({r.randint(1, 99)}/{r.randint(100, 200)})',
    lambda r: f'Payment {uuid(r)} for order {r.randint(10**5, 10**6)} failed: card declined (code {r.choice(["05", "51", "54"])})',
    lambda r: f'GET {path(r)} 404 {r.randint(100, 900)}us',
    lambda r: f'Unable to open {path(r)}: No such file or directory',
    lambda r: f'CPU{r.randint(0, 63)}: Core temperature above threshold, cpu clock throttled (total events = {r.randint(1, 99999)})',
    lambda r: f'generating core.{r.randint(1, 9999)}',
    lambda r: f'ciod: failed to read message prefix on control stream (CioStream socket to {ip(r)}:{r.randint(1024, 65535)}',
    lambda r: f'Starting {r.choice(WORDS)}.service - {r.choice(WORDS).title()} daemon...',
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('out')
    parser.add_argument('--lines', type=int, default=200_000)
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--tsv-dir')
    parser.add_argument('--real-share', type=float, default=0.5)
    args = parser.parse_args()
    r = random.Random(args.seed)
    real = []
    if args.tsv_dir and os.path.isdir(args.tsv_dir):
        for name in sorted(os.listdir(args.tsv_dir)):
            if name.endswith('.tsv'):
                with open(os.path.join(args.tsv_dir, name), encoding='utf-8', errors='replace') as f:
                    real += [line.rstrip('\n').split('\t', 1)[1] for line in f if '\t' in line]
    digit = re.compile(r'\d')
    with open(args.out, 'w', encoding='utf-8') as out:
        for _ in range(args.lines):
            if real and r.random() < args.real_share:
                line = digit.sub(lambda _: str(r.randint(0, 9)), r.choice(real))
            else:
                line = r.choice(FAMILIES)(r)
            out.write(line.replace('\n', ' ') + '\n')


if __name__ == '__main__':
    main()
