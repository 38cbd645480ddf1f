/* exec.d/<type>/jdwp: a JVM takes its debugger from JAVA_TOOL_OPTIONS, which
 * only env can carry, so this prints `JAVA_TOOL_OPTIONS = "... -agentlib:jdwp=..."`
 * as TOML for the launcher (fd 3), or nothing when debugging is off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
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
    strbuf_append_char(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': strbuf_append_str(out, "\\\""); break;
        case '\\': strbuf_append_str(out, "\\\\"); break;
        case '\b': strbuf_append_str(out, "\\b"); break;
        case '\t': strbuf_append_str(out, "\\t"); break;
        case '\n': strbuf_append_str(out, "\\n"); break;
        case '\f': strbuf_append_str(out, "\\f"); break;
        case '\r': strbuf_append_str(out, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                strbuf_appendf(out, "\\u%04X", *p);
            else
                strbuf_append_char(out, (char)*p);
        }
    }
    strbuf_append_char(out, '"');
    return 0;
}

/* A build-time default the build stored in the process's launch env; a bad
 * one is treated like a bad BPL_* value (says so, turns debugging off).
 * false when it was bad. */
static bool read_default(struct launch_ctx *ctx, struct launch_plan *plan, const char *name,
                         int (*parse)(const char *, void *), void *out, const char *why)
{
    const char *v = launch_env(ctx, name);
    if (v == NULL || v[0] == '\0' || parse(v, out) == 0)
        return true;
    char shown[80];
    launch_printable(shown, sizeof shown, v);
    launch_say(plan, "%s=\"%s\" %s; starting the app without the debugger", name, shown, why);
    return false;
}

static int parse_bind(const char *v, void *out)
{
    return debugger_parse_bind(v, out, DEBUGGER_HOST_MAX);
}
static int parse_port(const char *v, void *out)
{
    return debugger_parse_port(v, out);
}
static int parse_bool(const char *v, void *out)
{
    return debugger_parse_bool(v, out);
}

/* Whether word is exactly the agent Paketo libjvm's debug-9 exec.d helper
 * appends when BPL_DEBUG_ENABLED=true (libjvm v1.46.0 helper/debug_9.go
 * 50-84: "-agentlib:jdwp=transport=dt_socket,server=y,address=" + "*" or
 * "0.0.0.0" + ":" + BPL_DEBUG_PORT (8000) + ",suspend=" + y|n). Any other
 * agent (Skaffold's, the user's) is not ours to replace. */
static bool is_libjvm_agent(const char *word, size_t len)
{
    static const char head[] = "-agentlib:jdwp=transport=dt_socket,server=y,address=";
    size_t h = sizeof head - 1;
    if (len <= h || strncmp(word, head, h) != 0)
        return false;
    const char *p = word + h, *end = word + len;
    if (*p == '*')
        p++;
    else if ((size_t)(end - p) > 7 && strncmp(p, "0.0.0.0", 7) == 0)
        p += 7;
    else
        return false;
    if (p >= end || *p++ != ':')
        return false;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || (size_t)(end - p) != digits + 10)
        return false;
    p += digits;
    return strncmp(p, ",suspend=y", 10) == 0 || strncmp(p, ",suspend=n", 10) == 0;
}

/* JAVA_TOOL_OPTIONS without libjvm's agent into out; 1 when it was there. */
static int drop_libjvm_agent(const char *options, struct strbuf *out, char *dropped, size_t len)
{
    int found = 0;
    for (const char *p = options; p && *p;) {
        size_t space = strspn(p, " \t");
        p += space;
        size_t n = strcspn(p, " \t");
        if (n == 0)
            break;
        if (!found && is_libjvm_agent(p, n)) {
            found = 1;
            snprintf(dropped, len, "%.*s", (int)n, p);
        } else {
            strbuf_appendf(out, "%s%.*s", out->len ? " " : "", (int)n, p);
        }
        p += n;
    }
    return found;
}

int launch_plan_jdwp(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    (void)err;
    plan->exec_d = true;
    plan->toml = xstrdup("");
    launch_settings_read(ctx, plan);
    const struct launch_settings *s = &ctx->settings;
    if (!s->enabled)
        return 0;
    const char *existing = launch_env(ctx, "JAVA_TOOL_OPTIONS");
    struct strbuf without = STRBUF_INIT, value = STRBUF_INIT, toml = STRBUF_INIT;
    struct command_argv word = {0};
    char dropped[128] = "";
    /* exec.d helpers run in buildpack order and the last output wins, so
     * libjvm's debug-9 (an earlier buildpack) has already added its agent
     * on *:8000: take it out and put ours in, so exactly one agent loads,
     * on the labelled port with BPL_DEBUG_BIND honoured. */
    if (drop_libjvm_agent(existing, &without, dropped, sizeof dropped)) {
        existing = without.data ? without.data : "";
        launch_say(plan, "replaced the JDWP agent that Paketo libjvm's debug-9 helper put in "
                   "JAVA_TOOL_OPTIONS (%s) with this buildpack's, so only one agent loads", dropped);
    }
    if (debugger_jdwp_in_options(existing)) {
        launch_say(plan, "JAVA_TOOL_OPTIONS already loads a JDWP agent that is not Paketo libjvm's "
                   "(Skaffold's or the user's); leaving it as it is and adding none");
        goto done;
    }

    const struct debugger *jdwp = debugger_get(DEBUGGER_JDWP);
    struct debugger_listen l = {.port = jdwp->default_port};
    char host[DEBUGGER_HOST_MAX];
    snprintf(host, sizeof host, "%s", jdwp->default_host);
    if (s->has_bind)
        snprintf(host, sizeof host, "%s", s->bind);
    else if (!read_default(ctx, plan, "BPL_DEBUG_BIND_DEFAULT", parse_bind, host,
                           "is not an IP address or host name"))
        goto done;
    if (s->port != 0)
        l.port = s->port;
    else if (!read_default(ctx, plan, "BPL_DEBUG_PORT_DEFAULT", parse_port, &l.port,
                           "is not a port (1-65535)"))
        goto done;
    if (s->suspend >= 0)
        l.suspend = s->suspend == 1;
    else if (!read_default(ctx, plan, "BPL_DEBUG_SUSPEND_DEFAULT", parse_bool, &l.suspend,
                           "is not a boolean"))
        goto done;
    l.host = host;

    char address[DEBUGGER_HOST_MAX + 16];
    debugger_address_join(address, sizeof address, host, l.port);
    debugger_format(DEBUGGER_JDWP, &l, &word);
    if (existing != NULL && existing[0] != '\0')
        strbuf_appendf(&value, "%s ", existing);
    strbuf_append_str(&value, word.items[0]);
    strbuf_append_str(&toml, "JAVA_TOOL_OPTIONS = ");
    if (launch_toml_quote(&toml, value.data) != 0) {
        /* TOML holds only UTF-8; the JVM would never see a value we mangled. */
        launch_say(plan, "JAVA_TOOL_OPTIONS is not valid UTF-8, so it cannot be extended; "
                   "starting the app without the debugger");
    } else {
        strbuf_append_char(&toml, '\n');
        launch_say_listening(plan, s, jdwp->name, address, l.suspend);
        free(plan->toml);
        plan->toml = strbuf_detach(&toml);
        plan->debugging = true;
    }
done:
    command_argv_free(&word);
    strbuf_free(&value);
    strbuf_free(&toml);
    strbuf_free(&without);
    return 0;
}
