/* What every runtime file shares: the process view (shell unwrapping,
 * resolving argv[0]) and plan bookkeeping. The table is in runtime.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"

const char *runtime_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void runtime_push(struct command_argv *argv, const char *word)
{
    command_argv_push(argv, word);
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
    FILE *f = file_fopen_regular(path, NULL);
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

/* The PATH of a Debian/Ubuntu run image's config (Paketo's and Heroku's
 * stacks): the launcher starts from it, not from the build image's PATH. */
static char *const run_image_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};

char *runtime_resolve_launch(const struct runtime_process *rp, const struct runtime_context *ctx,
                             const char *argv0, char *why, size_t why_len)
{
    if (ctx->cnb == NULL) {
        const char *dir = rp->workdir ? rp->workdir : ctx->app_dir;
        char *relative_dir = NULL;
        if (dir != NULL && dir[0] != '/' && ctx->app_dir != NULL)
            dir = relative_dir = path_join(ctx->app_dir, dir);
        char *path = runtime_resolve_command(argv0, dir, ctx->path_env);
        free(relative_dir);
        if (path == NULL && why != NULL)
            snprintf(why, why_len, "%s is not on PATH (%s)", argv0, ctx->path_env ? ctx->path_env : "unset");
        return path;
    }
    char *workdir = NULL;
    if (rp->workdir != NULL && rp->workdir[0] != '/')
        workdir = path_join(ctx->app_dir, rp->workdir);
    struct cnb_resolved r;
    struct bp_error ignored = {{0}};
    char *path = NULL;
    if (cnb_resolve_launch_command(ctx->cnb, &rp->env, workdir ? workdir : rp->workdir, argv0, &r,
                                   &ignored) == 0) {
        switch (r.where) {
        case CNB_RESOLVE_LAYER:
        case CNB_RESOLVE_APP:
            path = xstrdup(r.path);
            break;
        case CNB_RESOLVE_SYSTEM:
            /* Run images carry no language runtime: the layer behind it on
             * the launch PATH is what the launcher finds there. */
            path = xstrdup(r.fallback ? r.fallback : r.path);
            if (r.fallback == NULL && why != NULL)
                snprintf(why, why_len, "%s", r.reason);
            break;
        case CNB_RESOLVE_BUILD_ONLY:
        case CNB_RESOLVE_NOT_FOUND:
            if (why != NULL)
                snprintf(why, why_len, "%s", r.reason);
            break;
        }
        cnb_resolved_free(&r);
    } else if (why != NULL) {
        snprintf(why, why_len, "%s", ignored.message);
    }
    free(workdir);
    return path;
}

static void note(char *buf, size_t len, const char *what)
{
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "%s%s", used ? ", " : "", what);
}

/* Pushes word with flag into argv/flags (flags grows with argv). */
static void push_flagged(struct command_argv *argv, unsigned char **flags, const char *word,
                         unsigned char flag)
{
    runtime_push(argv, word);
    *flags = xreallocarray(*flags, argv->len, 1);
    (*flags)[argv->len - 1] = flag;
}

/* Takes one simple command of a parsed line as the process: its words
 * (templates flagged) and its NAME=value assignments, kept as `env ...`. */
static void take_simple(struct runtime_process *rp, const struct command_simple *cmd)
{
    command_argv_free(&rp->argv);
    free(rp->flags);
    rp->flags = NULL;
    if (cmd->env.len > 0) {
        push_flagged(&rp->prefix, &rp->prefix_flags, "env", 0);
        for (size_t i = 0; i < cmd->env.len; i++)
            push_flagged(&rp->prefix, &rp->prefix_flags, cmd->env.items[i],
                         cmd->env_flags ? cmd->env_flags[i] : 0);
    }
    for (size_t i = 0; i < cmd->argv.len; i++)
        push_flagged(&rp->argv, &rp->flags, cmd->argv.items[i], cmd->flags ? cmd->flags[i] : 0);
}

/* A parsed shell line: the process is its one command, or the app of an
 * `&&` chain when the other members only prepare (then the chain needs the
 * shell, which this first version does not keep: needs_shell says so). */
