/* dlv: `dlv exec [flags] --listen=HOST:PORT BIN [-- ARGS]` runs under Delve
 * with BPL_DEBUG_* applied, or as the bare `BIN ARGS` when debugging is off.
 * dlv's argv grammar is src/debugger/dlv.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "launch/internal.h"

static bool is_flag(const char *arg)
{
    return arg[0] == '-' && arg[1] != '\0';
}

/* The bare program: BIN, then the program's own args, which dlv takes both
 * as extra words after BIN and after "--". */
static void plan_bare(const struct launch_ctx *ctx, const struct debugger_dlv_argv *d,
                      struct launch_plan *plan)
{
    struct command_argv argv = {0};
    char *const *a = ctx->argv;
    launch_push(&argv, a[d->program]);
    for (int i = d->program + 1; i < d->dashdash; i++) {
        if (is_flag(a[i])) {
            if (debugger_dlv_takes_value(a[i]))
                i++;
            continue;
        }
        launch_push(&argv, a[i]);
    }
    for (int i = d->dashdash + 1; i < ctx->argc; i++)
        launch_push(&argv, a[i]);
    launch_plan_exec(plan, a[d->program], &argv);
}

static void push_listen(struct command_argv *argv, const char *prefix, const char *value,
                        const struct launch_settings *s, char *shown, size_t shown_len)
{
    char formatted[DEBUGGER_HOST_MAX + 16];
    struct debugger_address addr;
    /* unix:/path sockets and values we cannot read are dlv's business. */
    if (strncmp(value, "unix:", 5) == 0 || debugger_address_parse(value, &addr) != 0) {
        snprintf(shown, shown_len, "%s", value);
        launch_pushf(argv, "%s%s", prefix, value);
        return;
    }
    launch_address_apply(&addr, s);
    debugger_address_format(formatted, sizeof formatted, &addr);
    debugger_address_describe(shown, shown_len, &addr, DEBUGGER_DLV);
    launch_pushf(argv, "%s%s", prefix, formatted);
}

static void plan_debug(const struct launch_ctx *ctx, const char *dlv,
                       const struct debugger_dlv_argv *d, struct launch_plan *plan)
{
    const struct launch_settings *s = &ctx->settings;
    char *const *a = ctx->argv;
    struct command_argv argv = {0};
    char shown[DEBUGGER_HOST_MAX + 16] = "";
    bool wants_continue = d->continues, on;
    if (s->suspend >= 0)
        wants_continue = s->suspend == 0;

    launch_push(&argv, dlv);
    launch_push(&argv, "exec");
    if (!d->has_continue && wants_continue)
        launch_push(&argv, "--continue");
    if (d->listen < 0 && (s->has_bind || s->port != 0)) {
        /* Without --listen dlv picks 127.0.0.1 and a random port; a port the
         * user asked for must still be honoured. */
        struct debugger_address addr = {.has_host = true, .host = "127.0.0.1", .has_port = true};
        char formatted[DEBUGGER_HOST_MAX + 16];
        launch_address_apply(&addr, s);
        debugger_address_format(formatted, sizeof formatted, &addr);
        debugger_address_describe(shown, sizeof shown, &addr, DEBUGGER_DLV);
        launch_pushf(&argv, "--listen=%s", formatted);
    } else if (d->listen < 0) {
        snprintf(shown, sizeof shown, "%s", "127.0.0.1 (a random port)");
    }
    bool continue_done = false;
    for (int i = 2; i < d->dashdash; i++) {
        bool separate;
        const char *value = debugger_dlv_listen_at(ctx->argc, a, i, &separate);
        if (value != NULL) {
            if (separate)
                launch_push(&argv, a[i]);
            const char *prefix = separate ? "" : strncmp(a[i], "-l=", 3) == 0 ? "-l=" : "--listen=";
            push_listen(&argv, prefix, value, s, shown, sizeof shown);
            i += separate ? 1 : 0;
            continue;
        }
        if (debugger_dlv_is_continue(a[i], &on)) {
            /* one --continue where the build put it, or none */
            if (!continue_done && wants_continue)
                launch_push(&argv, "--continue");
            continue_done = true;
            continue;
        }
        launch_push(&argv, a[i]);
        if (is_flag(a[i]) && debugger_dlv_takes_value(a[i]) && i + 1 < d->dashdash)
            launch_push(&argv, a[++i]);
    }
    for (int i = d->dashdash; i < ctx->argc; i++)
        launch_push(&argv, a[i]);
    launch_plan_exec(plan, dlv, &argv);
    launch_say_listening(plan, &ctx->settings, "dlv", shown, !wants_continue);
    plan->target = xstrdup(a[d->program]);
    plan->debugging = true;
}

int launch_plan_go(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    /* `dlv version`, `dlv attach ...`: someone uses the dlv on PATH as dlv. */
    if (ctx->argc < 2 || strcmp(ctx->argv[1], "exec") != 0)
        return launch_passthrough(ctx, "dlv", plan, err);

    struct debugger_dlv_argv d;
    debugger_dlv_scan(ctx->argc, ctx->argv, 2, &d);
    if (d.program < 0) {
        launch_say(plan, "`dlv exec` names no program to run; running dlv as it is");
        return launch_passthrough(ctx, "dlv", plan, err);
    }

    launch_settings_read(ctx, plan);
    if (!ctx->settings.enabled) {
        plan_bare(ctx, &d, plan);
        return 0;
    }
    struct bp_error why = {{0}};
    char *dlv = launch_real_tool(ctx, "dlv", &why);
    if (dlv == NULL) {
        launch_say(plan, "%s; starting the app without the debugger", why.message);
        plan_bare(ctx, &d, plan);
        return 0;
    }
    plan_debug(ctx, dlv, &d, plan);
    free(dlv);
    return 0;
}
