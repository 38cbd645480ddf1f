/* The runtime table and what every runtime shares: the process view
 * (shell unwrapping, resolving argv[0]) and plan bookkeeping. */
#include "runtime/runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"

static const struct {
    const char *name;
    const char *label_name;
    int default_port;
    int (*plan)(const struct runtime_process *, const struct runtime_context *,
                struct runtime_plan *, struct bp_error *);
} runtimes[RUNTIME_COUNT] = {
    [RUNTIME_GO] = {"go", "go", 56268, runtime_go_plan},
    [RUNTIME_PYTHON] = {"python", "python", 5678, runtime_python_plan},
    [RUNTIME_NODE] = {"node", "nodejs", 9229, runtime_node_plan},
    [RUNTIME_DOTNET] = {"dotnet", "netcore", 0, runtime_dotnet_plan},
    [RUNTIME_JVM] = {"jvm", "jvm", 5005, runtime_jvm_plan},
};

const char *runtime_name(enum runtime_id id)
{
    return runtimes[id].name;
}

const char *runtime_label_name(enum runtime_id id)
{
    return runtimes[id].label_name;
}

int runtime_default_port(enum runtime_id id)
{
    return runtimes[id].default_port;
}

int runtime_port(const struct runtime_context *ctx, enum runtime_id id)
{
    if (ctx->ports[id] > 0)
        return ctx->ports[id];
    return ctx->port > 0 ? ctx->port : runtimes[id].default_port;
}

const char *runtime_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void runtime_format_address(char *out, size_t len, const char *host, int port)
{
    if (strchr(host, ':') != NULL)
        snprintf(out, len, "[%s]:%d", host, port);
    else
        snprintf(out, len, "%s:%d", host, port);
}

static bool is_executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *runtime_resolve_command(const char *name, const char *dir, const char *path_env)
{
    if (name[0] == '/')
        return file_exists(name) ? strdup(name) : NULL;
    if (strchr(name, '/') != NULL) {
        char *path = dir ? path_join(dir, name) : NULL;
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
                return strdup(candidate);
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
            result = strdup(word);
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
    } else if (command_argv_copy(&rp->argv, &p->command, err) != 0) {
        goto fail;
    }
    rp->command_len = rp->argv.len;
    if (command_argv_copy(&rp->argv, &p->args, err) != 0)
        goto fail;
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
    if (workdir == NULL && p->working_dir != NULL && (workdir = strdup(p->working_dir)) == NULL)
        goto oom;
    rp->workdir = workdir;
    workdir = NULL;
    const char *dir = rp->workdir ? rp->workdir : ctx->app_dir;
    char *relative_dir = NULL;
    if (dir != NULL && dir[0] != '/' && ctx->app_dir != NULL)
        dir = relative_dir = path_join(ctx->app_dir, dir);
    rp->executable = runtime_resolve_command(rp->argv.items[0], dir, ctx->path_env);
    free(relative_dir);
    return 0;
oom:
    error_set(err, "out of memory");
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

int runtime_plan_process(const struct runtime_process *rp, const struct runtime_context *ctx,
                         struct runtime_plan *plan, char *why, size_t why_len, struct bp_error *err)
{
    memset(plan, 0, sizeof *plan);
    if (rp->argv.len == 0) {
        snprintf(why, why_len, "its command is a shell line with operators or expansions (%s); "
                 "no runtime can be read from it", rp->original->command.items[0]);
        return 0;
    }
    for (int id = 0; id < RUNTIME_COUNT; id++) {
        plan->runtime = (enum runtime_id)id;
        int rc = runtimes[id].plan(rp, ctx, plan, err);
        if (rc == 0 && plan->warnings_len > 0) {
            /* A runtime that recognised the process but cannot debug it says why. */
            snprintf(why, why_len, "%s", plan->warnings[0]);
            runtime_plan_free(plan);
            return 0;
        }
        if (rc != 0) {
            if (rc < 0) {
                runtime_plan_free(plan);
                return error_wrap(err, "process '%s'", rp->original->type);
            }
            return 1;
        }
        runtime_plan_free(plan);
        memset(plan, 0, sizeof *plan);
    }
    if (rp->executable == NULL)
        snprintf(why, why_len, "'%s' was not found (not in the app, a layer or PATH)", rp->argv.items[0]);
    else
        snprintf(why, why_len, "'%s' is not a Go binary, Python, Node.js, .NET or JVM command",
                 rp->argv.items[0]);
    return 0;
}

void runtime_plan_free(struct runtime_plan *plan)
{
    command_argv_free(&plan->command);
    command_argv_free(&plan->args);
    free(plan->workdir);
    free(plan->runtime_version);
    free(plan->tool_path);
    for (size_t i = 0; i < plan->links_len; i++) {
        free(plan->links[i].name);
        free(plan->links[i].target);
    }
    for (size_t i = 0; i < plan->warnings_len; i++)
        free(plan->warnings[i]);
    memset(plan, 0, sizeof *plan);
}

int runtime_plan_warn(struct runtime_plan *plan, const char *fmt, ...)
{
    if (plan->warnings_len >= RUNTIME_MAX_NOTES)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    plan->warnings[plan->warnings_len++] = text;
    return 0;
}

int runtime_plan_link(struct runtime_plan *plan, const char *name, const char *target)
{
    if (plan->links_len >= RUNTIME_MAX_LINKS)
        return -1;
    plan->links[plan->links_len].name = strdup(name);
    plan->links[plan->links_len].target = strdup(target);
    if (!plan->links[plan->links_len].name || !plan->links[plan->links_len].target)
        return -1;
    plan->links_len++;
    return 0;
}

int runtime_plan_set_argv(struct runtime_plan *plan, const struct runtime_process *rp,
                          const struct command_argv *full, struct bp_error *err)
{
    size_t overridable = rp->argv.len - rp->command_len;
    if (overridable > full->len)
        overridable = 0;
    size_t split = full->len - overridable;
    command_argv_free(&plan->command);
    command_argv_free(&plan->args);
    for (size_t i = 0; i < full->len; i++)
        if (command_argv_push(i < split ? &plan->command : &plan->args, full->items[i], err) != 0)
            return -1;
    plan->rewritten = true;
    return 0;
}

char *runtime_layer_path(const struct runtime_context *ctx, const char *relative)
{
    return path_join(ctx->layer_dir, relative);
}
