/* Seeing through process wrappers (tini, dumb-init, watchexec, env, nice,
 * exec) and telling package managers (npm, yarn, pnpm, npx) from the app.
 * Shapes as real buildpacks write them: Paketo node-start build.go
 * (`tini -g -- node FILE`), npm-start build.go (`watchexec --restart --shell
 * none --watch P --ignore P ... -- sh start.sh`), libreload-packit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command/command.h"
#include "common/xalloc.h"

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool is_one_of(const char *word, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(word, *list) == 0)
            return true;
    return false;
}

void command_wrapped_free(struct command_wrapped *w)
{
    command_argv_free(&w->prefix);
    command_argv_free(&w->env);
    command_argv_free(&w->inner);
    w->reason[0] = '\0';
}

static void keep(struct command_wrapped *out, const struct command_argv *argv, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        command_argv_push(&out->prefix, argv->items[i]);
}

/* Options of tini / dumb-init, then an optional `--`: returns the index of
 * the command, or argv->len when there is none. */
static size_t skip_options(const struct command_argv *argv, const char *const *with_value)
{
    size_t i = 1;
    while (i < argv->len && argv->items[i][0] == '-') {
        if (strcmp(argv->items[i], "--") == 0)
            return i + 1;
        if (is_one_of(argv->items[i], with_value))
            i++;
        i++;
    }
    return i;
}

/* One wrapper at argv[0]: fills out->prefix/env and returns the index of
 * the inner command; 0 when argv[0] is no wrapper; -1 with out->reason. */
static long one_wrapper(const struct command_argv *argv, struct command_wrapped *out)
{
    const char *name = base_name(argv->items[0]);
    size_t at;
    if (strcmp(name, "exec") == 0)
        return 1;
    if (strcmp(name, "tini") == 0 || strcmp(name, "tini-static") == 0) {
        static const char *const values[] = {"-p", "-e", NULL};
        at = skip_options(argv, values);
    } else if (strcmp(name, "dumb-init") == 0) {
        static const char *const values[] = {"-r", "--rewrite", NULL};
        at = skip_options(argv, values);
    } else if (strcmp(name, "nice") == 0) {
        static const char *const values[] = {"-n", "--adjustment", NULL};
        at = skip_options(argv, values);
    } else if (strcmp(name, "watchexec") == 0) {
        /* Its command follows `--`; without `--shell none` (or -n) watchexec
         * joins the words and hands them to a shell. */
        bool no_shell = false;
        at = argv->len;
        for (size_t i = 1; i < argv->len; i++) {
            const char *a = argv->items[i];
            if (strcmp(a, "--") == 0) {
                at = i + 1;
                break;
            }
            if (strcmp(a, "-n") == 0 || strcmp(a, "--shell=none") == 0 ||
                (strcmp(a, "--shell") == 0 && i + 1 < argv->len &&
                 strcmp(argv->items[i + 1], "none") == 0))
                no_shell = true;
        }
        if (at >= argv->len) {
            snprintf(out->reason, sizeof out->reason, "watchexec without `-- COMMAND`");
            return -1;
        }
        if (!no_shell) {
            snprintf(out->reason, sizeof out->reason,
                     "watchexec without --shell none runs its command through a shell");
            return -1;
        }
    } else if (strcmp(name, "env") == 0) {
        size_t i = 1;
        bool options = false;
        for (; i < argv->len; i++) {
            const char *a = argv->items[i];
            if (strcmp(a, "--") == 0 && !options) {
                options = true;
                continue;
            }
            if (a[0] == '-') {
                options = true;
                if (strcmp(a, "-S") == 0 || strncmp(a, "--split-string", 14) == 0) {
                    snprintf(out->reason, sizeof out->reason, "env -S splits a string like a shell");
                    return -1;
                }
                if (strcmp(a, "-u") == 0 || strcmp(a, "-C") == 0)
                    i++;
                continue;
            }
            if (strchr(a, '=') == NULL)
                break;
        }
        if (i >= argv->len) {
            snprintf(out->reason, sizeof out->reason, "env without a command prints the environment");
            return -1;
        }
        if (options) {
            keep(out, argv, 0, i);
        } else {
            for (size_t k = 1; k < i; k++)
                command_argv_push(&out->env, argv->items[k]);
        }
        return (long)i;
    } else {
        return 0;
    }
    if (at >= argv->len) {
        snprintf(out->reason, sizeof out->reason, "%s without a command", name);
        return -1;
    }
    keep(out, argv, 0, at);
    return (long)at;
}

int command_see_through(const struct command_argv *argv, struct command_wrapped *out)
{
    memset(out, 0, sizeof *out);
    struct command_argv rest = {0};
    command_argv_copy(&rest, argv);
    int seen = 0;
    while (rest.len > 0) {
        long at = one_wrapper(&rest, out);
        if (at == 0)
            break;
        seen = 1;
        if (at < 0) {
            command_argv_free(&rest);
            command_argv_free(&out->inner);
            return 1;
        }
        struct command_argv inner = {0};
        for (size_t i = (size_t)at; i < rest.len; i++)
            command_argv_push(&inner, rest.items[i]);
        command_argv_free(&rest);
        rest = inner;
    }
    if (!seen) {
        command_argv_free(&rest);
        command_wrapped_free(out);
        return 0;
    }
    out->inner = rest;
    return 1;
}