static void take_line(struct runtime_process *rp, struct command_line *line, char **workdir,
                      const char *shell)
{
    if (line->needs_shell[0] != '\0') {
        snprintf(rp->needs_shell, sizeof rp->needs_shell, "%s", line->needs_shell);
        command_argv_free(&rp->argv);
        return;
    }
    if (line->len != 1) {
        char why[256] = "";
        long app = command_chain_app(line, why, sizeof why);
        if (app < 0) {
            char *text = command_line_describe(line, app);
            snprintf(rp->needs_shell, sizeof rp->needs_shell, "an && chain (%s): %s", text, why);
            free(text);
            command_argv_free(&rp->argv);
            return;
        }
        /* The shell stays for the chain; the app's command inside it is
         * what the runtimes see and rewrite. */
        take_simple(rp, &line->cmds[app]);
        rp->chain = *line;
        memset(line, 0, sizeof *line);
        rp->chain_app = app;
        rp->chain_shell = xstrdup(shell);
        return;
    }
    take_simple(rp, &line->cmds[0]);
    if (line->workdir != NULL) {
        free(*workdir);
        *workdir = line->workdir;
        line->workdir = NULL;
    }
}

/* Follows tini, dumb-init, watchexec --shell none, nice, env: their words
 * stay as a prefix, the command inside is the process. */
static void see_through(struct runtime_process *rp)
{
    for (int depth = 0; depth < 8; depth++) {
        struct command_wrapped w;
        if (command_see_through(&rp->argv, &w) != 1)
            return;
        if (w.reason[0] != '\0') {
            snprintf(rp->needs_shell, sizeof rp->needs_shell, "%s", w.reason);
            command_argv_free(&rp->argv);
            command_wrapped_free(&w);
            return;
        }
        note(rp->unwrapped, sizeof rp->unwrapped, runtime_basename(rp->argv.items[0]));
        /* inner is the tail of argv: its flags are the tail's flags */
        size_t skip = rp->argv.len - w.inner.len;
        for (size_t i = 0; i < w.prefix.len; i++) {
            unsigned char flag = 0;
            for (size_t j = 0; rp->flags && j < skip; j++)
                if (rp->flags[j] && strcmp(rp->argv.items[j], w.prefix.items[i]) == 0)
                    flag = rp->flags[j];
            push_flagged(&rp->prefix, &rp->prefix_flags, w.prefix.items[i], flag);
        }
        if (w.env.len > 0) {
            push_flagged(&rp->prefix, &rp->prefix_flags, "env", 0);
            for (size_t i = 0; i < w.env.len; i++) {
                unsigned char flag = 0;
                for (size_t j = 0; rp->flags && j < skip; j++)
                    if (rp->flags[j] && strcmp(rp->argv.items[j], w.env.items[i]) == 0)
                        flag = rp->flags[j];
                push_flagged(&rp->prefix, &rp->prefix_flags, w.env.items[i], flag);
            }
        }
        if (rp->flags != NULL)
            memmove(rp->flags, rp->flags + skip, w.inner.len);
        command_argv_free(&rp->argv);
        rp->argv = w.inner;
        memset(&w.inner, 0, sizeof w.inner);
        command_wrapped_free(&w);
        rp->command_len = rp->command_len > skip ? rp->command_len - skip : 0;
    }
}

/* Takes the standalone words $@ and "$@" out of a start script's line: the
 * script is run with no args, where both expand to nothing, as sh does. */
static void drop_empty_args(char *line)
{
    static const char *const forms[] = {" \"$@\"", " $@"};
    for (size_t f = 0; f < 2; f++) {
        size_t n = strlen(forms[f]);
        char *at = line;
        while ((at = strstr(at, forms[f])) != NULL) {
            char next = at[n];
            if (next == '\0' || next == ' ' || next == '\t' || next == ')' || next == ';') {
                memmove(at, at + n, strlen(at + n) + 1);
            } else {
                at += n;
            }
        }
    }
}

/* `sh SCRIPT` whose one line is an && chain (npm-start's start.sh with
 * prestart/poststart, or `cd DIR && ...`): the chain, with the shell kept. */
