/* BPL_DEBUG_* read at container start, validated so that a typo turns the
 * debugger off with one clear line instead of crash-looping the app. The
 * values are parsed by src/debugger/, as bin/build parses BP_DEBUG_*. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>

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

const char *launch_env(const struct launch_ctx *ctx, const char *name)
{
    return ctx->getenv_fn ? ctx->getenv_fn(name, ctx->getenv_data) : NULL;
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

static void reject(struct launch_ctx *ctx, struct launch_plan *plan, const char *name,
                   const char *value, const char *why)
{
    char shown[80];
    launch_printable(shown, sizeof shown, value);
    ctx->settings.enabled = false;
    launch_say(plan, "%s=\"%s\" %s; starting the app without the debugger", name, shown, why);
}

#define NOT_BOOL "is not a boolean (true/false, 1/0, yes/no, on/off)"
#define NOT_BIND "is not an IP address or host name (use 0.0.0.0, ::, 127.0.0.1 or *)"

void launch_settings_read(struct launch_ctx *ctx, struct launch_plan *plan)
{
    struct launch_settings *s = &ctx->settings;
    s->enabled = true;
    s->has_bind = false;
    s->bind[0] = '\0';
    s->port = 0;
    s->suspend = -1;

    const char *v = launch_env(ctx, "BPL_DEBUG_ENABLED");
    if (v != NULL && v[0] != '\0' && debugger_parse_bool(v, &s->enabled) != 0)
        return reject(ctx, plan, "BPL_DEBUG_ENABLED", v, NOT_BOOL);
    if (!s->enabled)
        return; /* the other settings cannot matter, so they cannot be wrong */

    v = launch_env(ctx, "BPL_DEBUG_PORT");
    if (v != NULL && v[0] != '\0' && debugger_parse_port(v, &s->port) != 0)
        return reject(ctx, plan, "BPL_DEBUG_PORT", v, "is not a port (1-65535)");

    /* Set but empty means all interfaces, like "*". */
    v = launch_env(ctx, "BPL_DEBUG_BIND");
    if (v != NULL) {
        if (debugger_parse_bind(v, s->bind, sizeof s->bind) != 0)
            return reject(ctx, plan, "BPL_DEBUG_BIND", v, NOT_BIND);
        if (launch_resolve_bind != NULL && !debugger_is_ip_literal(s->bind) &&
            launch_resolve_bind(s->bind) != 0)
            return reject(ctx, plan, "BPL_DEBUG_BIND", v,
                          "is a host name that does not resolve (use 0.0.0.0, ::, 127.0.0.1 or *)");
        s->has_bind = true;
    }
    /* On Kubernetes `kubectl port-forward` (and Skaffold through it) reach
     * the pod's loopback, so listening on every interface only exposes the
     * debugger to the cluster network: loopback by default there. An
     * explicit BP_DEBUG_BIND at build time (the build records it as
     * CNB_DEBUG_BIND_EXPLICIT) and BPL_DEBUG_BIND still win. */
    v = launch_env(ctx, "KUBERNETES_SERVICE_HOST");
    bool explicit_bind = false;
    const char *e = launch_env(ctx, "CNB_DEBUG_BIND_EXPLICIT");
    if (e != NULL && debugger_parse_bool(e, &explicit_bind) != 0)
        explicit_bind = false;
    s->k8s_loopback = false;
    if (!s->has_bind && v != NULL && v[0] != '\0' && !explicit_bind) {
        s->has_bind = s->k8s_loopback = true;
        snprintf(s->bind, sizeof s->bind, "%s", "127.0.0.1");
    }

    v = launch_env(ctx, "BPL_DEBUG_SUSPEND");
    if (v != NULL && v[0] != '\0') {
        bool suspend;
        if (debugger_parse_bool(v, &suspend) != 0)
            return reject(ctx, plan, "BPL_DEBUG_SUSPEND", v, NOT_BOOL);
        s->suspend = suspend ? 1 : 0;
    }
}

void launch_address_apply(struct debugger_address *addr, const struct launch_settings *s)
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
