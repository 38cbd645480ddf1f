/* node, nodemon: `node --inspect[-brk]=HOST:PORT [opts] script args` with
 * BPL_DEBUG_* applied, or without the --inspect word when debugging is off.
 * npm: `npm --inspect=HOST:PORT args` where --inspect is only a marker for
 * Skaffold: npm never sees it (its own node would take the port); the app's
 * node gets the inspector through --node-options. The --inspect grammar is
 * src/debugger/node.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "common/fileio.h"
#include "common/xalloc.h"
#include "launch/internal.h"

/* Whether a NODE_OPTIONS word loads or configures the inspector. */
static bool is_inspector_word(const char *word, bool *takes_value)
{
    bool brk = false;
    const char *value = NULL;
    *takes_value = strcmp(word, "--inspect-port") == 0 || strcmp(word, "--debug-port") == 0;
    return *takes_value || debugger_node_is_inspect(word, &brk, &value) ||
           strncmp(word, "--inspect-port=", 15) == 0 || strncmp(word, "--debug-port=", 13) == 0;
}

/* NODE_OPTIONS without its inspector words into out (node's own grammar:
 * words split on spaces, "double quotes" keep spaces). Paketo node-engine's
 * exec.d inspector appends --inspect[=127.0.0.1:PORT] whenever
 * BPL_DEBUG_ENABLED=true (node-engine cmd/inspector/internal/run.go 11-31):
 * with ours too, the first node to start (npm's, yarn's, or the app's with
 * the wrong address) takes the port. Returns how many words were dropped;
 * dropped gets them for the message. */
static int strip_inspect(const char *options, struct strbuf *out, struct strbuf *dropped)
{
    int n = 0;
    bool skip_value = false;
    for (const char *p = options ? options : ""; *p;) {
        p += strspn(p, " \t\n");
        if (*p == '\0')
            break;
        const char *start = p;
        bool quoted = false;
        for (; *p && (quoted || !strchr(" \t\n", *p)); p++) {
            if (*p == '\\' && quoted && p[1] != '\0')
                p++;
            else if (*p == '"')
                quoted = !quoted;
        }
        char *word = xstrndup(start, (size_t)(p - start));
        bool takes_value = false;
        if (skip_value || is_inspector_word(word, &takes_value)) {
            strbuf_appendf(dropped, "%s%s", dropped->len ? " " : "", word);
            n += skip_value ? 0 : 1;
            skip_value = !skip_value && takes_value;
        } else {
            strbuf_appendf(out, "%s%s", out->len ? " " : "", word);
        }
        free(word);
    }
    return n;
}

/* Cleans NODE_OPTIONS in the plan (one line when something was dropped);
 * the cleaned value is left in out either way. */
static void clean_node_options(const struct launch_ctx *ctx, struct launch_plan *plan,
                               struct strbuf *out, bool set_always)
{
    struct strbuf dropped = STRBUF_INIT;
    const char *options = launch_env(ctx, "NODE_OPTIONS");
    if (strip_inspect(options, out, &dropped) > 0) {
        char shown[80];
        launch_printable(shown, sizeof shown, dropped.data);
        launch_say(plan, "dropped '%s' from NODE_OPTIONS (another buildpack's debug helper put it "
                   "there) so that only this debugger's inspector loads", shown);
    }
    if (dropped.len > 0 || set_always)
        launch_plan_setenv(plan, "NODE_OPTIONS", out->data ? out->data : "");
    strbuf_free(&dropped);
}

/* "--inspect[-brk][=HOST:PORT]" with the settings applied; *shown gets the
 * address for the notice and *brk whether node waits for a debugger. */