static int script_chain(struct runtime_process *rp, const struct runtime_context *ctx,
                        const struct cnb_process *p, struct command_line *line, struct bp_error *err)
{
    if (rp->argv.len != 2 || !command_is_shell(rp->argv.items[0]) || rp->argv.items[1][0] == '-')
        return 0;
    const char *script = rp->argv.items[1];
    char *path = script[0] == '/' ? xstrdup(script)
                                  : path_join(p->working_dir && p->working_dir[0] == '/' ? p->working_dir
                                                                                   : ctx->app_dir, script);
    char *text = NULL;
    bool passes_args = false;
    int rc = command_script_line(path, &text, &passes_args, err);
    free(path);
    if (rc < 0)
        return error_wrap(err, "process '%s' (%s): %s", p->type, p->source, script);
    if (text == NULL)
        return 0;
    drop_empty_args(text);
    char *shell = xstrdup(rp->argv.items[0]);
    char *workdir = NULL;
    rc = command_parse_line(text, line, err);
    free(text);
    if (rc == 0 && line->needs_shell[0] == '\0' && line->len > 1) {
        take_line(rp, line, &workdir, shell);
        note(rp->unwrapped, sizeof rp->unwrapped, "its start script's && chain");
    } else {
        command_line_free(line);
        memset(line, 0, sizeof *line);
    }
    free(shell);
    free(workdir);
    return rc < 0 ? error_wrap(err, "process '%s' (%s): %s", p->type, p->source, script) : 0;
}

int runtime_process_init(struct runtime_process *rp, const struct cnb_process *p,
                         const struct runtime_context *ctx, struct bp_error *err)
{
    memset(rp, 0, sizeof *rp);
    rp->original = p;
    if (ctx->cnb != NULL) {
        if (cnb_launch_env_for_process(ctx->cnb, p->type, run_image_env, &rp->env, err) != 0)
            return error_wrap(err, "process '%s': its launch environment", p->type);
    } else {
        cnb_env_set(&rp->env, "PATH", ctx->path_env ? ctx->path_env : "");
    }
    char *workdir = NULL;
    struct command_line line = {0};
    int shell = 0;
    if (p->legacy && !p->direct && p->args.len == 0) {
        /* API < 0.9 without args: the launcher runs the line with bash */
        if (command_parse_line(p->command.items[0], &line, err) < 0) {
            error_wrap(err, "process '%s' (%s)", p->type, p->source);
            goto fail;
        }
        shell = 1;
        note(rp->unwrapped, sizeof rp->unwrapped, "its shell line (direct = false)");
    } else if (p->legacy && !p->direct) {
        /* API < 0.9 with args: each token is eval'd as one word */
        for (size_t i = 0; i < 1 + p->args.len; i++) {
            const char *token = i == 0 ? p->command.items[0] : p->args.items[i - 1];
            char *word = NULL;
            unsigned flags = 0;
            if (command_legacy_token(token, &word, &flags, rp->needs_shell, sizeof rp->needs_shell) != 0) {
                free(word);
                command_argv_free(&rp->argv);
                goto done;
            }
            push_flagged(&rp->argv, &rp->flags, word, (unsigned char)flags);
            free(word);
        }
        rp->command_len = rp->argv.len;
        note(rp->unwrapped, sizeof rp->unwrapped, "its shell tokens (direct = false)");
    } else {
        for (size_t i = 0; i < p->command.len; i++)
            runtime_push(&rp->argv, p->command.items[i]);
        rp->command_len = p->legacy ? p->command.len + p->args.len : p->command.len;
        for (size_t i = 0; i < p->args.len; i++)
            runtime_push(&rp->argv, p->args.items[i]);
        shell = command_parse_shell_argv(&rp->argv, &line, err);
        if (shell < 0) {
            error_wrap(err, "process '%s' (%s)", p->type, p->source);
            goto fail;
        }
        if (shell == 1)
            note(rp->unwrapped, sizeof rp->unwrapped, runtime_basename(rp->argv.items[0]));
    }
    if (shell == 1) {
        char *shell_name = xstrdup(p->legacy && !p->direct ? "bash" : rp->argv.items[0]);
        take_line(rp, &line, &workdir, shell_name);
        free(shell_name);
        rp->command_len = rp->argv.len; /* the line's words: nothing for users to replace */
        if (rp->argv.len == 0)
            goto done;
    } else if (rp->flags == NULL) {
        int unwrapped = command_unwrap_script(&rp->argv, err);
        if (unwrapped < 0) {
            error_wrap(err, "process '%s' (%s): %s", p->type, p->source, rp->argv.items[1]);
            goto fail;
        }
        if (unwrapped == 1) {
            rp->command_len = rp->argv.len;
            note(rp->unwrapped, sizeof rp->unwrapped, "its start script");
        } else if (script_chain(rp, ctx, p, &line, err) < 0) {
            goto fail;
        }
    }
    see_through(rp);
    if (rp->argv.len == 0 && rp->needs_shell[0] != '\0')
        goto done;
    if (rp->argv.len == 0 || rp->argv.items[0][0] == '\0') {
        error_set(err, "process '%s' (%s) has an empty command", p->type, p->source);
        goto fail;
    }
    if (rp->flags != NULL && (rp->flags[0] & COMMAND_WORD_EXPAND)) {
        snprintf(rp->needs_shell, sizeof rp->needs_shell, "a command name from a variable (%s)",
                 rp->argv.items[0]);
        command_argv_free(&rp->argv);
        goto done;
    }
done:
    if (workdir == NULL && p->working_dir != NULL)
        workdir = xstrdup(p->working_dir);
    rp->workdir = workdir;
    workdir = NULL;
    if (rp->argv.len > 0)
        rp->executable = runtime_resolve_launch(rp, ctx, rp->argv.items[0], rp->not_found,
                                                sizeof rp->not_found);
    command_line_free(&line);
    return 0;
fail:
    command_line_free(&line);
    free(workdir);
    runtime_process_free(rp);
    return -1;
}

