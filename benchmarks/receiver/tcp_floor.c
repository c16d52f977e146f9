/* The TCP floor: one epoll thread that reads and only counts RFC 6587 octet-counted frames.
 *
 *   tcp_floor -p PORT -n COUNT [-i IDLE_MS] [-a ADDR]
 *
 * Accepts connections on ADDR:PORT (default 127.0.0.1), reads 256 KiB at a time and counts
 * "LEN SP MSG" frames incrementally (a frame cut across reads is counted once complete); closes
 * a connection at EOF. Exits once COUNT frames arrived and every connection is closed, or IDLE_MS
 * (default 1000) after the last byte (30 s before the first).
 * Prints "listening" on stderr once it listens, then on stdout:
 *   received=N bad_frames=B cpu_s=C first_to_last_s=S
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXFD 4096

struct conn { long need; long len; int in_len; }; /* need > 0: bytes of MSG still to skip */
static struct conn conns[MAXFD];

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    const char *addr = "127.0.0.1";
    int port = 0;
    long count = 0, idle_ms = 1000;
    for (int c; (c = getopt(argc, argv, "p:n:i:a:")) != -1;) {
        switch (c) {
        case 'p': port = atoi(optarg); break;
        case 'n': count = atol(optarg); break;
        case 'i': idle_ms = atol(optarg); break;
        case 'a': addr = optarg; break;
        default: goto usage;
        }
    }
    if (port <= 0 || count <= 0) {
    usage:
        fprintf(stderr, "usage: tcp_floor -p PORT -n COUNT [-i IDLE_MS] [-a ADDR]\n");
        return 2;
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 128) < 0) { perror("bind/listen"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    fprintf(stderr, "listening\n");

    static char buf[256 * 1024];
    long received = 0, bad = 0, open_conns = 0, accepted = 0;
    double first = 0, last = 0;
    struct epoll_event evs[64];
    while (received < count || open_conns > 0) {
        int n = epoll_wait(ep, evs, 64, accepted ? (int)idle_ms : 30000);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* idle */
        for (int e = 0; e < n; e++) {
            int fd = evs[e].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAXFD) { close(c); continue; }
                    conns[c] = (struct conn){0};
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                    open_conns++;
                    accepted++;
                }
                continue;
            }
            struct conn *k = &conns[fd];
            for (;;) {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r < 0 && errno == EINTR) continue;
                if (r < 0) break; /* EAGAIN: drained for now */
                if (r == 0) { close(fd); open_conns--; break; }
                if (first == 0) first = now_s();
                last = now_s();
                for (ssize_t i = 0; i < r;) {
                    if (k->need > 0) { /* inside a MSG: skip it whole */
                        long take = r - i < k->need ? (long)(r - i) : k->need;
                        i += take;
                        if ((k->need -= take) == 0) received++;
                        continue;
                    }
                    char ch = buf[i++];
                    if (ch >= '0' && ch <= '9') { k->len = k->len * 10 + (ch - '0'); k->in_len = 1; }
                    else if (ch == ' ' && k->in_len && k->len > 0) { k->need = k->len; k->len = 0; k->in_len = 0; }
                    else { bad++; k->len = 0; k->in_len = 0; }
                }
            }
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("received=%ld bad_frames=%ld cpu_s=%.4f first_to_last_s=%.3f\n", received, bad, cpu, last - first);
    return 0;
}
