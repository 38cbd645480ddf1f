/* python: `python [opts] -m debugpy --listen HOST:PORT [--wait-for-client]
 * TARGET` (or `-m ptvsd --host H --port P [--wait] TARGET`) runs with the
 * debugger importable and BPL_DEBUG_* applied, or as `python [opts] TARGET`
 * when debugging is off. TARGET is `script args`, `-m mod args` or `-c code`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "launch/internal.h"

struct debugger_args {
    bool ptvsd;
    int marker;     /* index of "-m" or "-mdebugpy" */
    int first;      /* first debugger argument */
    int target;     /* first word of the target */
    int listen;     /* index of the --listen value (debugpy) */
    bool connect;   /* debugpy --connect: the app dials out; no port to move */
    int host;       /* index of the --host value (ptvsd) */
    int port;       /* index of the --port value (ptvsd) */
    bool isolated;  /* -E or -I: the interpreter ignores PYTHONPATH */
};

static bool is_debugger(const char *module, bool *ptvsd)
{
    *ptvsd = strcmp(module, "ptvsd") == 0;
    return *ptvsd || strcmp(module, "debugpy") == 0;
}

/* Finds `-m debugpy|ptvsd` among the interpreter options. 0 found, 1 absent
 * (the interpreter runs something else). */
static int find_marker(const struct launch_ctx *ctx, struct debugger_args *d)
{
    char *const *a = ctx->argv;
    for (int i = 1; i < ctx->argc; i++) {
        if (strcmp(a[i], "-m") == 0) {
            if (i + 1 < ctx->argc && is_debugger(a[i + 1], &d->ptvsd)) {
                d->marker = i;
                d->first = i + 2;
                return 0;
            }
            return 1;
        }
        if (strncmp(a[i], "-m", 2) == 0) {
            if (is_debugger(a[i] + 2, &d->ptvsd)) {
                d->marker = i;
                d->first = i + 1;
                return 0;
            }
            return 1;
        }
        /* a script, stdin or the end of options: no debugger in front */
        if (a[i][0] != '-' || strcmp(a[i], "-") == 0 || strcmp(a[i], "--") == 0)
            return 1;
        if (strcmp(a[i], "--check-hash-based-pycs") == 0) {
            i++;
            continue;
        }
        if (a[i][1] == '-')
            continue;
        /* a cluster of one-letter options such as -uB, -Xdev or -W error */
        for (const char *p = a[i] + 1; *p; p++) {
            if (*p == 'E' || *p == 'I')
                d->isolated = true;
            if (*p == 'X' || *p == 'W') {
                if (p[1] == '\0')
                    i++;
                break;
            }
            if (*p == 'c' || *p == 'm')
                return 1; /* code or a module folded into a cluster */
        }
    }
    return 1;
}

static bool is_wait(const struct debugger_args *d, const char *arg)
{
    return strcmp(arg, d->ptvsd ? "--wait" : "--wait-for-client") == 0;
}

/* Reads the debugger's own arguments up to the target. NULL on success, else
 * what is wrong. */
static const char *parse_debugger(const struct launch_ctx *ctx, struct debugger_args *d)
{
    static const char *const debugpy_values[] = {"--log-to", "--adapter-access-token"};
    static const char *const ptvsd_values[] = {"--log-dir", "--client-access-token",
                                               "--server-access-token"};
    char *const *a = ctx->argv;
    d->target = d->listen = d->host = d->port = -1;
    d->connect = false;
    for (int j = d->first; j < ctx->argc; j++) {
        const char *arg = a[j];
        if (arg[0] != '-' || strcmp(arg, "-m") == 0 || strcmp(arg, "-c") == 0 ||
            strcmp(arg, "--pid") == 0) {
            d->target = j;
            return NULL;
        }
        bool value = false;
        if (!d->ptvsd && (strcmp(arg, "--listen") == 0 || strcmp(arg, "--connect") == 0)) {
            d->connect = arg[2] == 'c';
            d->listen = d->connect ? -1 : j + 1;
            value = true;
        } else if (d->ptvsd && strcmp(arg, "--host") == 0) {
            d->host = j + 1;
            value = true;
        } else if (d->ptvsd && strcmp(arg, "--port") == 0) {
            d->port = j + 1;
            value = true;
        } else if (!d->ptvsd && strncmp(arg, "--configure-", 12) == 0) {
            value = true;
        } else {
            const char *const *names = d->ptvsd ? ptvsd_values : debugpy_values;
            size_t n = d->ptvsd ? sizeof ptvsd_values / sizeof *ptvsd_values
                                : sizeof debugpy_values / sizeof *debugpy_values;
            for (size_t k = 0; k < n; k++)
                value = value || strcmp(arg, names[k]) == 0;
        }
        if (value && ++j >= ctx->argc)
            return "an option lacks its value";
    }
    return "no script, -m module or -c code follows the debugger options";
}

