/* LD_PRELOAD shim for daemons that ask for a receive buffer with SO_RCVBUF only (syslog-ng):
 * the kernel caps SO_RCVBUF at net.core.rmem_max (4 MiB here), SO_RCVBUFFORCE (root, as rsyslog
 * and Vigil use) does not. Each SO_RCVBUF request is tried as SO_RCVBUFFORCE first, so every
 * receiver in the benchmark gets the buffer it asked for without changing a system setting.
 * Build: gcc -O2 -shared -fPIC -o rcvbuf_force.so rcvbuf_force.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
    static int (*real)(int, int, int, const void *, socklen_t);
    if (!real) real = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
    if (level == SOL_SOCKET && name == SO_RCVBUF && real(fd, level, SO_RCVBUFFORCE, value, len) == 0) return 0;
    return real(fd, level, name, value, len);
}
