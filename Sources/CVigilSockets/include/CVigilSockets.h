// The Linux socket calls that Swift's Glibc module does not expose (it is built without
// _GNU_SOURCE): recvmmsg/sendmmsg with a layout-identical mmsghdr, epoll with an unpacked event
// struct (x86-64's `struct epoll_event` is packed, which Swift imports poorly), accept4 and the
// constants that go with them. Kept tiny on purpose, as swift-nio's CNIOLinux is.
#ifndef C_VIGIL_SOCKETS_H
#define C_VIGIL_SOCKETS_H

#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/// Same layout as `struct mmsghdr` (checked with _Static_assert in shim.c).
typedef struct {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} CVigilMMsgHdr;

int CVigil_recvmmsg(int fd, CVigilMMsgHdr *msgs, unsigned int vlen, int flags, struct timespec *timeout);
int CVigil_sendmmsg(int fd, CVigilMMsgHdr *msgs, unsigned int vlen, int flags);

/// An epoll event without the packing: `events` as in EPOLLIN…, `data` the caller's 64-bit tag.
typedef struct {
    uint32_t events;
    uint64_t data;
} CVigilEpollEvent;

int CVigil_epoll_create(void);
int CVigil_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
int CVigil_epoll_wait(int epfd, CVigilEpollEvent *events, int maxevents, int timeout_ms);

/// accept4(…, SOCK_NONBLOCK | SOCK_CLOEXEC).
int CVigil_accept_nonblocking(int fd, struct sockaddr *address, socklen_t *length);

/// Names the calling thread (at most 15 bytes are kept), for `top -H` and debuggers.
void CVigil_set_thread_name(const char *name);

/// An eventfd for waking an epoll loop (non-blocking, close-on-exec).
int CVigil_eventfd(void);

extern const int CVigil_MSG_WAITFORONE;
extern const int CVigil_MSG_TRUNC;
extern const int CVigil_MSG_DONTWAIT;
extern const int CVigil_SO_RCVBUFFORCE;
extern const int CVigil_SO_REUSEPORT;
extern const uint32_t CVigil_EPOLLIN;
extern const uint32_t CVigil_EPOLLOUT;
extern const uint32_t CVigil_EPOLLERR;
extern const uint32_t CVigil_EPOLLHUP;
extern const uint32_t CVigil_EPOLLRDHUP;
extern const int CVigil_EPOLL_CTL_ADD;
extern const int CVigil_EPOLL_CTL_MOD;
extern const int CVigil_EPOLL_CTL_DEL;

#endif
