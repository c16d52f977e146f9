#define _GNU_SOURCE
#include "CVigilSockets.h"

#include <pthread.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

_Static_assert(sizeof(CVigilMMsgHdr) == sizeof(struct mmsghdr), "CVigilMMsgHdr must match struct mmsghdr");
_Static_assert(offsetof(CVigilMMsgHdr, msg_len) == offsetof(struct mmsghdr, msg_len), "msg_len offset");

int CVigil_recvmmsg(int fd, CVigilMMsgHdr *msgs, unsigned int vlen, int flags, struct timespec *timeout) {
    return recvmmsg(fd, (struct mmsghdr *)msgs, vlen, flags, timeout);
}

int CVigil_sendmmsg(int fd, CVigilMMsgHdr *msgs, unsigned int vlen, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)msgs, vlen, flags);
}

int CVigil_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int CVigil_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event = {.events = events, .data = {.u64 = data}};
    return epoll_ctl(epfd, op, fd, &event);
}

int CVigil_epoll_wait(int epfd, CVigilEpollEvent *events, int maxevents, int timeout_ms) {
    struct epoll_event raw[256];
    if (maxevents > 256) maxevents = 256;
    int n = epoll_wait(epfd, raw, maxevents, timeout_ms);
    for (int i = 0; i < n; i++) {
        events[i].events = raw[i].events;
        events[i].data = raw[i].data.u64;
    }
    return n;
}

int CVigil_accept_nonblocking(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

void CVigil_set_thread_name(const char *name) {
    pthread_setname_np(pthread_self(), name);
}

int CVigil_eventfd(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

const int CVigil_MSG_WAITFORONE = MSG_WAITFORONE;
const int CVigil_MSG_TRUNC = MSG_TRUNC;
const int CVigil_MSG_DONTWAIT = MSG_DONTWAIT;
const int CVigil_SO_RCVBUFFORCE = SO_RCVBUFFORCE;
const int CVigil_SO_REUSEPORT = SO_REUSEPORT;
const uint32_t CVigil_EPOLLIN = EPOLLIN;
const uint32_t CVigil_EPOLLOUT = EPOLLOUT;
const uint32_t CVigil_EPOLLERR = EPOLLERR;
const uint32_t CVigil_EPOLLHUP = EPOLLHUP;
const uint32_t CVigil_EPOLLRDHUP = EPOLLRDHUP;
const int CVigil_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int CVigil_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int CVigil_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