/* python [interpreter options] TARGET...: the app as the build found it. */
static int plan_bare(const struct launch_ctx *ctx, const struct debugger_args *d,
                     const char *python, struct launch_plan *plan, struct bp_error *err)
{
    struct launch_argv argv = {0};
    int rc = -1;
    if (launch_argv_push(&argv, python) != 0)
        goto oom;
    for (int i = 1; i < d->marker; i++)
        if (launch_argv_push(&argv, ctx->argv[i]) != 0)
            goto oom;
    for (int i = d->target; i < ctx->argc; i++)
        if (launch_argv_push(&argv, ctx->argv[i]) != 0)
            goto oom;
    if (launch_plan_exec(plan, python, &argv) != 0)
        goto oom;
    rc = 0;
    goto cleanup;
oom:
    error_set(err, "out of memory");
cleanup:
    launch_argv_free(&argv);
    return rc;
}

/* Puts the debugger's package first on PYTHONPATH, keeping the user's. */
static int set_python_env(const struct launch_ctx *ctx, const char *dir, struct launch_plan *plan)
{
    const char *old = launch_env(ctx, "PYTHONPATH");
    struct strbuf sb = STRBUF_INIT;
    size_t dir_len = strlen(dir);
    int rc = -1;
    if (old != NULL && strncmp(old, dir, dir_len) == 0 && (old[dir_len] == ':' || old[dir_len] == '\0'))
        rc = 0; /* already first: a restart in the same environment */
    else if (strbuf_append_str(&sb, dir) == 0 &&
             (old == NULL || old[0] == '\0' || strbuf_appendf(&sb, ":%s", old) == 0))
        rc = launch_plan_setenv(plan, "PYTHONPATH", sb.data);
    strbuf_free(&sb);
    /* Python 3.11+ warns on every start that frozen modules hide breakpoints. */
    if (rc == 0 && launch_env(ctx, "PYDEVD_DISABLE_FILE_VALIDATION") == NULL)
        rc = launch_plan_setenv(plan, "PYDEVD_DISABLE_FILE_VALIDATION", "1");
    return rc;
}

static int push_address(struct launch_argv *argv, const char *value, const struct launch_settings *s,
                        char *shown, size_t shown_len)
{
    struct launch_address addr;
    char formatted[LAUNCH_HOST_MAX + 16];
    if (launch_address_parse(value, &addr) != 0) {
        snprintf(shown, shown_len, "%s", value);
        return launch_argv_push(argv, value); /* debugpy will say what is wrong */
    }
    launch_address_apply(&addr, s);
    launch_address_format(formatted, sizeof formatted, &addr);
    launch_address_describe(shown, shown_len, &addr, "127.0.0.1", 5678);
    return launch_argv_push(argv, formatted);
}

