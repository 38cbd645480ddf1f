/* What every runtime file shares: the process view (shell unwrapping,
 * resolving argv[0]) and plan bookkeeping. The table is in runtime.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"

const char *runtime_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void runtime_push(struct command_argv *argv, const char *word)
{
    /* command_argv_push still reports allocation failure; this tree's
     * policy is to abort on it (common/xalloc.h). */
    if (command_argv_push(argv, word, NULL) != 0)
        xalloc_die();
}

/* path_join, aborting when out of memory like xalloc. */
static char *join(const char *a, const char *b)
{
    char *path = path_join(a, b);
    if (path == NULL)
        xalloc_die();
    return path;
}

static bool is_executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *runtime_resolve_command(const char *name, const char *dir, const char *path_env)
{
    if (name[0] == '/')
        return file_exists(name) ? xstrdup(name) : NULL;
    if (strchr(name, '/') != NULL) {
        char *path = dir ? join(dir, name) : NULL;
        if (path != NULL && !file_exists(path)) {
            free(path);
            path = NULL;
        }
        return path;
    }
    if (path_env == NULL)
        return NULL;
    const char *p = path_env;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 0) {
            char candidate[4096];
            snprintf(candidate, sizeof candidate, "%.*s/%s", (int)len, p, name);
            if (is_executable_file(candidate))
                return xstrdup(candidate);
        }
        p += len;
        if (*p == ':')
            p++;
    }
    return NULL;
}

char *runtime_read_shebang(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char line[512];
    char *result = NULL;
    if (fgets(line, sizeof line, f) != NULL && line[0] == '#' && line[1] == '!') {
        char *save = NULL;
        char *word = strtok_r(line + 2, " \t\r\n", &save);
        if (word != NULL && strcmp(runtime_basename(word), "env") == 0) {
            word = strtok_r(NULL, " \t\r\n", &save);
            while (word != NULL && word[0] == '-') /* env -S and friends */
                word = strtok_r(NULL, " \t\r\n", &save);
        }
        if (word != NULL)
            result = xstrdup(word);
    }
    fclose(f);
    return result;
}

int runtime_process_init(struct runtime_process *rp, const struct cnb_process *p,
                         const struct runtime_context *ctx, struct bp_error *err)
{
    memset(rp, 0, sizeof *rp);
    rp->original = p;
    char *workdir = NULL;
    if (p->legacy && !p->direct) {
        int kind = command_split(p->command.items[0], &rp->argv, &workdir, err);
        if (kind < 0)
            return error_wrap(err, "process '%s' (%s)", p->type, p->source);
        if (kind == COMMAND_NEEDS_SHELL) {
            /* Leave argv empty: no runtime can be sure what this line runs. */
            return 0;
        }
    } else {
        for (size_t i = 0; i < p->command.len; i++)
            runtime_push(&rp->argv, p->command.items[i]);
    }
    rp->command_len = rp->argv.len;
    for (size_t i = 0; i < p->args.len; i++)
        runtime_push(&rp->argv, p->args.items[i]);
    if (p->legacy)
        rp->command_len = rp->argv.len; /* API < 0.9: user args are appended, never replace */

    char *inner_dir = NULL;
    int unwrapped = command_unwrap_shell(&rp->argv, &inner_dir, err);
    if (unwrapped < 0) {
        error_wrap(err, "process '%s' (%s)", p->type, p->source);
        goto fail;
    }
    if (unwrapped == 0) {
        unwrapped = command_unwrap_script(&rp->argv, err);
        if (unwrapped < 0) {
            error_wrap(err, "process '%s' (%s): %s", p->type, p->source, rp->argv.items[1]);
            goto fail;
        }
    }
    if (unwrapped == 1) {
        rp->command_len = rp->argv.len;
        if (inner_dir != NULL) {
            free(workdir);
            workdir = inner_dir;
        }
    }
    if (rp->argv.len == 0 || rp->argv.items[0][0] == '\0') {
        error_set(err, "process '%s' (%s) has an empty command", p->type, p->source);
        goto fail;
    }
    if (workdir == NULL && p->working_dir != NULL)
        workdir = xstrdup(p->working_dir);
    rp->workdir = workdir;
    workdir = NULL;
    const char *dir = rp->workdir ? rp->workdir : ctx->app_dir;
    char *relative_dir = NULL;
    if (dir != NULL && dir[0] != '/' && ctx->app_dir != NULL)
        dir = relative_dir = join(ctx->app_dir, dir);
    rp->executable = runtime_resolve_command(rp->argv.items[0], dir, ctx->path_env);
    free(relative_dir);
    return 0;
fail:
    free(workdir);
    runtime_process_free(rp);
    return -1;
}

void runtime_process_free(struct runtime_process *rp)
{
    command_argv_free(&rp->argv);
    free(rp->workdir);
    free(rp->executable);
    memset(rp, 0, sizeof *rp);
}

void runtime_plan_free(struct runtime_plan *plan)
{
    command_argv_free(&plan->command);
    command_argv_free(&plan->args);
    free(plan->workdir);
    free(plan->runtime_version);
    free(plan->tool_path);
    free(plan->go_module);
    for (size_t i = 0; i < plan->links_len; i++) {
        free(plan->links[i].name);
        free(plan->links[i].target);
    }
    for (size_t i = 0; i < plan->warnings_len; i++)
        free(plan->warnings[i]);
    memset(plan, 0, sizeof *plan);
}

void runtime_plan_warn(struct runtime_plan *plan, const char *fmt, ...)
{
    if (plan->warnings_len >= RUNTIME_MAX_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    plan->warnings[plan->warnings_len++] = xvasprintf(fmt, ap);
    va_end(ap);
}

int runtime_plan_link(struct runtime_plan *plan, const char *name, const char *target,
                      struct bp_error *err)
{
    if (plan->links_len >= RUNTIME_MAX_LINKS)
        return error_set(err, "more than %d real tools for one process", RUNTIME_MAX_LINKS);
    plan->links[plan->links_len].name = xstrdup(name);
    plan->links[plan->links_len].target = xstrdup(target);
    plan->links_len++;
    return 0;
}

int runtime_plan_already(struct runtime_plan *plan, const struct runtime_process *rp,
                         enum debugger_id id)
{
    struct debugger_view view;
    if (debugger_read(id, (int)rp->argv.len, rp->argv.items, &view) == 0)
        return 0;
    plan->already_debug = true;
    plan->debugger = id;
    plan->protocol = debugger_get(id)->protocol;
    plan->port = view.port;
    plan->wait = view.waits;
    return 1;
}

void runtime_plan_set_argv(struct runtime_plan *plan, const struct runtime_process *rp,
                           const struct command_argv *full)
{
    size_t overridable = rp->argv.len - rp->command_len;
    if (overridable > full->len)
        overridable = 0;
    size_t split = full->len - overridable;
    command_argv_free(&plan->command);
    command_argv_free(&plan->args);
    for (size_t i = 0; i < full->len; i++)
        runtime_push(i < split ? &plan->command : &plan->args, full->items[i]);
    plan->rewritten = true;
}

char *runtime_layer_path(const struct runtime_context *ctx, const char *relative)
{
    return join(ctx->layer_dir, relative);
}
