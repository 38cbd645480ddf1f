/* dlv: `dlv exec [flags] --listen=HOST:PORT BIN [-- ARGS]` runs under Delve
 * with BPL_DEBUG_* applied, or as the bare `BIN ARGS` when debugging is off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch/internal.h"

/* dlv exec's flags that take a value; in the separate form ("--wd DIR") the
 * next word is that value, not the program. */
static bool takes_value(const char *arg)
{
    static const char *const names[] = {"--listen", "-l", "--log-output", "--log-dest",
                                        "--api-version", "--init", "--build-flags", "--wd",
                                        "--backend", "--redirect", "-r", "--tty"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(arg, names[i]) == 0)
            return true;
    return false;
}

static bool is_flag(const char *arg)
{
    return arg[0] == '-' && arg[1] != '\0';
}

/* --continue, --continue=true, --continue=false; *on says which. */
static bool is_continue(const char *arg, bool *on)
{
    if (strcmp(arg, "--continue") == 0) {
        *on = true;
        return true;
    }
    if (strncmp(arg, "--continue=", 11) == 0) {
        *on = launch_parse_bool(arg + 11, on) == 0 ? *on : true;
        return true;
    }
    return false;
}

/* The value of a --listen / -l flag at argv[i], whichever form; *separate is
 * set when the value is the next word. NULL when argv[i] is not one. */
static const char *listen_value(const struct launch_ctx *ctx, int i, bool *separate)
{
    const char *a = ctx->argv[i];
    *separate = false;
    if (strncmp(a, "--listen=", 9) == 0)
        return a + 9;
    if (strncmp(a, "-l=", 3) == 0)
        return a + 3;
    if ((strcmp(a, "--listen") == 0 || strcmp(a, "-l") == 0) && i + 1 < ctx->argc) {
        *separate = true;
        return ctx->argv[i + 1];
    }
    return NULL;
}

/* The bare program: BIN, then the program's own args, which dlv takes both
 * as extra words after BIN and after "--". */
static int plan_bare(const struct launch_ctx *ctx, int binary, int dashdash,
                     struct launch_plan *plan, struct bp_error *err)
{
    struct launch_argv argv = {0};
    const char *const *a = (const char *const *)ctx->argv;
    int rc = -1;
    if (launch_argv_push(&argv, a[binary]) != 0)
        goto oom;
    for (int i = binary + 1; i < dashdash; i++) {
        if (is_flag(a[i])) {
            if (takes_value(a[i]))
                i++;
            continue;
        }
        if (launch_argv_push(&argv, a[i]) != 0)
            goto oom;
    }
    for (int i = dashdash + 1; i < ctx->argc; i++)
        if (launch_argv_push(&argv, a[i]) != 0)
            goto oom;
    if (launch_plan_exec(plan, a[binary], &argv) != 0)
        goto oom;
    rc = 0;
    goto cleanup;
oom:
    error_set(err, "out of memory");
cleanup:
    launch_argv_free(&argv);
    return rc;
}

static int push_listen(struct launch_argv *argv, const char *prefix, const char *value,
                       const struct launch_settings *s, char *shown, size_t shown_len)
{
    char formatted[LAUNCH_HOST_MAX + 16];
    struct launch_address addr;
    /* unix:/path sockets and values we cannot read are dlv's business. */
    if (strncmp(value, "unix:", 5) == 0 || launch_address_parse(value, &addr) != 0) {
        snprintf(shown, shown_len, "%s", value);
        return launch_argv_pushf(argv, "%s%s", prefix, value);
    }
    launch_address_apply(&addr, s);
    launch_address_format(formatted, sizeof formatted, &addr);
    launch_address_describe(shown, shown_len, &addr, "127.0.0.1", 0);
    return launch_argv_pushf(argv, "%s%s", prefix, formatted);
}

static int plan_debug(const struct launch_ctx *ctx, const char *dlv, int binary, int dashdash,
                      struct launch_plan *plan, struct bp_error *err)
{
    const struct launch_settings *s = &ctx->settings;
    char *const *a = ctx->argv;
    struct launch_argv argv = {0};
    char shown[LAUNCH_HOST_MAX + 16] = "";
    bool had_continue = false, wants_continue = false, had_listen = false, on;
    int rc = -1;