static int plan_debug(const struct launch_ctx *ctx, const struct debugger_args *d,
                      const char *python, struct launch_plan *plan, struct bp_error *err)
{
    const struct launch_settings *s = &ctx->settings;
    char *const *a = ctx->argv;
    struct launch_argv argv = {0};
    char shown[LAUNCH_HOST_MAX + 16] = "";
    char host[LAUNCH_HOST_MAX] = "127.0.0.1";
    int port = 5678;
    bool waits = false;
    int rc = -1;

    if (launch_argv_push(&argv, python) != 0)
        goto oom;
    for (int i = 1; i < d->first; i++)
        if (launch_argv_push(&argv, a[i]) != 0)
            goto oom;
    for (int j = d->first; j < d->target; j++) {
        if (is_wait(d, a[j])) {
            if (s->suspend != 0 && !waits && launch_argv_push(&argv, a[j]) != 0)
                goto oom;
            waits = waits || s->suspend != 0;
            continue;
        }
        if (j == d->listen) {
            if (push_address(&argv, a[j], s, shown, sizeof shown) != 0)
                goto oom;
            continue;
        }
        if (j == d->host) {
            snprintf(host, sizeof host, "%s", s->has_bind ? s->bind : a[j]);
            if (launch_argv_push(&argv, host) != 0)
                goto oom;
            continue;
        }
        if (j == d->port) {
            if (s->port != 0 ? launch_argv_pushf(&argv, "%d", s->port) != 0
                             : launch_argv_push(&argv, a[j]) != 0)
                goto oom;
            port = s->port != 0 ? s->port : atoi(a[j]);
            continue;
        }
        if (launch_argv_push(&argv, a[j]) != 0)
            goto oom;
    }
    if (d->ptvsd) {
        if (d->host < 0 && s->has_bind) {
            snprintf(host, sizeof host, "%s", s->bind);
            if (launch_argv_push(&argv, "--host") != 0 || launch_argv_push(&argv, host) != 0)
                goto oom;
        }
        if (d->port < 0 && s->port != 0) {
            port = s->port;
            if (launch_argv_push(&argv, "--port") != 0 || launch_argv_pushf(&argv, "%d", port) != 0)
                goto oom;
        }
        struct launch_address addr = {.has_host = true, .has_port = true, .port = port};
        snprintf(addr.host, sizeof addr.host, "%s", host);
        launch_address_format(shown, sizeof shown, &addr);
    }
    if (s->suspend == 1 && !waits) {
        waits = true;
        if (launch_argv_push(&argv, d->ptvsd ? "--wait" : "--wait-for-client") != 0)
            goto oom;
    }
    for (int i = d->target; i < ctx->argc; i++)
        if (launch_argv_push(&argv, a[i]) != 0)
            goto oom;
    if (launch_plan_exec(plan, python, &argv) != 0)
        goto oom;
    if (d->connect)
        rc = launch_say(plan, "debugpy connects out to the address in --connect "
                        "(BPL_DEBUG_ENABLED=false turns it off)");
    else
        rc = launch_say_listening(plan, d->ptvsd ? "ptvsd" : "debugpy", shown, waits);
    if (rc != 0)
        goto oom;
    plan->debugging = true;
    goto cleanup;
oom:
    rc = error_set(err, "out of memory");
cleanup:
    launch_argv_free(&argv);
    return rc;
}

int launch_plan_python(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    struct debugger_args d = {0};
    if (find_marker(ctx, &d) != 0)
        return launch_passthrough(ctx, ctx->name, plan, err);
    const char *what = d.ptvsd ? "ptvsd" : "debugpy";
    const char *wrong = parse_debugger(ctx, &d);
    if (wrong != NULL) {
        if (launch_say(plan, "python -m %s: %s; running python as it is", what, wrong) != 0)
            return error_set(err, "out of memory");
        return launch_passthrough(ctx, ctx->name, plan, err);
    }

    char *python = launch_real_tool(ctx, ctx->name, err);
    char *dir = path_join(ctx->layer_dir, what);
    int rc = -1;
    if (python == NULL)
        goto cleanup;
    if (dir == NULL || launch_settings_read(ctx, plan) != 0)
        goto oom;
    struct launch_settings *s = &ctx->settings;
    if (s->enabled && !file_is_dir(dir)) {
        s->enabled = false;
        if (launch_say(plan, "%s is missing, so python cannot import %s; starting the app without "
                       "the debugger", dir, what) != 0)
            goto oom;
    }
    if (s->enabled && d.isolated) {
        /* PYTHONPATH is how the debugger gets imported; nothing else would
         * make `-m debugpy` work, and failing to import it would stop the app. */
        s->enabled = false;
        if (launch_say(plan, "python runs with -E or -I, which ignore PYTHONPATH, so it cannot "
                       "import %s; starting the app without the debugger", what) != 0)
            goto oom;
    }
    if (s->enabled && !d.ptvsd && s->has_bind && strchr(s->bind, ':') != NULL) {
        /* debugpy splits --listen at the first ':', so it cannot take IPv6. */
        s->enabled = false;
        if (launch_say(plan, "BPL_DEBUG_BIND=\"%s\": debugpy cannot listen on an IPv6 address "
                       "(use 0.0.0.0 or a host name); starting the app without the debugger",
                       s->bind) != 0)
            goto oom;
    }
    if (s->enabled && !d.ptvsd && d.listen < 0 && !d.connect) {
        s->enabled = false;
        if (launch_say(plan, "python -m debugpy has neither --listen nor --connect; starting the "
                       "app without the debugger") != 0)
            goto oom;
    }
    if (!s->enabled) {
        rc = plan_bare(ctx, &d, python, plan, err);
        goto cleanup;
    }
    if (set_python_env(ctx, dir, plan) != 0)
        goto oom;
    rc = plan_debug(ctx, &d, python, plan, err);
    goto cleanup;
oom:
    rc = error_set(err, "out of memory");
cleanup:
    free(dir);
    free(python);
    return rc;
}