void runtime_process_free(struct runtime_process *rp)
{
    command_argv_free(&rp->argv);
    command_argv_free(&rp->prefix);
    free(rp->flags);
    free(rp->prefix_flags);
    free(rp->workdir);
    free(rp->executable);
    cnb_env_free(&rp->env);
    command_line_free(&rp->chain);
    free(rp->chain_shell);
    memset(rp, 0, sizeof *rp);
}

void runtime_push_word(struct runtime_plan *plan, struct command_argv *full,
                       const struct runtime_process *rp, size_t i)
{
    runtime_push(full, rp->argv.items[i]);
    if (rp->flags != NULL && (rp->flags[i] & COMMAND_WORD_EXPAND) &&
        plan->expand_len < sizeof plan->expand / sizeof *plan->expand)
        plan->expand[plan->expand_len++] = full->len - 1;
}

void runtime_push_words(struct runtime_plan *plan, struct command_argv *full,
                        const struct runtime_process *rp, size_t from)
{
    for (size_t i = from; i < rp->argv.len; i++)
        runtime_push_word(plan, full, rp, i);
}

void runtime_plan_free(struct runtime_plan *plan)
{
    command_argv_free(&plan->command);
    command_argv_free(&plan->args);
    free(plan->workdir);
    free(plan->runtime_version);
    free(plan->tool_path);
    free(plan->go_module);
    free(plan->expand_marks);
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
    free(plan->workdir);
    plan->workdir = rp->workdir ? xstrdup(rp->workdir) : NULL;
    plan->rewritten = true;
}

char *runtime_layer_path(const struct runtime_context *ctx, const char *relative)
{
    return path_join(ctx->layer_dir, relative);
}

/* One word of a line kept for the shell: a template is sh source already. */
static void append_word(struct strbuf *sb, const char *word, bool template_word)
{
    if (sb->len > 0 && sb->data[sb->len - 1] != ' ')
        strbuf_append_char(sb, ' ');
    if (template_word) {
        strbuf_append_str(sb, word);
    } else {
        char *quoted = command_quote(word);
        strbuf_append_str(sb, quoted);
        free(quoted);
    }
}

static void append_simple(struct strbuf *sb, const struct command_simple *cmd)
{
    for (size_t i = 0; i < cmd->env.len; i++) {
        const char *eq = strchr(cmd->env.items[i], '=');
        bool tpl = cmd->env_flags && (cmd->env_flags[i] & COMMAND_WORD_EXPAND);
        if (sb->len > 0 && sb->data[sb->len - 1] != ' ')
            strbuf_append_char(sb, ' ');
        if (tpl || eq == NULL) {
            strbuf_append_str(sb, cmd->env.items[i]);
        } else {
            strbuf_append(sb, cmd->env.items[i], (size_t)(eq - cmd->env.items[i]) + 1);
            char *quoted = command_quote(eq + 1);
            strbuf_append_str(sb, quoted);
            free(quoted);
        }
    }
    for (size_t i = 0; i < cmd->argv.len; i++)
        append_word(sb, cmd->argv.items[i], cmd->flags && (cmd->flags[i] & COMMAND_WORD_EXPAND));
}

