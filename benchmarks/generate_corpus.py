#!/usr/bin/env python3
"""Writes benchmark corpora of realistic syslog lines (deterministic, seeded).

  generate_corpus.py rfc5424 N OUT   — RFC 5424 lines of about 165 bytes (NIL fields, SD, escapes)
  generate_corpus.py rfc3164 N OUT   — RFC 3164 lines: Linux daemons, Cisco IOS, Cisco ASA, no-PRI
  generate_corpus.py mutate  N OUT   — N lines of either, each randomly mutated (bytes flipped,
                                       inserted, deleted; never LF) — for the robustness check
"""
import random
import sys

HOSTS = ["web01", "web02.prod.example.com", "db-primary", "10.20.30.40", "edge-fw-1", "k8s-node-17"]
APPS = ["payment-api", "nginx", "postgres", "auth-service", "checkout", "sshd", "kubelet", "cron"]
MSGS = [
    "Database connection timeout after {n}ms (pool=main host=db-primary)",
    "GET /api/v1/orders/{n} HTTP/1.1 200 {m} 0.0{k}s",
    "User {n} logged in from 192.168.{k}.{m}",
    "Retrying request {n} of 5 to upstream checkout:8080",
    "Cache miss ratio {k}.{m}% over last 60s, evictions={n}",
    "Payment {n} declined: insufficient funds (code={k})",
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def text(r):
    return r.choice(MSGS).format(n=r.randint(1, 99999), m=r.randint(1, 999), k=r.randint(0, 9))


def rfc5424(r):
    pri = r.randint(0, 191)
    frac = "." + str(r.randint(0, 999999)).zfill(6) if r.random() < 0.7 else ""
    off = r.choice(["Z", "+00:00", "+02:00", "-05:00"])
    ts = f"2024-05-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}{frac}{off}"
    if r.random() < 0.05:
        ts = "-"
    procid = str(r.randint(1, 65535)) if r.random() < 0.8 else "-"
    msgid = r.choice(["-", "ID47", "REQ", "AUDIT"])
    sd = "-"
    roll = r.random()
    if roll < 0.4:
        sd = f'[meta@32473 seq="{r.randint(1, 10**6)}" region="eu-west-1"]'
    elif roll < 0.5:
        sd = f'[origin ip="10.0.{r.randint(0, 255)}.{r.randint(0, 255)}"][x@1 q="a \\"quoted\\" \\] v"]'
    return f"<{pri}>1 {ts} {r.choice(HOSTS)} {r.choice(APPS)} {procid} {msgid} {sd} {text(r)} trace={r.getrandbits(64):016x}"


def bsd_ts(r, year=False, msec=False):
    day = r.randint(1, 28)
    y = f" {r.randint(2020, 2024)}" if year else ""
    ms = f".{r.randint(0, 999):03d}" if msec else ""
    return f"{r.choice(MONTHS)} {day:2d}{y} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}{ms}"


def rfc3164(r):
    pri = r.randint(0, 191)
    kind = r.random()
    if kind < 0.45:  # Linux daemons via rsyslog
        tag = r.choice(["sshd", "CRON", "kernel", "postfix/smtpd", "systemd", "nginx"])
        pid = f"[{r.randint(1, 65535)}]" if r.random() < 0.7 else ""
        return f"<{pri}>{bsd_ts(r)} {r.choice(HOSTS)} {tag}{pid}: {text(r)}"
    if kind < 0.65:  # Cisco IOS
        mark = r.choice(["*", ".", ""])
        mnemonic = r.choice(["%SYS-5-CONFIG_I", "%LINK-3-UPDOWN", "%LINEPROTO-5-UPDOWN", "%SEC-6-IPACCESSLOGP"])
        return (f"<{pri}>{r.randint(1, 999999)}: {mark}{bsd_ts(r, year=r.random() < 0.3, msec=True)}: "
                f"{mnemonic}: Interface GigabitEthernet0/{r.randint(0, 48)}, changed state to down")
    if kind < 0.85:  # Cisco ASA
        code = r.choice(["%ASA-6-302013", "%ASA-4-106023", "%ASA-6-305011", "%ASA-3-710003"])
        body = (f"Built outbound TCP connection {r.randint(1, 10**8)} for outside:203.0.113.{r.randint(1, 254)}/443 "
                f"(203.0.113.9/443) to inside:10.1.{r.randint(0, 255)}.{r.randint(1, 254)}/{r.randint(1024, 65535)}")
        if r.random() < 0.3:
            return f"<{pri}>{code}: {body}"
        return f"<{pri}>{bsd_ts(r, year=True)} edge-fw-1 : {code}: {body}"
    if kind < 0.95:  # ISO timestamp in the 3164 slot (RSYSLOG_ForwardFormat)
        return f"<{pri}>2024-05-14T09:21:{r.randint(0, 59):02d}.{r.randint(0, 999999):06d}+00:00 {r.choice(HOSTS)} {r.choice(APPS)}: {text(r)}"
    return f"{bsd_ts(r)} {r.choice(HOSTS)} {r.choice(APPS)}: {text(r)}"  # no PRI


def mutate(r, line):
    b = bytearray(line.encode())
    for _ in range(r.randint(1, 4)):
        op = r.random()
        pos = r.randrange(len(b) + 1)
        byte = r.choice([x for x in range(256) if x != 0x0A])
        if op < 0.4 and pos < len(b):
            b[pos] = byte
        elif op < 0.7:
            b.insert(pos, byte)
        elif pos < len(b) and len(b) > 1:
            del b[pos]
    return bytes(b)


def main():
    kind, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    r = random.Random(5424 if kind == "rfc5424" else 3164 if kind == "rfc3164" else 6587)
    with open(out, "wb") as f:
        for _ in range(count):
            if kind == "rfc5424":
                f.write(rfc5424(r).encode() + b"\n")
            elif kind == "rfc3164":
                f.write(rfc3164(r).encode() + b"\n")
            else:
                line = rfc5424(r) if r.random() < 0.5 else rfc3164(r)
                f.write(mutate(r, line) + b"\n")


if __name__ == "__main__":
    main()
