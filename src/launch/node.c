/* node, nodemon: `node --inspect[-brk]=HOST:PORT [opts] script args` with
 * BPL_DEBUG_* applied, or without the --inspect word when debugging is off.
 * npm: `npm --inspect=HOST:PORT args` where --inspect is only a marker for
 * Skaffold: npm never sees it (its own node would take the port); the app's
 * node gets the inspector through --node-options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch/internal.h"

/* --inspect, --inspect=V, --inspect-brk, --inspect-brk=V; *value is NULL
 * without "=". */
static bool is_inspect(const char *arg, bool *brk, const char **value)
{
    if (strncmp(arg, "--inspect", 9) != 0)
        return false;
    const char *rest = arg + 9;
    *brk = strncmp(rest, "-brk", 4) == 0;
    if (*brk)
        rest += 4;
    if (*rest != '\0' && *rest != '=')
        return false;
    *value = *rest == '=' ? rest + 1 : NULL;
    return true;
}

/* Node options that read the next word as their value. */
static bool node_takes_value(const char *arg)
{
    static const char *const names[] = {"-r", "--require", "--import", "--loader",
                                        "--experimental-loader", "-C", "--conditions", "--title",
                                        "--inspect-port", "--debug-port", "--input-type",
                                        "--env-file", "--icu-data-dir", "--openssl-config",
                                        "--redirect-warnings", "--dns-result-order",
                                        "--unhandled-rejections", "--diagnostic-dir",
                                        "--stack-trace-limit", "--max-http-header-size"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(arg, names[i]) == 0)
            return true;
    return false;
}

/* The --inspect word among node's own options (never in the app's args). */
static int find_node_inspect(const struct launch_ctx *ctx)
{
    bool brk = false;
    const char *value = NULL;
    for (int i = 1; i < ctx->argc; i++) {
        const char *a = ctx->argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0 || strcmp(a, "--") == 0)
            return -1;
        if (is_inspect(a, &brk, &value))
            return i;
        /* after -e/-p CODE the rest belongs to the code */
        if (strcmp(a, "-e") == 0 || strcmp(a, "--eval") == 0 || strcmp(a, "-p") == 0 ||
            strcmp(a, "--print") == 0)
            return -1;
        if (node_takes_value(a))
            i++;
    }
    return -1;
}

/* "--inspect[-brk][=HOST:PORT]" with the settings applied; *shown gets the
 * address for the notice and *brk whether node waits for a debugger. */
static int inspect_arg(const struct launch_settings *s, const char *arg, struct strbuf *out,
                       char *shown, size_t shown_len, bool *brk)
{
    const char *value = NULL;
    struct launch_address addr = {0};
    char formatted[LAUNCH_HOST_MAX + 16];
    is_inspect(arg, brk, &value);
    if (s->suspend >= 0)
        *brk = s->suspend == 1;
    if (value != NULL && launch_address_parse(value, &addr) != 0) {
        /* not ours to judge: node says what is wrong with it */
        snprintf(shown, shown_len, "%s", value);
        return strbuf_appendf(out, "--inspect%s=%s", *brk ? "-brk" : "", value);
    }
    launch_address_apply(&addr, s);
    launch_address_format(formatted, sizeof formatted, &addr);
    launch_address_describe(shown, shown_len, &addr, "127.0.0.1", 9229);
    return strbuf_appendf(out, "--inspect%s%s%s", *brk ? "-brk" : "", formatted[0] ? "=" : "",
                          formatted);
}

int launch_plan_node(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    int at = find_node_inspect(ctx);
    if (at < 0)
        return launch_passthrough(ctx, ctx->name, plan, err);

    struct launch_argv argv = {0};
    struct strbuf arg = STRBUF_INIT;
    char shown[LAUNCH_HOST_MAX + 16];
    bool brk = false;
    int rc = -1;
    char *node = launch_real_tool(ctx, ctx->name, err);
    if (node == NULL)
        goto cleanup;
    if (launch_settings_read(ctx, plan) != 0 || launch_argv_push(&argv, node) != 0)
        goto oom;
    for (int i = 1; i < ctx->argc; i++) {
        if (i != at) {
            if (launch_argv_push(&argv, ctx->argv[i]) != 0)
                goto oom;
        } else if (ctx->settings.enabled) {
            if (inspect_arg(&ctx->settings, ctx->argv[i], &arg, shown, sizeof shown, &brk) != 0 ||
                launch_argv_push(&argv, arg.data) != 0)
                goto oom;
        }
    }
    if (launch_plan_exec(plan, node, &argv) != 0)
        goto oom;
    if (ctx->settings.enabled) {
        plan->debugging = true;
        if (launch_say_listening(plan, "the node inspector", shown, brk) != 0)
            goto oom;
    }
    rc = 0;
    goto cleanup;
oom:
    error_set(err, "out of memory");
cleanup:
    strbuf_free(&arg);
    launch_argv_free(&argv);
    free(node);
    return rc;
}

