/* Whether the debugger's address can be listened on, checked by binding it
 * for a moment before the debugger starts: a port in use, an IP that is not
 * on this host or a port below 1024 as non-root would otherwise make the
 * debugger (and with it the app) exit at every start, a crash loop. libc only. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launch/internal.h"

static const char *why_not(int e, int port)
{
    switch (e) {
    case EADDRINUSE: return "the port is in use";
    case EADDRNOTAVAIL: return "that IP is not an address of this host";
    case EACCES:
        return port < 1024 ? "ports below 1024 need root (or CAP_NET_BIND_SERVICE)"
                           : "permission denied";
    case EAFNOSUPPORT: return "this host has no IPv6";
    default: return strerror(e);
    }
}

int launch_listen_check(const char *address, char *why, size_t why_len)
{
    struct debugger_address addr;
    if (address == NULL || debugger_address_parse(address, &addr) != 0 || !addr.has_port ||
        addr.port == 0)
        return 0; /* nothing we can judge (unix sockets, random ports) */
    const char *host = addr.has_host && addr.host[0] != '\0' && strcmp(addr.host, "*") != 0
                           ? addr.host : NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", addr.port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(why, why_len, "cannot listen on %s: %s", address, gai_strerror(rc));
        return -1;
    }
    int e = 0;
    bool ok = false;
    for (struct addrinfo *ai = res; ai != NULL && !ok; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        /* as the debuggers do: a port in TIME_WAIT is free */
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0)
            ok = true;
        else
            e = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (ok)
        return 0;
    snprintf(why, why_len, "cannot listen on %s: %s", address, why_not(e, addr.port));
    return -1;
}
