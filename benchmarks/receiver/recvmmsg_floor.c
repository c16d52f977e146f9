/* The UDP floor: a bare recvmmsg(2) loop that only counts datagrams.
 *
 *   recvmmsg_floor -p PORT -n COUNT [-i IDLE_MS] [-a ADDR] [-b RCVBUF_BYTES]
 *
 * One socket on ADDR:PORT (default 127.0.0.1), SO_RCVBUFFORCE RCVBUF_BYTES (default 32 MiB;
 * SO_RCVBUF when not permitted), batches of 64 slots of 64 KiB with MSG_WAITFORONE. Exits once
 * COUNT datagrams arrived, or IDLE_MS (default 1000) after the last one (30 s before the first).
 * Prints "listening rcvbuf=GRANTED" on stderr once bound, then on stdout:
 *   received=N truncated=T cpu_s=C first_to_last_s=S
 * cpu_s is the process's user+system time (getrusage) over its whole life.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define SLOT (64 * 1024)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set_timeout(int fd, long ms) {
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

int main(int argc, char **argv) {
    const char *addr = "127.0.0.1";
    int port = 0, rcvbuf = 32 << 20;
    long count = 0, idle_ms = 1000;
    for (int c; (c = getopt(argc, argv, "p:n:i:a:b:")) != -1;) {
        switch (c) {
        case 'p': port = atoi(optarg); break;
        case 'n': count = atol(optarg); break;
        case 'i': idle_ms = atol(optarg); break;
        case 'a': addr = optarg; break;
        case 'b': rcvbuf = atoi(optarg); break;
        default: goto usage;
        }
    }
    if (port <= 0 || count <= 0) {
    usage:
        fprintf(stderr, "usage: recvmmsg_floor -p PORT -n COUNT [-i IDLE_MS] [-a ADDR] [-b RCVBUF_BYTES]\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("bind"); return 1; }
    int granted = 0;
    socklen_t gl = sizeof granted;
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &gl);
    fprintf(stderr, "listening rcvbuf=%d\n", granted);

    static char slots[BATCH][SLOT];
    struct iovec iov[BATCH];
    struct mmsghdr mm[BATCH] = {0};
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){slots[i], SLOT};
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    long received = 0, truncated = 0;
    double first = 0, last = 0;
    set_timeout(fd, 30000);
    while (received < count) {
        int n = recvmmsg(fd, mm, BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == EINTR) continue;
            break; /* EAGAIN: idle timeout */
        }
        if (received == 0) { first = now_s(); set_timeout(fd, idle_ms); }
        for (int i = 0; i < n; i++) truncated += (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
        received += n;
        last = now_s();
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("received=%ld truncated=%ld cpu_s=%.4f first_to_last_s=%.3f\n", received, truncated, cpu, last - first);
    return 0;
}