/* Whether a NODE_OPTIONS-style string already turns the inspector on. */
static bool has_inspect(const char *options)
{
    bool brk = false;
    const char *value = NULL;
    char word[64];
    for (const char *p = options; p && *p;) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t");
        if (n > 0 && n < sizeof word) {
            memcpy(word, p, n);
            word[n] = '\0';
            if (is_inspect(word, &brk, &value))
                return true;
        }
        p += n;
    }
    return false;
}

struct npm_args {
    int marker;        /* our --inspect word */
    int dashdash;      /* "--", or argc */
    int options;       /* an existing --node-options word, or -1 */
    bool options_next; /* its value is the next word */
};

static void scan_npm(const struct launch_ctx *ctx, struct npm_args *n)
{
    bool brk = false;
    const char *value = NULL;
    n->marker = n->options = -1;
    n->dashdash = ctx->argc;
    n->options_next = false;
    for (int i = 1; i < ctx->argc; i++) {
        const char *a = ctx->argv[i];
        if (strcmp(a, "--") == 0) {
            n->dashdash = i;
            return;
        }
        if (n->marker < 0 && is_inspect(a, &brk, &value))
            n->marker = i;
        else if (strncmp(a, "--node-options=", 15) == 0)
            n->options = i;
        else if (strcmp(a, "--node-options") == 0 && i + 1 < ctx->argc) {
            n->options = i;
            n->options_next = true;
            i++;
        }
    }
}

/* The node options the app's node would get without us: npm replaces
 * NODE_OPTIONS with its node-options setting (command line first, then
 * npm_config_node_options), so ours must carry the user's along. */
static const char *user_node_options(const struct launch_ctx *ctx, const struct npm_args *n,
                                     const char **source)
{
    const char *v;
    if (n->options >= 0) {
        *source = "--node-options";
        return n->options_next ? ctx->argv[n->options + 1] : ctx->argv[n->options] + 15;
    }
    if ((v = launch_env(ctx, "npm_config_node_options")) != NULL ||
        (v = launch_env(ctx, "NPM_CONFIG_NODE_OPTIONS")) != NULL) {
        *source = "npm_config_node_options";
        return v;
    }
    *source = "NODE_OPTIONS";
    return launch_env(ctx, "NODE_OPTIONS");
}

int launch_plan_npm(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    struct npm_args n;
    scan_npm(ctx, &n);
    if (n.marker < 0)
        return launch_passthrough(ctx, "npm", plan, err);

    struct launch_argv argv = {0};
    struct strbuf options = STRBUF_INIT;
    char shown[LAUNCH_HOST_MAX + 16];
    const char *source = NULL;
    bool brk = false, add = false;
    int rc = -1;
    char *npm = launch_real_tool(ctx, "npm", err);
    if (npm == NULL)
        goto cleanup;
    if (launch_settings_read(ctx, plan) != 0 || launch_argv_push(&argv, npm) != 0)
        goto oom;
    if (ctx->settings.enabled) {
        const char *user = user_node_options(ctx, &n, &source);
        if (has_inspect(user)) {
            if (launch_say(plan, "%s already gives the app's node --inspect; npm passes it on as "
                           "it is", source) != 0)
                goto oom;
        } else {
            /* the user's options first, then ours: "--node-options=A B --inspect=..." */
            add = true;
            bool has_user = user != NULL && user[0] != '\0';
            if (strbuf_appendf(&options, "--node-options=%s%s", has_user ? user : "",
                               has_user ? " " : "") != 0 ||
                inspect_arg(&ctx->settings, ctx->argv[n.marker], &options, shown, sizeof shown,
                            &brk) != 0)
                goto oom;
        }
    }
    for (int i = 1; i < ctx->argc; i++) {
        if (i == n.dashdash && add && launch_argv_push(&argv, options.data) != 0)
            goto oom;
        if (i == n.marker)
            continue;
        if (add && i == n.options) {
            i += n.options_next ? 1 : 0; /* folded into ours */
            continue;
        }
        if (launch_argv_push(&argv, ctx->argv[i]) != 0)
            goto oom;
    }
    if (add && n.dashdash == ctx->argc && launch_argv_push(&argv, options.data) != 0)
        goto oom;
    if (launch_plan_exec(plan, npm, &argv) != 0)
        goto oom;
    if (add) {
        plan->debugging = true;
        if (launch_say_listening(plan, "the app's node inspector (via npm --node-options)", shown,
                                 brk) != 0)
            goto oom;
    }
    rc = 0;
    goto cleanup;
oom:
    error_set(err, "out of memory");
cleanup:
    strbuf_free(&options);
    launch_argv_free(&argv);
    free(npm);
    return rc;
}
