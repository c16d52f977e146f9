/* TLS syslog load (RFC 5425): the first N RFC 6587 octet-counted frames of a file, written as
 * fast as the receiver takes them over C parallel TLS connections (OpenSSL, TLS 1.2+, the
 * library's default cipher: AES-256-GCM with TLS 1.3). Certificates are not verified: this
 * measures the receiver's cost, not trust.
 *
 *   tls_sender -f FILE -p PORT [-n MESSAGES] [-c CONNS] [-a ADDR] [-t DRAIN_TIMEOUT_S]
 *
 * As tcp_sender: the frames are cut into CONNS contiguous slices on frame boundaries; every
 * connection finishes its handshake before the clock starts; after its slice a connection sends
 * close_notify, shuts down its sending side and waits (at most DRAIN_TIMEOUT_S) for the receiver
 * to close, which tells when the data was consumed.
 *
 * Prints one line:
 *   messages=N bytes=B conns=C send_s=S drain_s=D start=T cpu_s=U
 */
#define _GNU_SOURCE
#include "frames.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

struct conn {
    int sock;
    SSL *ssl;
    const char *from, *to;
    double sent_at, closed_at; /* closed_at < 0: receiver did not close in time */
    pthread_barrier_t *go;
    int timeout_s;
};

static void *run(void *arg) {
    struct conn *c = arg;
    pthread_barrier_wait(c->go);
    const char *p = c->from;
    while (p < c->to) {
        size_t chunk = (size_t)(c->to - p) < 65536 ? (size_t)(c->to - p) : 65536;
        size_t written = 0;
        if (SSL_write_ex(c->ssl, p, chunk, &written) != 1) {
            ERR_print_errors_fp(stderr);
            fprintf(stderr, "SSL_write failed\n");
            exit(1);
        }
        p += written;
    }
    c->sent_at = now_s();
    SSL_shutdown(c->ssl);
    shutdown(c->sock, SHUT_WR);
    struct timeval tv = {.tv_sec = c->timeout_s};
    setsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    c->closed_at = -1;
    for (;;) {
        ssize_t n = read(c->sock, buf, sizeof buf);
        if (n > 0) continue; /* session tickets, the receiver's close_notify */
        if (n == 0 || errno == ECONNRESET) c->closed_at = now_s();
        else if (errno == EINTR) continue;
        break;
    }
    SSL_free(c->ssl);
    close(c->sock);
    return NULL;
}

int main(int argc, char **argv) {
    struct sender_options o = sender_options(argc, argv, "tls_sender", 1);
    const char *file = o.file, *addr = o.addr;
    int port = o.port, conns = o.conns, timeout_s = o.timeout_s;
    size_t limit = o.limit;
    struct frames fr;
    frames_load(&fr, file, limit);
    if ((size_t)conns > fr.count) conns = (int)fr.count;

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", addr); return 2; }
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, (unsigned)conns + 1);
    struct conn *cs = calloc((size_t)conns, sizeof *cs);
    pthread_t *th = calloc((size_t)conns, sizeof *th);
    for (int i = 0; i < conns; i++) {
        size_t from, to;
        frames_slice(&fr, i, conns, &from, &to);
        cs[i].from = fr.data + from;
        cs[i].to = fr.data + to;
        cs[i].go = &go;
        cs[i].timeout_s = timeout_s;
        cs[i].sock = socket(AF_INET, SOCK_STREAM, 0);
        if (cs[i].sock < 0 || connect(cs[i].sock, (struct sockaddr *)&dst, sizeof dst) < 0) { perror("connect"); return 1; }
        cs[i].ssl = SSL_new(ctx);
        SSL_set_fd(cs[i].ssl, cs[i].sock);
        if (SSL_connect(cs[i].ssl) != 1) { ERR_print_errors_fp(stderr); fprintf(stderr, "TLS handshake failed\n"); return 1; }
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
