/* The one parser of bool, port and bind values (BP_DEBUG_* at build,
 * BPL_DEBUG_* at launch), HOST:PORT addresses as debuggers write them, and
 * the argv helpers the per-debugger files share (they call nothing else). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "debugger/internal.h"

int debugger_parse_bool(const char *value, bool *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on", "y", "t"};
    static const char *const no[] = {"false", "0", "no", "off", "n", "f"};
    while (isspace((unsigned char)*value))
        value++;
    size_t len = strlen(value);
    while (len > 0 && isspace((unsigned char)value[len - 1]))
        len--;
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (strlen(yes[i]) == len && strncasecmp(value, yes[i], len) == 0) {
            *out = true;
            return 0;
        }
        if (strlen(no[i]) == len && strncasecmp(value, no[i], len) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* Decimal digits only, within [min, 65535]; leading zeros are fine. */
static int parse_port_range(const char *value, int min, int *out)
{
    if (value[0] == '\0')
        return -1;
    long port = 0;
    for (const char *p = value; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        port = port * 10 + (*p - '0');
        if (port > 65535)
            return -1;
    }
    if (port < min)
        return -1;
    *out = (int)port;
    return 0;
}

int debugger_parse_port(const char *value, int *out)
{
    return parse_port_range(value, 1, out);
}

bool debugger_is_ip_literal(const char *host)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

static bool is_hostname(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 253 || s[0] == '-' || s[0] == '.')
        return false;
    bool only_digits_and_dots = true;
    for (const char *p = s; *p; p++) {
        bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
        bool digit = *p >= '0' && *p <= '9';
        if (!alpha && !digit && *p != '.' && *p != '-')
            return false;
        if (!digit && *p != '.')
            only_digits_and_dots = false;
    }
    /* "10.0.0" or "300.1.1.1" is a mistyped IPv4 address, not a name. */
    return !only_digits_and_dots;
}

int debugger_parse_bind(const char *value, char *out, size_t out_len)
{
    unsigned char addr[16];
    char inner[DEBUGGER_HOST_MAX];
    size_t len = strlen(value);
    if (len == 0 || strcmp(value, "*") == 0) {
        value = "0.0.0.0";
    } else if (value[0] == '[') {
        /* Users copy "[::1]" from URLs; only IPv6 belongs in brackets. */
        if (len < 3 || value[len - 1] != ']' || len - 2 >= sizeof inner)
            return -1;
        memcpy(inner, value + 1, len - 2);
        inner[len - 2] = '\0';
        if (inet_pton(AF_INET6, inner, addr) != 1)
            return -1;
        value = inner;
    } else if (!debugger_is_ip_literal(value) && !is_hostname(value)) {
        return -1;
    }
    if (strlen(value) >= out_len)
        return -1;
    strcpy(out, value);
    return 0;
}

int debugger_address_parse(const char *value, struct debugger_address *addr)
{
    memset(addr, 0, sizeof *addr);
    const char *port = NULL;
    size_t host_len = 0;
    const char *host = value;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            return -1;
        host = value + 1;
        host_len = (size_t)(close - host);
        addr->has_host = true;
        if (close[1] == ':')
            port = close + 2;
    } else {
        const char *colon = strrchr(value, ':');
        if (colon != NULL && strchr(value, ':') == colon) {
            addr->has_host = true;
            host_len = (size_t)(colon - value);
            port = colon + 1;
        } else if (colon != NULL || strspn(value, "0123456789") != strlen(value)) {
            addr->has_host = true; /* a bare IPv6 literal or host name */
            host_len = strlen(value);
        } else {
            port = value;
        }
    }
    if (value[0] == '\0' || host_len >= sizeof addr->host)
        return -1;
    memcpy(addr->host, host, host_len);
    addr->host[host_len] = '\0';
    if (port != NULL) {
        if (parse_port_range(port, 0, &addr->port) != 0)
            return -1;
        addr->has_port = true;
    }
    return 0;
}

void debugger_address_format(char *out, size_t out_len, const struct debugger_address *addr)
{
    bool v6 = addr->has_host && strchr(addr->host, ':') != NULL;
    if (addr->has_host && addr->has_port)
        snprintf(out, out_len, v6 ? "[%s]:%d" : "%s:%d", addr->host, addr->port);
    else if (addr->has_host)
        snprintf(out, out_len, v6 ? "[%s]" : "%s", addr->host);
    else if (addr->has_port)
        snprintf(out, out_len, "%d", addr->port);
    else
        snprintf(out, out_len, "%s", "");
}

void debugger_address_join(char *out, size_t out_len, const char *host, int port)
{
    struct debugger_address addr = {.has_host = true, .has_port = true, .port = port};
    snprintf(addr.host, sizeof addr.host, "%s", host);
    debugger_address_format(out, out_len, &addr);
}

void debugger_push(struct command_argv *out, const char *word)
{
    command_argv_push(out, word);
}

int debugger_port_of(int default_port, const char *value)
{
    struct debugger_address addr;
    if (debugger_address_parse(value, &addr) != 0)
        return 0;
    return addr.has_port ? addr.port : default_port;
}
