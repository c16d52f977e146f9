/* TCP syslog load: a file of RFC 6587 octet-counted frames, written as fast as the kernel takes
 * it over C parallel connections with sendfile(2).
 *
 *   tcp_sender -f FILE -p PORT [-c CONNS] [-a ADDR] [-t DRAIN_TIMEOUT_S]
 *
 * The file is cut into CONNS contiguous slices on frame boundaries (equal message counts); each
 * connection sends its slice from its own thread. All connections are opened before the clock
 * starts. After its slice, a connection shuts down its sending side and waits (at most
 * DRAIN_TIMEOUT_S, default 60) for the receiver to close: a receiver closes after it has read
 * every byte, so that wait tells when the data was consumed, not only queued in the kernel.
 *
 * Prints one line:
 *   messages=N bytes=B conns=C send_s=S drain_s=D start=T cpu_s=U
 * send_s: until the kernel had taken the last byte of every slice; drain_s: until the receiver
 * had closed every connection (-1 when one did not close in time); T: the CLOCK_MONOTONIC second
 * the clock started; U: the sender's own user+system CPU time.
 */
#define _GNU_SOURCE
#include "frames.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

struct conn {
    int sock, file;
    off_t from, to;
    double start, sent_at, closed_at; /* closed_at < 0: receiver did not close in time */
    pthread_barrier_t *go;
    int timeout_s;
};

static void *run(void *arg) {
    struct conn *c = arg;
    pthread_barrier_wait(c->go);
    off_t off = c->from;
    while (off < c->to) {
        ssize_t n = sendfile(c->sock, c->file, &off, (size_t)(c->to - off));
        if (n < 0 && errno != EINTR && errno != EAGAIN) { perror("sendfile"); exit(1); }
        if (n == 0) { fprintf(stderr, "sendfile: unexpected end of file\n"); exit(1); }
    }
    c->sent_at = now_s();
    shutdown(c->sock, SHUT_WR);
    struct timeval tv = {.tv_sec = c->timeout_s};
    setsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    c->closed_at = -1;
    for (;;) {
        ssize_t n = read(c->sock, buf, sizeof buf);
        if (n > 0) continue; /* a receiver has no reason to answer; ignore it */
        if (n == 0 || errno == ECONNRESET) c->closed_at = now_s();
        else if (errno == EINTR) continue;
        break;
    }
    close(c->sock);
    return NULL;
}

int main(int argc, char **argv) {
    struct sender_options o = sender_options(argc, argv, "tcp_sender", 0);
    const char *file = o.file, *addr = o.addr;
    int port = o.port, conns = o.conns, timeout_s = o.timeout_s;

    struct frames fr;
    frames_load(&fr, file, 0);
    if ((size_t)conns > fr.count) conns = (int)fr.count;
    int fd = open(file, O_RDONLY);
    if (fd < 0) { perror(file); return 2; }

    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", addr); return 2; }

    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, (unsigned)conns + 1);
    struct conn *cs = calloc((size_t)conns, sizeof *cs);
    pthread_t *th = calloc((size_t)conns, sizeof *th);
    for (int i = 0; i < conns; i++) {
        size_t from, to;
        frames_slice(&fr, i, conns, &from, &to);
        cs[i].from = (off_t)from;
        cs[i].to = (off_t)to;
        cs[i].file = fd;
        cs[i].go = &go;
        cs[i].timeout_s = timeout_s;
        cs[i].sock = socket(AF_INET, SOCK_STREAM, 0);
        if (cs[i].sock < 0 || connect(cs[i].sock, (struct sockaddr *)&dst, sizeof dst) < 0) {
            perror("connect");
            return 1;
        }
        pthread_create(&th[i], NULL, run, &cs[i]);
    }
    double start = now_s();
    pthread_barrier_wait(&go);
    struct finish done = {0, 0};
    for (int i = 0; i < conns; i++) {
        pthread_join(th[i], NULL);
        finish_add(&done, cs[i].sent_at, cs[i].closed_at);
    }
    print_result(&fr, conns, start, done);
    return 0;
}
