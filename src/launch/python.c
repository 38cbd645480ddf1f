/* python: `python [opts] -m debugpy --listen HOST:PORT [--wait-for-client]
 * TARGET` (or `-m ptvsd --host H --port P [--wait] TARGET`) runs with the
 * debugger importable and BPL_DEBUG_* applied, or as `python [opts] TARGET`
 * when debugging is off. The argv grammar is src/debugger/python.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "launch/internal.h"

/* python [interpreter options] TARGET...: the app as the build found it. */
static void plan_bare(const struct launch_ctx *ctx, const struct debugger_python_argv *d,
                      const char *python, struct launch_plan *plan)
{
    struct command_argv argv = {0};
    launch_push(&argv, python);
    for (int i = 1; i < d->marker; i++)
        launch_push(&argv, ctx->argv[i]);
    for (int i = d->target; i < ctx->argc; i++)
        launch_push(&argv, ctx->argv[i]);
    launch_plan_exec(plan, python, &argv);
}

/* Puts the debugger's package first on PYTHONPATH, keeping the user's. */
static int set_python_env(const struct launch_ctx *ctx, const char *dir, struct launch_plan *plan)
{
    const char *old = launch_env(ctx, "PYTHONPATH");
    size_t dir_len = strlen(dir);
    int rc = 0;
    if (old == NULL || strncmp(old, dir, dir_len) != 0 || (old[dir_len] != ':' && old[dir_len] != '\0')) {
        /* not already first, as after a restart in the same environment */
        struct strbuf sb = STRBUF_INIT;
        strbuf_append_str(&sb, dir);
        if (old != NULL && old[0] != '\0')
            strbuf_appendf(&sb, ":%s", old);
        rc = launch_plan_setenv(plan, "PYTHONPATH", sb.data);
        strbuf_free(&sb);
    }
    /* Python 3.11+ warns on every start that frozen modules hide breakpoints. */
    if (rc == 0 && launch_env(ctx, "PYDEVD_DISABLE_FILE_VALIDATION") == NULL)
        rc = launch_plan_setenv(plan, "PYDEVD_DISABLE_FILE_VALIDATION", "1");
    return rc;
}

static void push_address(struct command_argv *argv, const char *value, const struct launch_settings *s,
                         enum debugger_id id, char *shown, size_t shown_len)
{
    struct debugger_address addr;
    char formatted[DEBUGGER_HOST_MAX + 16];
    if (debugger_address_parse(value, &addr) != 0) {
        snprintf(shown, shown_len, "%s", value);
        launch_push(argv, value); /* debugpy will say what is wrong */
        return;
    }
    launch_address_apply(&addr, s);
    debugger_address_format(formatted, sizeof formatted, &addr);
    debugger_address_describe(shown, shown_len, &addr, id);
    launch_push(argv, formatted);
}

