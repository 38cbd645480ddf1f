/* Chooses the planner from the name the wrapper runs under, and the helpers
 * every planner shares: messages, env changes, argv vectors, real tools. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "launch/internal.h"

static int grow(struct launch_argv *v)
{
    if (v->len + 2 <= v->cap)
        return 0;
    size_t cap = v->cap ? v->cap * 2 : 16;
    char **items = realloc(v->items, cap * sizeof *items);
    if (items == NULL)
        return -1;
    v->items = items;
    v->cap = cap;
    return 0;
}

int launch_argv_push(struct launch_argv *v, const char *s)
{
    char *copy = strdup(s);
    if (copy == NULL || grow(v) != 0) {
        free(copy);
        return -1;
    }
    v->items[v->len++] = copy;
    v->items[v->len] = NULL;
    return 0;
}

int launch_argv_pushf(struct launch_argv *v, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = strbuf_vappendf(&sb, fmt, ap);
    va_end(ap);
    if (rc == 0)
        rc = launch_argv_push(v, sb.data ? sb.data : "");
    strbuf_free(&sb);
    return rc;
}

void launch_argv_free(struct launch_argv *v)
{
    for (size_t i = 0; i < v->len; i++)
        free(v->items[i]);
    free(v->items);
    v->items = NULL;
    v->len = v->cap = 0;
}

int launch_say(struct launch_plan *plan, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    if (plan->messages != NULL && strbuf_append_str(&sb, plan->messages) != 0)
        goto oom;
    va_list ap;
    va_start(ap, fmt);
    int rc = strbuf_append_str(&sb, "debug-launch: ");
    if (rc == 0)
        rc = strbuf_vappendf(&sb, fmt, ap);
    va_end(ap);
    if (rc != 0 || strbuf_append_char(&sb, '\n') != 0)
        goto oom;
    free(plan->messages);
    plan->messages = strbuf_detach(&sb);
    return 0;
oom:
    strbuf_free(&sb);
    return -1;
}

int launch_say_listening(struct launch_plan *plan, const char *what, const char *address,
                         bool suspended)
{
    return launch_say(plan, "%s listening on %s%s (BPL_DEBUG_ENABLED=false turns it off)", what,
                      address, suspended ? ", the app waits until a debugger attaches" : "");
}

int launch_plan_setenv(struct launch_plan *plan, const char *name, const char *value)
{
    if (plan->env_len == LAUNCH_MAX_ENV)
        return -1;
    char *n = strdup(name), *v = strdup(value);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return -1;
    }
    plan->env[plan->env_len].name = n;
    plan->env[plan->env_len].value = v;
    plan->env_len++;
    return 0;
}

int launch_plan_exec(struct launch_plan *plan, const char *path, struct launch_argv *argv)
{
    char *copy = strdup(path);
    if (copy == NULL || (argv->items == NULL && grow(argv) != 0)) {
        free(copy);
        return -1;
    }
    free(plan->path);
    plan->path = copy;
    plan->argv = argv->items;
    plan->argc = argv->len;
    argv->items = NULL;
    argv->len = argv->cap = 0;
    return 0;
}

char *launch_real_tool(const struct launch_ctx *ctx, const char *name, struct bp_error *err)
{
    char *real_dir = path_join(ctx->layer_dir, "real");
    char *link = real_dir ? path_join(real_dir, name) : NULL;
    char *path = NULL;
    char target[PATH_MAX];
    if (link == NULL) {
        error_set(err, "out of memory");
        goto cleanup;
    }
    /* The target, not the link: CPython finds its prefix (and a venv its
     * pyvenv.cfg) from the path it was exec'd as. */
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n >= 0) {
        target[n] = '\0';
        path = target[0] == '/' ? strdup(target) : path_join(real_dir, target);
    } else if (errno == EINVAL) {
        path = strdup(link); /* a plain file stands for itself */
    } else {
        error_set(err, "no real %s to run: %s: %s", name, link, strerror(errno));
        goto cleanup;
    }
    if (path == NULL) {
        error_set(err, "out of memory");
        goto cleanup;
    }
    if (access(path, X_OK) != 0) {
        error_set(err, "the real %s (%s, linked from %s) cannot be run: %s", name, path, link,
                  strerror(errno));
        free(path);
        path = NULL;
    }
cleanup:
    free(link);
    free(real_dir);
    return path;
}

int launch_passthrough(const struct launch_ctx *ctx, const char *real_name,
                       struct launch_plan *plan, struct bp_error *err)
{
    struct launch_argv argv = {0};
    int rc = -1;
    char *real = launch_real_tool(ctx, real_name, err);
    if (real == NULL)
        goto cleanup;
    if (launch_argv_push(&argv, real) != 0)
        goto oom;
    for (int i = 1; i < ctx->argc; i++)
        if (launch_argv_push(&argv, ctx->argv[i]) != 0)
            goto oom;
    if (launch_plan_exec(plan, real, &argv) != 0)
        goto oom;
    rc = 0;
    goto cleanup;
oom:
    error_set(err, "out of memory");
cleanup:
    launch_argv_free(&argv);
    free(real);
    return rc;
}

/* python, python3, python3.11: whatever name the build linked. */
static bool is_python_name(const char *name)
{
    return strncmp(name, "python", 6) == 0 && strspn(name + 6, "0123456789.") == strlen(name + 6);
}

int launch_plan(const char *name, int argc, char *const argv[], launch_getenv_fn *getenv_fn,
                void *getenv_data, const char *layer_dir, struct launch_plan *plan,
                struct bp_error *err)
{
    memset(plan, 0, sizeof *plan);
    if (argc < 1 || argv == NULL || argv[0] == NULL || name == NULL || layer_dir == NULL)
        return error_set(err, "no program name to dispatch on");
    struct launch_ctx ctx = {
        .name = name,
        .argc = argc,
        .argv = argv,
        .getenv_fn = getenv_fn,
        .getenv_data = getenv_data,
        .layer_dir = layer_dir,
    };
    ctx.settings.enabled = false;
    if (strcmp(name, "dlv") == 0)
        return launch_plan_go(&ctx, plan, err);
    if (is_python_name(name))
        return launch_plan_python(&ctx, plan, err);
    if (strcmp(name, "node") == 0 || strcmp(name, "nodemon") == 0)
        return launch_plan_node(&ctx, plan, err);
    if (strcmp(name, "npm") == 0)
        return launch_plan_npm(&ctx, plan, err);
    if (strcmp(name, "jdwp") == 0)
        return launch_plan_jdwp(&ctx, plan, err);

    char shown[80];
    launch_printable(shown, sizeof shown, name);
    if (launch_say(plan, "unknown tool name '%s' (this wrapper serves dlv, python, node, nodemon, "
                   "npm and the exec.d helper jdwp); running real/%s as it is", shown, shown) != 0)
        return error_set(err, "out of memory");
    return launch_passthrough(&ctx, name, plan, err);
}

void launch_plan_free(struct launch_plan *plan)
{
    if (plan->argv != NULL)
        for (size_t i = 0; i < plan->argc; i++)
            free(plan->argv[i]);
    free(plan->argv);
    free(plan->path);
    free(plan->target);
    for (size_t i = 0; i < plan->env_len; i++) {
        free(plan->env[i].name);
        free(plan->env[i].value);
    }
    free(plan->toml);
    free(plan->messages);
    memset(plan, 0, sizeof *plan);
}
