/* Paced UDP syslog load: the MSG part of each octet-counted frame of FILE is one datagram.
 *
 *   udp_sender -f FILE -p PORT -r RATE -n COUNT [-b BATCH] [-k FLOWS] [-a ADDR]
 *
 * Sends COUNT datagrams to ADDR:PORT (default 127.0.0.1) at RATE msgs/s (0 = as fast as
 * possible) with sendmmsg(2), BATCH datagrams per call (default 64). Pacing is by
 * CLOCK_MONOTONIC: batch k leaves at start + k*BATCH/RATE (clock_nanosleep until then; a late
 * batch leaves at once, so short stalls are caught up). FLOWS connected sockets (default 4,
 * distinct source ports) take the batches in turn, as several devices would, so that a
 * receiver with SO_REUSEPORT sockets can spread them. Messages are sent from the mapped file
 * without copying; past the end of the file they start over.
 *
 * Prints one line: sent=N errors=E seconds=S rate=R start=T cpu_s=C (R = achieved msgs/s; T = the
 * CLOCK_MONOTONIC second the first batch left; C = the sender's own user+system CPU time).
 */
#define _GNU_SOURCE
#include "frames.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
    const char *file = NULL, *addr = "127.0.0.1";
    int port = 0, batch = 64, flows = 4;
    double rate = 0;
    long count = 0;
    for (int c; (c = getopt(argc, argv, "f:p:r:n:b:k:a:")) != -1;) {
        switch (c) {
        case 'f': file = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 'n': count = atol(optarg); break;
        case 'b': batch = atoi(optarg); break;
        case 'k': flows = atoi(optarg); break;
        case 'a': addr = optarg; break;
        default: goto usage;
        }
    }
    if (!file || port <= 0 || count <= 0 || batch < 1 || batch > 1024 || flows < 1) {
    usage:
        fprintf(stderr, "usage: udp_sender -f FILE -p PORT -r RATE -n COUNT [-b BATCH] [-k FLOWS] [-a ADDR]\n");
        return 2;
    }

    struct frames fr;
    frames_load(&fr, file, (size_t)count);

    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", addr); return 2; }
    int *fds = calloc((size_t)flows, sizeof *fds);
    for (int i = 0; i < flows; i++) {
        int sndbuf = 4 << 20;
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        if (fds[i] < 0) { perror("socket"); return 1; }
        setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        if (connect(fds[i], (struct sockaddr *)&dst, sizeof dst) < 0) { perror("connect"); return 1; }
    }

    struct mmsghdr *mm = calloc((size_t)batch, sizeof *mm);
    long sent = 0, errors = 0, batches = 0;
    double start = now_s();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (sent < count) {
        if (rate > 0) { /* wait until this batch is due */
            double due = (double)sent / rate;
            struct timespec ts = t0;
            ts.tv_sec += (time_t)due;
            ts.tv_nsec += (long)((due - (double)(time_t)due) * 1e9);
            if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
        }
        int n = (int)(count - sent < batch ? count - sent : batch);
        for (int i = 0; i < n; i++) {
            mm[i].msg_hdr.msg_iov = &fr.msg[(size_t)(sent + i) % fr.count];
            mm[i].msg_hdr.msg_iovlen = 1;
        }
        int fd = fds[batches++ % flows];
        int done = 0;
        while (done < n) {
            int r = sendmmsg(fd, mm + done, (unsigned)(n - done), 0);
            if (r < 0) {
                if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) continue;
                /* ECONNREFUSED: an ICMP port-unreachable came back (nobody listening yet) */
                errors++;
                done++;
                continue;
            }
            done += r;
        }
        sent += n;
    }
    double secs = now_s() - start;
    printf("sent=%ld errors=%ld seconds=%.3f rate=%.0f start=%.6f cpu_s=%.3f\n", sent - errors, errors, secs,
           (double)(sent - errors) / secs, start, cpu_self());
    return 0;
}