static void plan_debug(const struct launch_ctx *ctx, const struct debugger_python_argv *d,
                       const char *python, struct launch_plan *plan)
{
    const struct launch_settings *s = &ctx->settings;
    enum debugger_id id = d->ptvsd ? DEBUGGER_PTVSD : DEBUGGER_DEBUGPY;
    const char *wait_flag = debugger_python_wait_flag(d->ptvsd);
    char *const *a = ctx->argv;
    struct command_argv argv = {0};
    char shown[DEBUGGER_HOST_MAX + 16] = "";
    struct debugger_address ptvsd = {.has_host = true, .has_port = true,
                                     .port = debugger_get(id)->default_port};
    snprintf(ptvsd.host, sizeof ptvsd.host, "%s", debugger_get(id)->default_host);
    bool waits = false;

    launch_push(&argv, python);
    for (int i = 1; i < d->first; i++)
        launch_push(&argv, a[i]);
    for (int j = d->first; j < d->target; j++) {
        if (strcmp(a[j], wait_flag) == 0) {
            if (s->suspend != 0 && !waits)
                launch_push(&argv, a[j]);
            waits = waits || s->suspend != 0;
        } else if (j == d->listen) {
            push_address(&argv, a[j], s, id, shown, sizeof shown);
        } else if (j == d->host) {
            snprintf(ptvsd.host, sizeof ptvsd.host, "%s", s->has_bind ? s->bind : a[j]);
            launch_push(&argv, ptvsd.host);
        } else if (j == d->port) {
            if (s->port != 0)
                ptvsd.port = s->port;
            else if (debugger_parse_port(a[j], &ptvsd.port) != 0)
                ptvsd.port = 0; /* ptvsd will say what is wrong */
            if (s->port != 0)
                launch_pushf(&argv, "%d", s->port);
            else
                launch_push(&argv, a[j]);
        } else {
            launch_push(&argv, a[j]);
        }
    }
    if (d->ptvsd) {
        if (d->host < 0 && s->has_bind) {
            snprintf(ptvsd.host, sizeof ptvsd.host, "%s", s->bind);
            launch_push(&argv, "--host");
            launch_push(&argv, ptvsd.host);
        }
        if (d->port < 0 && s->port != 0) {
            ptvsd.port = s->port;
            launch_push(&argv, "--port");
            launch_pushf(&argv, "%d", ptvsd.port);
        }
        debugger_address_format(shown, sizeof shown, &ptvsd);
    }
    if (s->suspend == 1 && !waits) {
        waits = true;
        launch_push(&argv, wait_flag);
    }
    for (int i = d->target; i < ctx->argc; i++)
        launch_push(&argv, a[i]);
    launch_plan_exec(plan, python, &argv);
    if (d->connect)
        launch_say(plan, "debugpy connects out to the address in --connect "
                   "(BPL_DEBUG_ENABLED=false turns it off)");
    else
        launch_say_listening(plan, &ctx->settings, debugger_get(id)->name, shown, waits);
    plan->debugging = true;
}

/* Why the debugger cannot run although BPL_DEBUG_* ask for it; NULL if it can. */
static const char *cannot_debug(const struct launch_ctx *ctx, const struct debugger_python_argv *d,
                                const char *dir, const char *what, char *why, size_t why_len)
{
    const struct launch_settings *s = &ctx->settings;
    if (!file_is_dir(dir))
        snprintf(why, why_len, "%s is missing, so python cannot import %s", dir, what);
    else if (d->isolated)
        /* PYTHONPATH is how the debugger gets imported; nothing else would
         * make `-m debugpy` work, and failing to import it would stop the app. */
        snprintf(why, why_len, "python runs with -E or -I, which ignore PYTHONPATH, so it cannot "
                 "import %s", what);
    else if (!d->ptvsd && s->has_bind && strchr(s->bind, ':') != NULL)
        /* debugpy splits --listen at the first ':', so it cannot take IPv6. */
        snprintf(why, why_len, "BPL_DEBUG_BIND=\"%s\": debugpy cannot listen on an IPv6 address "
                 "(use 0.0.0.0 or a host name)", s->bind);
    else if (!d->ptvsd && d->listen < 0 && !d->connect)
        snprintf(why, why_len, "python -m debugpy has neither --listen nor --connect");
    else
        return NULL;
    return why;
}

int launch_plan_python(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    struct debugger_python_argv d;
    if (debugger_python_scan(ctx->argc, ctx->argv, &d) == 0)
        return launch_passthrough(ctx, ctx->name, plan, err);
    const char *what = d.ptvsd ? "ptvsd" : "debugpy";
    if (d.error != NULL) {
        launch_say(plan, "python -m %s: %s; running python as it is", what, d.error);
        return launch_passthrough(ctx, ctx->name, plan, err);
    }

    char *python = launch_real_tool(ctx, ctx->name, err);
    if (python == NULL)
        return -1;
    char *dir = path_join(ctx->layer_dir, what);
    char why[DEBUGGER_HOST_MAX + 200];
    launch_settings_read(ctx, plan);
    if (ctx->settings.enabled && cannot_debug(ctx, &d, dir, what, why, sizeof why) != NULL) {
        ctx->settings.enabled = false;
        launch_say(plan, "%s; starting the app without the debugger", why);
    }
    if (ctx->settings.enabled && set_python_env(ctx, dir, plan) != 0)
        ctx->settings.enabled = false; /* cannot happen: the plan's env is empty */
    if (ctx->settings.enabled)
        plan_debug(ctx, &d, python, plan);
    else
        plan_bare(ctx, &d, python, plan);
    free(dir);
    free(python);
    return 0;
}
