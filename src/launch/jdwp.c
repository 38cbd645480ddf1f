/* exec.d/<type>/jdwp: a JVM takes its debugger from JAVA_TOOL_OPTIONS, which
 * only env can carry, so this prints `JAVA_TOOL_OPTIONS = "... -agentlib:jdwp=..."`
 * as TOML for the launcher (fd 3), or nothing when debugging is off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch/internal.h"

/* Length of the UTF-8 sequence at s, or 0 when it is not valid UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_length(const unsigned char *s)
{
    size_t n;
    unsigned long cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const unsigned long min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int launch_toml_quote(struct strbuf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_length(p);
        if (n == 0)
            return -2;
        p += n;
    }
    if (strbuf_append_char(out, '"') != 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int rc;
        switch (*p) {
        case '"': rc = strbuf_append_str(out, "\\\""); break;
        case '\\': rc = strbuf_append_str(out, "\\\\"); break;
        case '\b': rc = strbuf_append_str(out, "\\b"); break;
        case '\t': rc = strbuf_append_str(out, "\\t"); break;
        case '\n': rc = strbuf_append_str(out, "\\n"); break;
        case '\f': rc = strbuf_append_str(out, "\\f"); break;
        case '\r': rc = strbuf_append_str(out, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                rc = strbuf_appendf(out, "\\u%04X", *p);
            else
                rc = strbuf_append_char(out, (char)*p);
        }
        if (rc != 0)
            return -1;
    }
    return strbuf_append_char(out, '"');
}

/* JVM options that already load the JDWP agent (Skaffold injects one). */
static bool has_jdwp(const char *options)
{
    return options != NULL && (strstr(options, "-agentlib:jdwp") != NULL ||
                               strstr(options, "-Xrunjdwp") != NULL ||
                               strstr(options, "libjdwp.so") != NULL);
}

/* A build-time default the build stored in the process's launch env; a bad
 * one is treated like a bad BPL_* value (says so, turns debugging off). */
static int read_default(struct launch_ctx *ctx, struct launch_plan *plan, const char *name,
                        int (*parse)(const char *, void *), void *out, const char *why, bool *ok)
{
    const char *v = launch_env(ctx, name);
    *ok = true;
    if (v == NULL || v[0] == '\0' || parse(v, out) == 0)
        return 0;
    char shown[80];
    launch_printable(shown, sizeof shown, v);
    *ok = false;
    return launch_say(plan, "%s=\"%s\" %s; starting the app without the debugger", name, shown,
                      why);
}

static int parse_bind(const char *v, void *out)
{
    return launch_parse_bind(v, out, LAUNCH_HOST_MAX);
}
static int parse_port(const char *v, void *out)
{
    return launch_parse_port(v, out);
}
static int parse_bool(const char *v, void *out)
{
    return launch_parse_bool(v, out);
}

int launch_plan_jdwp(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    plan->exec_d = true;
    if ((plan->toml = strdup("")) == NULL || launch_settings_read(ctx, plan) != 0)
        return error_set(err, "out of memory");
    const struct launch_settings *s = &ctx->settings;
    if (!s->enabled)
        return 0;
    const char *existing = launch_env(ctx, "JAVA_TOOL_OPTIONS");
    if (has_jdwp(existing)) {
        if (launch_say(plan, "JAVA_TOOL_OPTIONS already loads the JDWP agent; leaving it as it is") != 0)
            return error_set(err, "out of memory");
        return 0;
    }

    char host[LAUNCH_HOST_MAX] = "0.0.0.0";
    int port = 5005;
    bool suspend = false, ok = true;
    int rc = 0;
    if (s->has_bind)
        snprintf(host, sizeof host, "%s", s->bind);
    else
        rc = read_default(ctx, plan, "BPL_DEBUG_BIND_DEFAULT", parse_bind, host,
                          "is not an IP address or host name", &ok);
    if (rc == 0 && ok && s->port != 0)
        port = s->port;
    else if (rc == 0 && ok)
        rc = read_default(ctx, plan, "BPL_DEBUG_PORT_DEFAULT", parse_port, &port,
                          "is not a port (1-65535)", &ok);
    if (rc == 0 && ok && s->suspend >= 0)
        suspend = s->suspend == 1;
    else if (rc == 0 && ok)
        rc = read_default(ctx, plan, "BPL_DEBUG_SUSPEND_DEFAULT", parse_bool, &suspend,
                          "is not a boolean", &ok);
    if (rc != 0)
        return error_set(err, "out of memory");
    if (!ok)
        return 0;

    char address[LAUNCH_HOST_MAX + 16];
    struct launch_address addr = {.has_host = true, .has_port = true, .port = port};
    snprintf(addr.host, sizeof addr.host, "%s", host);
    launch_address_format(address, sizeof address, &addr);

    struct strbuf value = STRBUF_INIT, toml = STRBUF_INIT;
    rc = -1;
    if ((existing != NULL && existing[0] != '\0' && strbuf_appendf(&value, "%s ", existing) != 0) ||
        strbuf_appendf(&value, "-agentlib:jdwp=transport=dt_socket,server=y,suspend=%c,address=%s",
                       suspend ? 'y' : 'n', address) != 0 ||
        strbuf_append_str(&toml, "JAVA_TOOL_OPTIONS = ") != 0)
        goto oom;
    int quoted = launch_toml_quote(&toml, value.data);
    if (quoted == -1)
        goto oom;
    if (quoted != 0) {
        /* TOML holds only UTF-8; the JVM would never see a value we mangled. */
        rc = launch_say(plan, "JAVA_TOOL_OPTIONS is not valid UTF-8, so it cannot be extended; "
                        "starting the app without the debugger");
        if (rc != 0)
            goto oom;
        goto cleanup;
    }
    if (strbuf_append_char(&toml, '\n') != 0 ||
        launch_say_listening(plan, "JDWP", address, suspend) != 0)
        goto oom;
    free(plan->toml);
    plan->toml = strbuf_detach(&toml);
    plan->debugging = true;
    rc = 0;
    goto cleanup;
oom:
    rc = error_set(err, "out of memory");
cleanup:
    strbuf_free(&value);
    strbuf_free(&toml);
    return rc;
}
