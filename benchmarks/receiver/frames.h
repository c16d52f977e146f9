/* Shared by the senders: map a file of RFC 6587 octet-counted frames ("LEN SP MSG"...)
 * and find the message boundaries. */
#ifndef FRAMES_H
#define FRAMES_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct frames {
    const char *data;  /* the whole file, mapped read-only */
    size_t size;
    struct iovec *msg; /* MSG of each frame (without "LEN SP") */
    size_t *end;       /* offset just past each frame in the file */
    size_t count;
};

static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* User+system CPU seconds of this process so far. */
static inline double cpu_self(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* The frames [first, last) of connection I of N (equal message counts, cut on frame
 * boundaries), as byte offsets into the file: [*from, *to). */
static inline void frames_slice(const struct frames *f, int i, int n, size_t *from, size_t *to) {
    size_t first = f->count * (size_t)i / (size_t)n, last = f->count * (size_t)(i + 1) / (size_t)n;
    *from = first == 0 ? 0 : f->end[first - 1];
    *to = f->end[last - 1];
}

/* When the connections finished: the latest sent_at, and the latest closed_at (or -1 when one
 * did not close in time), folded in connection by connection. */
struct finish { double sent_at, closed_at; };

static inline void finish_add(struct finish *f, double sent_at, double closed_at) {
    if (sent_at > f->sent_at) f->sent_at = sent_at;
    if (f->closed_at >= 0) f->closed_at = closed_at < 0 ? -1 : (closed_at > f->closed_at ? closed_at : f->closed_at);
}

/* The senders' one line of output. */
static inline void print_result(const struct frames *f, int conns, double start, struct finish done) {
    printf("messages=%zu bytes=%zu conns=%d send_s=%.3f drain_s=%.3f start=%.6f cpu_s=%.3f\n", f->count,
           (size_t)f->end[f->count - 1], conns, done.sent_at - start, done.closed_at < 0 ? -1.0 : done.closed_at - start,
           start, cpu_self());
}

/* The senders' command line: -f FILE -p PORT [-n MESSAGES] [-c CONNS] [-a ADDR] [-t DRAIN_TIMEOUT_S]
 * (-n only where `with_limit`). Exits with the usage line on a bad one. */
struct sender_options {
    const char *file, *addr;
    int port, conns, timeout_s;
    size_t limit; /* 0 = every frame */
};

static inline struct sender_options sender_options(int argc, char **argv, const char *name, int with_limit) {
    struct sender_options o = {.file = NULL, .addr = "127.0.0.1", .port = 0, .conns = 1, .timeout_s = 60, .limit = 0};
    for (int c; (c = getopt(argc, argv, with_limit ? "f:p:n:c:a:t:" : "f:p:c:a:t:")) != -1;) {
        switch (c) {
        case 'f': o.file = optarg; break;
        case 'p': o.port = atoi(optarg); break;
        case 'n': o.limit = (size_t)atol(optarg); break;
        case 'c': o.conns = atoi(optarg); break;
        case 'a': o.addr = optarg; break;
        case 't': o.timeout_s = atoi(optarg); break;
        default: o.file = NULL; break;
        }
    }
    if (!o.file || o.port <= 0 || o.conns < 1 || o.conns > 256) {
        fprintf(stderr, "usage: %s -f FILE -p PORT%s [-c CONNS] [-a ADDR] [-t DRAIN_TIMEOUT_S]\n", name,
                with_limit ? " [-n MESSAGES]" : "");
        exit(2);
    }
    return o;
}

/* Maps PATH and indexes at most MAX frames (0 = all). Exits on a malformed file. */
static inline void frames_load(struct frames *f, const char *path, size_t max) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) { perror(path); exit(2); }
    f->size = (size_t)st.st_size;
    f->data = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (f->data == MAP_FAILED) { perror("mmap"); exit(2); }
    close(fd);
    size_t cap = 1 << 16;
    f->msg = malloc(cap * sizeof *f->msg);
    f->end = malloc(cap * sizeof *f->end);
    f->count = 0;
    size_t pos = 0;
    while (pos < f->size && (max == 0 || f->count < max)) {
        size_t len = 0, p = pos;
        while (p < f->size && f->data[p] >= '0' && f->data[p] <= '9') len = len * 10 + (size_t)(f->data[p++] - '0');
        if (p == pos || p >= f->size || f->data[p] != ' ' || p + 1 + len > f->size) {
            fprintf(stderr, "%s: bad octet-counted frame at offset %zu\n", path, pos);
            exit(2);
        }
        if (f->count == cap) {
            cap *= 2;
            f->msg = realloc(f->msg, cap * sizeof *f->msg);
            f->end = realloc(f->end, cap * sizeof *f->end);
        }
        f->msg[f->count].iov_base = (void *)(f->data + p + 1);
        f->msg[f->count].iov_len = len;
        pos = p + 1 + len;
        f->end[f->count++] = pos;
    }
    if (f->count == 0) { fprintf(stderr, "%s: no frames\n", path); exit(2); }
}

#endif