const char *command_pm_name(enum command_pm pm)
{
    static const char *const names[] = {"", "npm", "yarn", "pnpm", "npx"};
    return (size_t)pm < sizeof names / sizeof *names ? names[pm] : "";
}

/* Global options that take a value, per manager (before the command word). */
static size_t skip_pm_options(const struct command_argv *argv, size_t i)
{
    static const char *const with_value[] = {"--prefix", "-C", "--dir", "--cwd", "-w",
                                             "--workspace", "--filter", "-F", "--loglevel", NULL};
    while (i < argv->len && argv->items[i][0] == '-' && strcmp(argv->items[i], "--") != 0) {
        if (is_one_of(argv->items[i], with_value))
            i++;
        i++;
    }
    return i;
}

void command_classify_pm(const struct command_argv *argv, struct command_pm_run *out)
{
    memset(out, 0, sizeof *out);
    if (argv->len == 0)
        return;
    size_t first = 0;
    if (strcmp(base_name(argv->items[0]), "corepack") == 0)
        first = 1;
    if (first >= argv->len)
        return;
    const char *name = base_name(argv->items[first]);
    if (strcmp(name, "npm") == 0)
        out->pm = COMMAND_PM_NPM;
    else if (strcmp(name, "yarn") == 0 || strcmp(name, "yarnpkg") == 0)
        out->pm = COMMAND_PM_YARN;
    else if (strcmp(name, "pnpm") == 0)
        out->pm = COMMAND_PM_PNPM;
    else if (strcmp(name, "npx") == 0 || strcmp(name, "pnpx") == 0)
        out->pm = COMMAND_PM_NPX;
    else
        return;
    size_t i = first + 1;
    if (out->pm == COMMAND_PM_NPX) {
        /* npx [-y] [-p PKG] BIN ARGS; `-c 'line'` runs a shell line */
        while (i < argv->len && argv->items[i][0] == '-') {
            if (strcmp(argv->items[i], "-p") == 0 || strcmp(argv->items[i], "--package") == 0)
                i++;
            i++;
        }
        if (i < argv->len) {
            out->action = COMMAND_PM_EXEC;
            out->script = argv->items[i];
            out->next = i + 1;
        }
        return;
    }
    i = skip_pm_options(argv, i);
    if (i >= argv->len)
        return; /* bare `npm`/`yarn`: help, or yarn's install */
    const char *cmd = argv->items[i];
    static const char *const lifecycle[] = {"start", "test", "t", "restart", "stop", NULL};
    static const char *const run[] = {"run", "run-script", "rum", "urn", NULL};
    static const char *const exec[] = {"exec", "x", "dlx", NULL};
    static const char *const builtins[] = {
        "install", "i", "ci", "add", "remove", "rm", "uninstall", "update", "up", "upgrade",
        "link", "unlink", "init", "create", "publish", "pack", "config", "set", "cache",
        "audit", "outdated", "list", "ls", "why", "info", "view", "version", "help",
        "rebuild", "prune", "dedupe", "import", "store", "workspace", "workspaces", "plugin",
        NULL};
    if (is_one_of(cmd, lifecycle)) {
        out->action = COMMAND_PM_RUN_SCRIPT;
        out->script = strcmp(cmd, "t") == 0 ? "test" : cmd;
        out->next = i + 1;
    } else if (is_one_of(cmd, run)) {
        size_t s = skip_pm_options(argv, i + 1);
        if (s < argv->len) {
            out->action = COMMAND_PM_RUN_SCRIPT;
            out->script = argv->items[s];
            out->next = s + 1;
        }
    } else if (is_one_of(cmd, exec) && !(out->pm == COMMAND_PM_NPM && strcmp(cmd, "dlx") == 0)) {
        size_t s = skip_pm_options(argv, i + 1);
        if (s < argv->len && strcmp(argv->items[s], "--") == 0)
            s++;
        if (s < argv->len) {
            out->action = COMMAND_PM_EXEC;
            out->script = argv->items[s];
            out->next = s + 1;
        }
    } else if (out->pm == COMMAND_PM_YARN && strcmp(cmd, "node") == 0) {
        out->action = COMMAND_PM_NODE; /* berry: node with the PnP loader */
        out->script = "node";
        out->next = i + 1;
    } else if (out->pm != COMMAND_PM_NPM && !is_one_of(cmd, builtins)) {
        /* `yarn dev`, `pnpm dev`: an unknown command word runs that script */
        out->action = COMMAND_PM_RUN_SCRIPT;
        out->script = cmd;
        out->next = i + 1;
    }
}
