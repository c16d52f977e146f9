#!/usr/bin/env python3
"""Writes COUNT RFC 5424 messages, RFC 6587 octet-counted ("LEN SP MSG", no newline), to OUT.

    gen_frames.py COUNT OUT [WARN_PERCENT]

Realistic and deterministic: 16 hosts, 12 services with their own facility and message shapes;
WARN_PERCENT (default 12) of the messages are warnings or worse (warning, error and critical in
the proportions 7:4:1), the rest informational with some notices; microsecond UTC
timestamps 1 ms apart; a third carry structured data; every MSG ends with a trace id and seq=N
(N = 0..COUNT-1).
Messages are about 200 bytes. The same file feeds the TCP sender (as is) and the UDP sender
(one datagram per MSG).
"""
import sys
import time

HOSTS = [f"web-{i:02d}.prod.example.net" for i in range(6)] + [
    "db-primary", "db-replica-1", "k8s-node-07", "k8s-node-17", "edge-fw-1", "edge-fw-2",
    "cache-03", "batch-01", "10.20.30.40", "mail-gw"]
# service, facility, message templates (filled with a, b, c derived from the sequence number)
SERVICES = [
    ("nginx", 16, ["GET /api/v1/orders/{a} HTTP/1.1 200 {b} 0.0{c}s ua=\"Mozilla/5.0 (X11; Linux x86_64)\"",
                   "POST /api/v1/cart/{a}/items HTTP/1.1 201 {b} 0.1{c}s ua=\"okhttp/4.12.0\""]),
    ("payment-api", 16, ["Payment {a} authorized for customer {b} amount={c}.99 EUR via card gateway",
                         "Payment {a} declined: insufficient funds (code={c}) customer={b}"]),
    ("checkout", 16, ["Order {a} placed by customer {b}: {c} items, shipping=standard, warehouse=FRA-2",
                      "Cart {a} expired after 30m of inactivity, customer {b}, {c} items released"]),
    ("auth-service", 10, ["User {b} logged in from 192.168.{c}.{a3} with method=password mfa=totp",
                          "Failed login for user {b} from 203.0.113.{a3}: invalid credentials (attempt {c})"]),
    ("sshd", 4, ["Accepted publickey for deploy from 10.0.{c}.{a3} port {a} ssh2: ED25519 SHA256:abc{b}",
                 "Disconnected from authenticating user root 198.51.100.{a3} port {a} [preauth]"]),
    ("kubelet", 3, ["Pod default/api-{b}-7f9c8 container app restarted (exit code {c}), back-off 10s",
                    "Volume mount for pvc-{a} succeeded on node after {c}00 ms, pod batch/job-{b}"]),
    ("postgres", 16, ["duration: {c}.{a3} ms  statement: SELECT * FROM orders WHERE customer_id = {b}",
                      "checkpoint complete: wrote {a} buffers ({c}.1%); 0 WAL file(s) added, 1 recycled"]),
    ("cron", 9, ["(root) CMD (/usr/local/bin/rotate-logs --keep {c} --compress >/dev/null 2>&1) job={a}"]),
    ("haproxy", 16, ["10.1.{c}.{a3}:{a} [frontend~] be_api/srv{c} 0/0/1/{b}/{b} 200 1{a3} - - ---- 12/12/3/1/0"]),
    ("redis", 16, ["Background saving started by pid {a}; {b} changes in {c}0 seconds, RDB snapshot"]),
    ("order-worker", 16, ["Processed batch {a}: {b} messages in {c}{a3} ms, lag=0.{c}s partition={c}"]),
    ("kernel", 0, ["TCP: request_sock_TCP: Possible SYN flooding on port {a}. Sending cookies. count={b}",
                   "eth0: link up, 10000 Mbps, full-duplex, lpa 0x{a} rx_errors={c}"]),
]
def severities(warn_percent: int) -> list[int]:
    """100 slots. The default 12 % gives 80 info, 8 notice, 7 warning, 4 error, 1 critical."""
    p = max(0, min(100, warn_percent))
    warning, critical = round(p * 7 / 12), round(p / 12)
    error = p - warning - critical
    notice = round((100 - p) * 8 / 88)
    return [6] * (100 - p - notice) + [5] * notice + [4] * warning + [3] * error + [2] * critical

PROCIDS = ["-", "1042", "2231", "31337", "877"]
MSGIDS = ["-", "ID47", "REQ", "AUDIT"]
BASE = 1716371380  # 2024-05-22T09:49:40Z


def main() -> None:
    count, out = int(sys.argv[1]), sys.argv[2]
    table = severities(int(sys.argv[3]) if len(sys.argv) > 3 else 12)
    seconds: dict[int, str] = {}
    with open(out, "wb", buffering=1 << 20) as f:
        chunk = []
        for i in range(count):
            h = (i * 2654435761) & 0xFFFFFFFF  # cheap, deterministic scatter
            name, facility, shapes = SERVICES[h % len(SERVICES)]
            severity = table[(h >> 8) % 100]
            sec = BASE + i // 1000
            stamp = seconds.get(sec)
            if stamp is None:
                stamp = seconds[sec] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
            a, b, c = (h >> 4) % 90000 + 1000, (h >> 12) % 9000 + 100, (h >> 20) % 9 + 1
            msg = shapes[(h >> 16) % len(shapes)].format(a=a, b=b, c=c, a3=a % 250 + 1)
            sd = f'[meta@32473 seq="{i}" region="eu-west-1"]' if h % 3 == 0 else "-"
            line = (f"<{facility * 8 + severity}>1 {stamp}.{(i % 1000) * 1000 + h % 1000:06d}Z "
                    f"{HOSTS[(h >> 24) % len(HOSTS)]} {name} {PROCIDS[h % 5]} {MSGIDS[(h >> 3) % 4]} "
                    f"{sd} {msg} trace={h:08x}{i * 40503 & 0xFFFFFFFF:08x} seq={i}").encode()
            chunk.append(b"%d %s" % (len(line), line))
            if len(chunk) == 10000:
                f.write(b"".join(chunk))
                chunk.clear()
        f.write(b"".join(chunk))


if __name__ == "__main__":
    main()
