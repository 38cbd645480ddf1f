/* The launch dispatcher: chooses the planner from the name the wrapper runs
 * under. The planners' shared pieces are in toolkit.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/xalloc.h"
#include "launch/internal.h"

/* python, python3, python3.11: whatever name the build linked. */
static bool is_python_name(const char *name)
{
    return strncmp(name, "python", 6) == 0 && strspn(name + 6, "0123456789.") == strlen(name + 6);
}

static const struct {
    const char *name; /* NULL: any python name */
    int (*plan)(struct launch_ctx *, struct launch_plan *, struct bp_error *);
} planners[] = {
    {"dlv", launch_plan_go},   {NULL, launch_plan_python},  {"node", launch_plan_node},
    {"nodemon", launch_plan_node}, {"npm", launch_plan_npm}, {"jdwp", launch_plan_jdwp},
    {"yarn", launch_plan_pm},  {"pnpm", launch_plan_pm},    {"npx", launch_plan_pm},
    {"run", launch_plan_run},
};

static const char *ctx_getenv(const char *name, void *data)
{
    const struct launch_ctx *ctx = data;
    return launch_env(ctx, name);
}

/* CNB_DEBUG_EXPAND's marks that can be read, for the best-effort path: a
 * garbled list must not keep the good words from being expanded. */
static void marks_lenient(const char *marks, size_t argc, unsigned char *expand)
{
    memset(expand, 0, argc);
    for (const char *p = marks; *p != '\0';) {
        char *end = NULL;
        unsigned long i = strtoul(p, &end, 10);
        if (end != p && (*end == ',' || *end == '\0') && i < argc)
            expand[i] = 1;
        p += strcspn(p, ",");
        p += *p == ',';
    }
}

/* bin/build left sh parameter expansions (`--port=${PORT:-8080}`) in the
 * words CNB_DEBUG_EXPAND names, since no shell runs at launch: expand them
 * from the launch environment before any planner reads argv, so every mode
 * sees the words sh would have given it. A failure never stops the app: one
 * line, and each word is expanded alone where it can be (else kept as it
 * is). */
static void expand_argv(struct launch_ctx *ctx, struct launch_plan *plan,
                        struct command_argv *out)
{
    const char *marks = launch_env(ctx, COMMAND_EXPAND_ENV);
    if (marks == NULL || marks[0] == '\0')
        return;
    struct command_argv in = {0};
    struct bp_error err = {{0}};
    for (int i = 0; i < ctx->argc; i++)
        launch_push(&in, ctx->argv[i]);
    if (command_expand_argv(&in, marks, ctx_getenv, ctx, out, &err) != 0) {
        command_argv_free(out);
        unsigned char *expand = xcalloc(in.len + 1, 1);
        marks_lenient(marks, in.len, expand);
        for (size_t i = 0; i < in.len; i++) {
            struct command_argv fields = {0};
            struct bp_error ignored = {{0}};
            if (expand[i] && command_expand_word(in.items[i], ctx_getenv, ctx, true, &fields,
                                                 &ignored) == 0) {
                for (size_t f = 0; f < fields.len; f++)
                    launch_push(out, fields.items[f]);
            } else {
                launch_push(out, in.items[i]);
            }
            command_argv_free(&fields);
        }
        free(expand);
        char shown[200];
        launch_printable(shown, sizeof shown, err.message);
        launch_say(plan, "%s; expanded the words that could be read, the rest as they are", shown);
    }
    command_argv_free(&in);
    ctx->argc = (int)out->len;
    ctx->argv = out->items;
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
    struct command_argv expanded = {0};
    if (strcmp(name, "jdwp") != 0) /* exec.d has no command words */
        expand_argv(&ctx, plan, &expanded);
    int rc = -2;
    for (size_t i = 0; rc == -2 && i < sizeof planners / sizeof *planners; i++)
        if (planners[i].name ? strcmp(name, planners[i].name) == 0 : is_python_name(name))
            rc = planners[i].plan(&ctx, plan, err);
    if (rc == -2) {
        char shown[80];
        launch_printable(shown, sizeof shown, name);
        launch_say(plan, "unknown tool name '%s' (this wrapper serves run, dlv, python, node, "
                   "nodemon, npm, yarn, pnpm, npx and the exec.d helper jdwp); running real/%s "
                   "as it is", shown, shown);
        rc = launch_passthrough(&ctx, name, plan, err);
    }
    command_argv_free(&expanded);
    return rc;
}

/* A command at launch as execvp would find it: names with a '/' as they
 * are, others on the launch PATH. Not found: the name itself, so the exec
 * fails with ENOENT and main reports it (127, as sh). */
static char *find_on_path(const struct launch_ctx *ctx, const char *cmd)
{
    const char *path = launch_env(ctx, "PATH");
    if (strchr(cmd, '/') != NULL || path == NULL)
        return xstrdup(cmd);
    for (const char *p = path;;) {
        size_t n = strcspn(p, ":");
        char *dir = n == 0 ? xstrdup(".") : xstrndup(p, n);
        char *full = path_join(dir, cmd);
        free(dir);
        struct stat st;
        if (access(full, X_OK) == 0 && stat(full, &st) == 0 && S_ISREG(st.st_mode))
            return full;
        free(full);
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    return xstrdup(cmd);
}

int launch_plan_run(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err)
{
    if (ctx->argc < 2)
        return error_set(err, "run: no command to run (usage: run CMD [ARGS...])");
    char *path = find_on_path(ctx, ctx->argv[1]);
    struct command_argv argv = {0};
    for (int i = 1; i < ctx->argc; i++)
        launch_push(&argv, ctx->argv[i]);
    launch_plan_exec(plan, path, &argv);
    free(path);
    return 0;
}

void launch_plan_free(struct launch_plan *plan)
{
    command_argv_free(&plan->argv);
    free(plan->path);
    free(plan->target);
    for (size_t i = 0; i < plan->env_len; i++) {
        free(plan->env[i].name);
        free(plan->env[i].value);
    }
    free(plan->toml);
    free(plan->messages);
    free(plan->listen);
    memset(plan, 0, sizeof *plan);
}