/* The chain again for `SHELL -c`, the app's command replaced by the plan's
 * (its templates verbatim: the shell expands them, so no marks). */
static void finish_chain(struct runtime_plan *plan, const struct runtime_process *rp)
{
    struct strbuf sb = {0};
    if (rp->chain.workdir != NULL) {
        append_word(&sb, "cd", false);
        append_word(&sb, rp->chain.workdir, false);
        strbuf_append_str(&sb, " &&");
    }
    for (size_t c = 0; c < rp->chain.len; c++) {
        if (c > 0)
            strbuf_append_str(&sb, " &&");
        if ((long)c != rp->chain_app) {
            append_simple(&sb, &rp->chain.cmds[c]);
            continue;
        }
        for (size_t i = 0; i < rp->prefix.len; i++)
            append_word(&sb, rp->prefix.items[i],
                        rp->prefix_flags && (rp->prefix_flags[i] & COMMAND_WORD_EXPAND));
        size_t at = 0;
        for (size_t part = 0; part < 2; part++) {
            const struct command_argv *words = part == 0 ? &plan->command : &plan->args;
            for (size_t i = 0; i < words->len; i++, at++) {
                bool tpl = false;
                for (size_t k = 0; k < plan->expand_len; k++)
                    tpl = tpl || plan->expand[k] == at;
                append_word(&sb, words->items[i], tpl);
            }
        }
    }
    command_argv_free(&plan->command);
    command_argv_free(&plan->args);
    runtime_push(&plan->command, rp->chain_shell);
    runtime_push(&plan->command, "-c");
    char *line = strbuf_detach(&sb);
    runtime_push(&plan->command, line);
    free(line);
    plan->expand_len = 0;
}

void runtime_plan_finish(struct runtime_plan *plan, const struct runtime_process *rp,
                         const struct runtime_context *ctx)
{
    if (!plan->rewritten)
        return;
    if (rp->chain.len > 0) {
        finish_chain(plan, rp);
        return;
    }
    bool prefix_templates = false;
    for (size_t i = 0; rp->prefix_flags && i < rp->prefix.len; i++)
        prefix_templates = prefix_templates || (rp->prefix_flags[i] & COMMAND_WORD_EXPAND);
    if (rp->prefix.len > 0) {
        /* The prefix (tini -g --, env NAME=x) goes first; our wrapper runs
         * inside it. A template in the prefix needs our generic wrapper in
         * front, which expands every template and execs the prefix. */
        struct command_argv command = {0};
        if (prefix_templates) {
            char *run = runtime_layer_path(ctx, "wrap/run");
            runtime_push(&command, run);
            free(run);
            plan->needs |= NEED_RUN;
        }
        size_t before = command.len;
        for (size_t i = 0; i < rp->prefix.len; i++)
            runtime_push(&command, rp->prefix.items[i]);
        for (size_t i = 0; i < plan->command.len; i++)
            runtime_push(&command, plan->command.items[i]);
        command_argv_free(&plan->command);
        plan->command = command;
        if (prefix_templates) {
            size_t n = 0;
            size_t marks[sizeof plan->expand / sizeof *plan->expand];
            for (size_t i = 0; i < rp->prefix.len && n < sizeof marks / sizeof *marks; i++)
                if (rp->prefix_flags[i] & COMMAND_WORD_EXPAND)
                    marks[n++] = before + i;
            for (size_t i = 0; i < plan->expand_len && n < sizeof marks / sizeof *marks; i++)
                marks[n++] = plan->expand[i] + before + rp->prefix.len;
            memcpy(plan->expand, marks, n * sizeof *marks);
            plan->expand_len = n;
        }
        /* else the marks stay relative to our wrapper inside the prefix:
         * CNB_DEBUG_EXPAND reaches it through the prefix's environment */
    }
    if (plan->expand_len > 0) {
        struct strbuf sb = {0};
        for (size_t i = 0; i < plan->expand_len; i++)
            strbuf_appendf(&sb, "%s%zu", i ? "," : "", plan->expand[i]);
        plan->expand_marks = strbuf_detach(&sb);
    }
}