    for (int i = 2; i < dashdash; i++) {
        bool separate;
        if (is_continue(a[i], &on)) {
            had_continue = true;
            wants_continue = on;
        }
        had_listen = had_listen || listen_value(ctx, i, &separate) != NULL;
    }
    if (s->suspend >= 0)
        wants_continue = s->suspend == 0;

    if (launch_argv_push(&argv, dlv) != 0 || launch_argv_push(&argv, "exec") != 0)
        goto oom;
    if (!had_continue && wants_continue && launch_argv_push(&argv, "--continue") != 0)
        goto oom;
    if (!had_listen && (s->has_bind || s->port != 0)) {
        /* Without --listen dlv picks 127.0.0.1 and a random port; a port the
         * user asked for must still be honoured. */
        struct launch_address addr = {.has_host = true, .host = "127.0.0.1", .has_port = true};
        char formatted[LAUNCH_HOST_MAX + 16];
        launch_address_apply(&addr, s);
        launch_address_format(formatted, sizeof formatted, &addr);
        launch_address_describe(shown, sizeof shown, &addr, "127.0.0.1", 0);
        if (launch_argv_pushf(&argv, "--listen=%s", formatted) != 0)
            goto oom;
    } else if (!had_listen) {
        snprintf(shown, sizeof shown, "%s", "127.0.0.1 (a random port)");
    }
    bool continue_done = false;
    for (int i = 2; i < dashdash; i++) {
        bool separate;
        const char *value = listen_value(ctx, i, &separate);
        if (value != NULL) {
            if (separate && launch_argv_push(&argv, a[i]) != 0)
                goto oom;
            const char *prefix = separate ? "" : strncmp(a[i], "-l=", 3) == 0 ? "-l=" : "--listen=";
            if (push_listen(&argv, prefix, value, s, shown, sizeof shown) != 0)
                goto oom;
            i += separate ? 1 : 0;
            continue;
        }
        if (is_continue(a[i], &on)) {
            /* one --continue where the build put it, or none */
            if (!continue_done && wants_continue && launch_argv_push(&argv, "--continue") != 0)
                goto oom;
            continue_done = true;
            continue;
        }
        if (launch_argv_push(&argv, a[i]) != 0)
            goto oom;
        if (is_flag(a[i]) && takes_value(a[i]) && i + 1 < dashdash) {
            if (launch_argv_push(&argv, a[++i]) != 0)
                goto oom;
        }
    }
    for (int i = dashdash; i < ctx->argc; i++)
        if (launch_argv_push(&argv, a[i]) != 0)
            goto oom;
    if (launch_plan_exec(plan, dlv, &argv) != 0 ||
        launch_say_listening(plan, "dlv", shown, !wants_continue) != 0)
        goto oom;
    if ((plan->target = strdup(a[binary])) == NULL)
        goto oom;
    plan->debugging = true;
    rc = 0;
    goto cleanup;
oom:
    error_set(err, "out of memory");
cleanup:
    launch_argv_free(&argv);
    return rc;
}

int launch_plan_go(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    /* `dlv version`, `dlv attach ...`: someone uses the dlv on PATH as dlv. */
    if (ctx->argc < 2 || strcmp(ctx->argv[1], "exec") != 0)
        return launch_passthrough(ctx, "dlv", plan, err);

    int binary = -1, dashdash = ctx->argc;
    for (int i = 2; i < ctx->argc; i++) {
        const char *a = ctx->argv[i];
        if (strcmp(a, "--") == 0) {
            dashdash = i;
            break;
        }
        if (is_flag(a)) {
            if (takes_value(a))
                i++;
            continue;
        }
        if (binary < 0)
            binary = i;
    }
    if (binary < 0) {
        if (launch_say(plan, "`dlv exec` names no program to run; running dlv as it is") != 0)
            return error_set(err, "out of memory");
        return launch_passthrough(ctx, "dlv", plan, err);
    }

    if (launch_settings_read(ctx, plan) != 0)
        return error_set(err, "out of memory");
    if (!ctx->settings.enabled)
        return plan_bare(ctx, binary, dashdash, plan, err);

    struct bp_error why = {{0}};
    char *dlv = launch_real_tool(ctx, "dlv", &why);
    if (dlv == NULL) {
        if (launch_say(plan, "%s; starting the app without the debugger", why.message) != 0)
            return error_set(err, "out of memory");
        return plan_bare(ctx, binary, dashdash, plan, err);
    }
    int rc = plan_debug(ctx, dlv, binary, dashdash, plan, err);
    free(dlv);
    return rc;
}