static void inspect_arg(const struct launch_settings *s, const char *arg, struct strbuf *out,
                        char *shown, size_t shown_len, bool *brk)
{
    const char *value = NULL;
    struct debugger_address addr = {0};
    char word[DEBUGGER_HOST_MAX + 32];
    debugger_node_is_inspect(arg, brk, &value);
    if (s->suspend >= 0)
        *brk = s->suspend == 1;
    if (value != NULL && debugger_address_parse(value, &addr) != 0) {
        /* not ours to judge: node says what is wrong with it */
        snprintf(shown, shown_len, "%s", value);
        strbuf_appendf(out, "--inspect%s=%s", *brk ? "-brk" : "", value);
        return;
    }
    launch_address_apply(&addr, s);
    debugger_address_describe(shown, shown_len, &addr, DEBUGGER_NODE);
    debugger_node_inspect_word(word, sizeof word, *brk, &addr);
    strbuf_append_str(out, word);
}

int launch_plan_node(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    int at = debugger_node_find(ctx->argc, ctx->argv);
    if (at < 0)
        return launch_passthrough(ctx, ctx->name, plan, err);

    char *node = launch_real_tool(ctx, ctx->name, err);
    if (node == NULL)
        return -1;
    struct command_argv argv = {0};
    struct strbuf arg = STRBUF_INIT;
    char shown[DEBUGGER_HOST_MAX + 16];
    bool brk = false;
    launch_settings_read(ctx, plan);
    launch_push(&argv, node);
    for (int i = 1; i < ctx->argc; i++) {
        if (i != at) {
            launch_push(&argv, ctx->argv[i]);
        } else if (ctx->settings.enabled) {
            inspect_arg(&ctx->settings, ctx->argv[i], &arg, shown, sizeof shown, &brk);
            launch_push(&argv, arg.data);
        }
    }
    launch_plan_exec(plan, node, &argv);
    if (ctx->settings.enabled) {
        struct strbuf cleaned = STRBUF_INIT;
        clean_node_options(ctx, plan, &cleaned, false);
        strbuf_free(&cleaned);
        plan->debugging = true;
        launch_say_listening(plan, &ctx->settings, debugger_get(DEBUGGER_NODE)->name, shown, brk);
    }
    strbuf_free(&arg);
    free(node);
    return 0;
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
            if (debugger_node_is_inspect(word, &brk, &value))
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
        if (n->marker < 0 && debugger_node_is_inspect(a, &brk, &value))
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

    char *npm = launch_real_tool(ctx, "npm", err);
    if (npm == NULL)
        return -1;
    struct command_argv argv = {0};
    struct strbuf options = STRBUF_INIT;
    char shown[DEBUGGER_HOST_MAX + 16];
    const char *source = NULL;
    bool brk = false, add = false;
    launch_settings_read(ctx, plan);
    launch_push(&argv, npm);
    struct strbuf cleaned = STRBUF_INIT;
    if (ctx->settings.enabled) {
        /* npm's own node reads NODE_OPTIONS too: no inspector there */
        clean_node_options(ctx, plan, &cleaned, false);
        const char *user = user_node_options(ctx, &n, &source);
        if (strcmp(source, "NODE_OPTIONS") == 0)
            user = cleaned.data;
        if (has_inspect(user)) {
            launch_say(plan, "%s already gives the app's node --inspect; npm passes it on as it is",
                       source);
        } else {
            /* the user's options first, then ours: "--node-options=A B --inspect=..." */
            add = true;
            bool has_user = user != NULL && user[0] != '\0';
            strbuf_appendf(&options, "--node-options=%s%s", has_user ? user : "",
                           has_user ? " " : "");
            inspect_arg(&ctx->settings, ctx->argv[n.marker], &options, shown, sizeof shown, &brk);
        }
    }
    for (int i = 1; i < ctx->argc; i++) {
        if (i == n.dashdash && add)
            launch_push(&argv, options.data);
        if (i == n.marker)
            continue;
        if (add && i == n.options) {
            i += n.options_next ? 1 : 0; /* folded into ours */
            continue;
        }
        launch_push(&argv, ctx->argv[i]);
    }
    if (add && n.dashdash == ctx->argc)
        launch_push(&argv, options.data);
    launch_plan_exec(plan, npm, &argv);
    if (add) {
        plan->debugging = true;
        launch_say_listening(plan, &ctx->settings, "the app's node inspector (via npm --node-options)", shown, brk);
    }
    strbuf_free(&options);
    strbuf_free(&cleaned);
    free(npm);
    return 0;
}

