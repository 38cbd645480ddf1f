/* BPL_DEBUG_* read at container start, validated so that a typo turns the
 * debugger off with one clear line instead of crash-looping the app; and the
 * HOST:PORT forms the debuggers take. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "launch/internal.h"

int (*launch_resolve_bind)(const char *host);

int launch_resolve_host(const char *host)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (res != NULL)
        freeaddrinfo(res);
    return rc == 0 ? 0 : -1;
}

/* A name, not an IPv4/IPv6 literal (those need no lookup). */
static bool is_literal(const char *host)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

const char *launch_env(const struct launch_ctx *ctx, const char *name)
{
    return ctx->getenv_fn ? ctx->getenv_fn(name, ctx->getenv_data) : NULL;
}

int launch_parse_bool(const char *value, bool *out)
{
    /* The same spellings, and the same tolerance of surrounding blanks, as
     * the build-time BP_DEBUG_* parser, so one habit works for both. */
    static const char *const yes[] = {"true", "1", "yes", "on", "y", "t"};
    static const char *const no[] = {"false", "0", "no", "off", "n", "f"};
    while (*value == ' ' || *value == '\t')
        value++;
    size_t len = strlen(value);
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t' || value[len - 1] == '\n' ||
                       value[len - 1] == '\r'))
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

/* Decimal digits only (no sign, no spaces), within [min, 65535]. */
static int parse_port_range(const char *value, int min, int *out)
{
    if (value[0] == '\0' || strlen(value) > 5)
        return -1;
    int port = 0;
    for (const char *p = value; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        port = port * 10 + (*p - '0');
    }
    if (port < min || port > 65535)
        return -1;
    *out = port;
    return 0;
}

int launch_parse_port(const char *value, int *out)
{
    return parse_port_range(value, 1, out);
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

int launch_parse_bind(const char *value, char *out, size_t out_len)
{
    unsigned char addr[16];
    char inner[LAUNCH_HOST_MAX];
    size_t len = strlen(value);
    if (len == 0 || strcmp(value, "*") == 0)
        value = "0.0.0.0";
    else if (value[0] == '[') {
        /* Users copy "[::1]" from URLs; only IPv6 belongs in brackets. */
        if (len < 3 || value[len - 1] != ']' || len - 2 >= sizeof inner)
            return -1;
        memcpy(inner, value + 1, len - 2);
        inner[len - 2] = '\0';
        if (inet_pton(AF_INET6, inner, addr) != 1)
            return -1;
        value = inner;
    } else if (inet_pton(AF_INET, value, addr) != 1 && inet_pton(AF_INET6, value, addr) != 1 &&
               !is_hostname(value))
        return -1;
    if (strlen(value) >= out_len)
        return -1;
    strcpy(out, value);
    return 0;
}

void launch_printable(char *out, size_t out_len, const char *value)
{
    const size_t keep = 60;
    size_t n = 0;
    for (const char *p = value; *p && n + 1 < out_len && n < keep; p++)
        out[n++] = ((unsigned char)*p < 0x20 || *p == 0x7f) ? '?' : *p;
    out[n] = '\0';
    if (strlen(value) > n && n + 4 < out_len)
        strcat(out, "...");
}

static int reject(struct launch_ctx *ctx, struct launch_plan *plan, const char *name,
                  const char *value, const char *why)
{
    char shown[80];
    launch_printable(shown, sizeof shown, value);
    ctx->settings.enabled = false;
    return launch_say(plan, "%s=\"%s\" %s; starting the app without the debugger", name, shown,
                      why);
}

int launch_settings_read(struct launch_ctx *ctx, struct launch_plan *plan)
{
    struct launch_settings *s = &ctx->settings;
    s->enabled = true;
    s->has_bind = false;
    s->bind[0] = '\0';
    s->port = 0;
    s->suspend = -1;

    const char *v = launch_env(ctx, "BPL_DEBUG_ENABLED");
    if (v != NULL && v[0] != '\0' && launch_parse_bool(v, &s->enabled) != 0)
        return reject(ctx, plan, "BPL_DEBUG_ENABLED", v,
                      "is not a boolean (true/false, 1/0, yes/no, on/off)");
    if (!s->enabled)
        return 0; /* the other settings cannot matter, so they cannot be wrong */

    v = launch_env(ctx, "BPL_DEBUG_PORT");
    if (v != NULL && v[0] != '\0' && launch_parse_port(v, &s->port) != 0)
        return reject(ctx, plan, "BPL_DEBUG_PORT", v, "is not a port (1-65535)");

    /* Set but empty means all interfaces, like "*". */
    v = launch_env(ctx, "BPL_DEBUG_BIND");
    if (v != NULL) {
        if (launch_parse_bind(v, s->bind, sizeof s->bind) != 0)
            return reject(ctx, plan, "BPL_DEBUG_BIND", v,
                          "is not an IP address or host name (use 0.0.0.0, ::, 127.0.0.1 or *)");
        if (launch_resolve_bind != NULL && !is_literal(s->bind) && launch_resolve_bind(s->bind) != 0)
            return reject(ctx, plan, "BPL_DEBUG_BIND", v,
                          "is a host name that does not resolve (use 0.0.0.0, ::, 127.0.0.1 or *)");
        s->has_bind = true;
    }

    v = launch_env(ctx, "BPL_DEBUG_SUSPEND");
    if (v != NULL && v[0] != '\0') {
        bool suspend;
        if (launch_parse_bool(v, &suspend) != 0)
            return reject(ctx, plan, "BPL_DEBUG_SUSPEND", v,
                          "is not a boolean (true/false, 1/0, yes/no, on/off)");
        s->suspend = suspend ? 1 : 0;
    }
    return 0;
}

int launch_address_parse(const char *value, struct launch_address *addr)
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

void launch_address_apply(struct launch_address *addr, const struct launch_settings *s)
{
    if (s->has_bind) {
        addr->has_host = true;
        snprintf(addr->host, sizeof addr->host, "%s", s->bind);
    }
    if (s->port != 0) {
        addr->has_port = true;
        addr->port = s->port;
    }
}

void launch_address_format(char *out, size_t out_len, const struct launch_address *addr)
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

void launch_address_describe(char *out, size_t out_len, const struct launch_address *addr,
                             const char *default_host, int default_port)
{
    struct launch_address full = *addr;
    if (!full.has_host)
        snprintf(full.host, sizeof full.host, "%s", default_host);
    else if (full.host[0] == '\0')
        snprintf(full.host, sizeof full.host, "%s", "0.0.0.0");
    full.has_host = true;
    if (!full.has_port)
        full.port = default_port;
    full.has_port = true;
    launch_address_format(out, out_len, &full);
}
