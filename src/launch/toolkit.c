/* What every launch planner shares: argv words, messages, env changes,
 * handing the final command to the plan, and finding the real tools. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/xalloc.h"
#include "launch/internal.h"

void launch_push(struct command_argv *v, const char *s)
{
    command_argv_push(v, s);
}

void launch_pushf(struct command_argv *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *word = xvasprintf(fmt, ap);
    va_end(ap);
    launch_push(v, word);
    free(word);
}

void launch_say(struct launch_plan *plan, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    if (plan->messages != NULL)
        strbuf_append_str(&sb, plan->messages);
    strbuf_append_str(&sb, "debug-launch: ");
    va_list ap;
    va_start(ap, fmt);
    strbuf_vappendf(&sb, fmt, ap);
    va_end(ap);
    strbuf_append_char(&sb, '\n');
    free(plan->messages);
    plan->messages = strbuf_detach(&sb);
}

void launch_say_listening(struct launch_plan *plan, const struct launch_settings *s,
                          const char *what, const char *address, bool suspended)
{
    free(plan->listen);
    plan->listen = xstrdup(address);
    /* "starting", not "listening": the tool binds after this wrapper has
     * exec'd it (main checks first that the address can be bound; the dlv
     * supervisor says "listening" once the port really listens). */
    launch_say(plan, "%s starting on %s%s%s (BPL_DEBUG_ENABLED=false turns it off)", what, address,
               suspended ? ", the app waits until a debugger attaches" : "",
               s->k8s_loopback ? "; loopback because this runs on Kubernetes (kubectl "
                                 "port-forward reaches it; BPL_DEBUG_BIND=0.0.0.0 opens it)" : "");
}

int launch_plan_setenv(struct launch_plan *plan, const char *name, const char *value)
{
    if (plan->env_len == LAUNCH_MAX_ENV)
        return -1;
    plan->env[plan->env_len].name = xstrdup(name);
    plan->env[plan->env_len].value = xstrdup(value);
    plan->env_len++;
    return 0;
}

void launch_plan_exec(struct launch_plan *plan, const char *path, struct command_argv *argv)
{
    free(plan->path);
    plan->path = xstrdup(path);
    command_argv_free(&plan->argv);
    plan->argv = *argv;
    if (plan->argv.items == NULL) /* execv needs a NULL-terminated array */
        plan->argv.items = xcalloc(1, sizeof *plan->argv.items);
    argv->items = NULL;
    argv->len = 0;
}

char *launch_real_tool(const struct launch_ctx *ctx, const char *name, struct bp_error *err)
{
    char *real_dir = path_join(ctx->layer_dir, "real");
    char *link = path_join(real_dir, name);
    char *path = NULL;
    char target[PATH_MAX];
    /* The target, not the link: CPython finds its prefix (and a venv its
     * pyvenv.cfg) from the path it was exec'd as. */
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n >= 0) {
        target[n] = '\0';
        path = target[0] == '/' ? xstrdup(target) : path_join(real_dir, target);
    } else if (errno == EINVAL) {
        path = xstrdup(link); /* a plain file stands for itself */
    } else {
        error_set(err, "no real %s to run: %s: %s", name, link, strerror(errno));
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
    char *real = launch_real_tool(ctx, real_name, err);
    if (real == NULL)
        return -1;
    struct command_argv argv = {0};
    launch_push(&argv, real);
    for (int i = 1; i < ctx->argc; i++)
        launch_push(&argv, ctx->argv[i]);
    launch_plan_exec(plan, real, &argv);
    free(real);
    return 0;
}