/* path as one NODE_OPTIONS word: quoted when it holds a space or quote. */
static void append_node_option_word(struct strbuf *out, const char *path)
{
    if (strpbrk(path, " \t\n\"\\") == NULL) {
        strbuf_append_str(out, path);
        return;
    }
    strbuf_append_char(out, '"');
    for (const char *p = path; *p; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_append_char(out, '\\');
        strbuf_append_char(out, *p);
    }
    strbuf_append_char(out, '"');
}

/* yarn, pnpm, npx: `<pm> --inspect[-brk]=HOST:PORT ARGS` where the first
 * word is our marker (Skaffold reads it; the package manager never sees
 * it). The package manager's own node must not take the port, and it
 * starts the app's node through a shell, so the inspector is opened from
 * inside the app's node by <layer>/node/preload.js (NODE_OPTIONS=--require),
 * which skips package-manager scripts and reads the address and whether to
 * wait from CNB_DEBUG_NODE_INSPECT / CNB_DEBUG_NODE_WAIT. */
int launch_plan_pm(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    bool brk = false;
    const char *value = NULL;
    if (ctx->argc < 2 || !debugger_node_is_inspect(ctx->argv[1], &brk, &value))
        return launch_passthrough(ctx, ctx->name, plan, err);
    char *pm = launch_real_tool(ctx, ctx->name, err);
    if (pm == NULL)
        return -1;
    struct command_argv argv = {0};
    launch_push(&argv, pm);
    for (int i = 2; i < ctx->argc; i++)
        launch_push(&argv, ctx->argv[i]);
    launch_plan_exec(plan, pm, &argv);

    char *preload = path_join(ctx->layer_dir, "node/preload.js");
    launch_settings_read(ctx, plan);
    if (ctx->settings.enabled && access(preload, R_OK) != 0) {
        launch_say(plan, "%s is missing; starting the app without the debugger", preload);
        ctx->settings.enabled = false;
    }
    if (ctx->settings.enabled) {
        struct strbuf word = STRBUF_INIT, options = STRBUF_INIT;
        char shown[DEBUGGER_HOST_MAX + 16];
        inspect_arg(&ctx->settings, ctx->argv[1], &word, shown, sizeof shown, &brk);
        strip_inspect(launch_env(ctx, "NODE_OPTIONS"), &options, &word);
        if (strcmp(word.data, ctx->argv[1]) != 0 && strchr(word.data, ' ') != NULL) {
            /* word now holds ours plus what was dropped: report the rest */
            char dropped[80];
            launch_printable(dropped, sizeof dropped, strchr(word.data, ' ') + 1);
            launch_say(plan, "dropped '%s' from NODE_OPTIONS (another buildpack's debug helper put "
                       "it there) so that only the app's node opens the inspector", dropped);
        }
        strbuf_appendf(&options, "%s--require ", options.len ? " " : "");
        append_node_option_word(&options, preload);
        launch_plan_setenv(plan, "NODE_OPTIONS", options.data);
        launch_plan_setenv(plan, "CNB_DEBUG_NODE_INSPECT", shown);
        launch_plan_setenv(plan, "CNB_DEBUG_NODE_WAIT", brk ? "1" : "0");
        plan->debugging = true;
        char what[64];
        snprintf(what, sizeof what, "the app's node inspector (under %s, via node/preload.js)",
                 ctx->name);
        launch_say_listening(plan, &ctx->settings, what, shown, brk);
        strbuf_free(&word);
        strbuf_free(&options);
    }
    free(preload);
    free(pm);
    return 0;
}
