/* Shell lines as `&&` chains of simple commands whose words keep their
 * parameter expansions for launch, and the app command of such a chain. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command/command.h"
#include "command/internal.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

void command_simple_free(struct command_simple *cmd)
{
    command_argv_free(&cmd->argv);
    command_argv_free(&cmd->env);
    free(cmd->flags);
    free(cmd->env_flags);
    memset(cmd, 0, sizeof *cmd);
}

void command_line_free(struct command_line *line)
{
    for (size_t i = 0; i < line->len; i++)
        command_simple_free(&line->cmds[i]);
    free(line->cmds);
    free(line->workdir);
    memset(line, 0, sizeof *line);
}

static void push_flag(unsigned char **flags, size_t len, unsigned flag)
{
    *flags = xreallocarray(*flags, len + 1, 1);
    (*flags)[len] = (unsigned char)flag;
}

static struct command_simple *new_cmd(struct command_line *line)
{
    line->cmds = xreallocarray(line->cmds, line->len + 1, sizeof *line->cmds);
    struct command_simple *cmd = &line->cmds[line->len++];
    memset(cmd, 0, sizeof *cmd);
    return cmd;
}

/* Operators sh knows, longest first, with the name a WARNING gives them. */
static const struct {
    const char *op;
    const char *name;
} operators[] = {
    {"||", "an or-list ||"},     {"|", "a pipe |"},          {";;", "a case item ;;"},
    {";", "a command list ;"},   {"&", "a background job &"}, {">>", "a redirection >>"},
    {"<<", "a here-document <<"}, {">", "a redirection >"},   {"<", "a redirection <"},
    {"(", "a subshell ( )"},     {")", "a subshell ( )"},     {"\n", "a second command line"},
};

/* Words sh treats itself: exec'ing them directly cannot work. */
static const char *const shell_words[] = {
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
    "function", "select", "{", "}", "!", "[[", "export", "source", ".", "eval", "set", "unset",
    "alias", "trap", "ulimit", "umask", "shift", "read", "local", "declare", "typeset",
    "readonly", "wait", "exit", "return", "cd", "exec",
};

static bool only_trailing(const char *p)
{
    /* `cmd;`, `cmd\n` and trailing comments end the line without a second command. */
    for (; *p; p++) {
        if (*p == '#') {
            p += strcspn(p, "\n");
            if (*p == '\0')
                return true;
        }
        if (!isspace((unsigned char)*p) && *p != ';')
            return false;
    }
    return true;
}

/* NAME=... with NAME unquoted, as written. */
static bool is_assignment(const char *src)
{
    if (!(src[0] == '_' || isalpha((unsigned char)src[0])))
        return false;
    size_t n = 1;
    while (src[n] == '_' || isalnum((unsigned char)src[n]))
        n++;
    return src[n] == '=';
}

static int tokenize(const char *line, struct command_line *out, struct bp_error *err)
{
    struct command_simple *cmd = new_cmd(out);
    bool assigning = true;
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || (p[0] == '\\' && p[1] == '\n'))
            p += *p == '\\' ? 2 : 1;
        if (*p == '\0' || *p == '#' || ((*p == ';' || *p == '\n') && only_trailing(p)))
            return 0;
        if (p[0] == '&' && p[1] == '&') {
            if (cmd->argv.len == 0) {
                snprintf(out->needs_shell, sizeof out->needs_shell, "%s",
                         "an && with no command before it");
                return 0;
            }
            cmd = new_cmd(out);
            assigning = true;
            p += 2;
            continue;
        }
        for (size_t i = 0; i < sizeof operators / sizeof *operators; i++) {
            if (strncmp(p, operators[i].op, strlen(operators[i].op)) == 0) {
                snprintf(out->needs_shell, sizeof out->needs_shell, "%s", operators[i].name);
                return 0;
            }
        }
        unsigned flags = 0;
        struct strbuf value = STRBUF_INIT;
        char construct[200] = "";
        const char *end = command_word_scan(p, &flags, &value, construct, sizeof construct);
        if (end == NULL) {
            strbuf_free(&value);
            if (strncmp(construct, "an unbalanced ", 14) == 0 ||
                strcmp(construct, "an unclosed ${") == 0)
                return error_set(err, "%s in shell line: %s", construct + 3, line);
            if (strstr(construct, "lone backslash") != NULL)
                return error_set(err, "shell line ends with a lone backslash: %s", line);
            snprintf(out->needs_shell, sizeof out->needs_shell, "%s", construct);
            return 0;
        }
        char *src = xstrndup(p, (size_t)(end - p));
        const char *word = (flags & COMMAND_WORD_EXPAND) ? src : (value.data ? value.data : "");
        if (assigning && is_assignment(src)) {
            push_flag(&cmd->env_flags, cmd->env.len, flags & COMMAND_WORD_EXPAND);
            command_argv_push(&cmd->env, word);
        } else {
            assigning = false;
            push_flag(&cmd->flags, cmd->argv.len, flags);
            command_argv_push(&cmd->argv, word);
        }
        free(src);
        strbuf_free(&value);
        p = end;
    }
}

static void drop_first_word(struct command_simple *cmd)
{
    free(cmd->argv.items[0]);
    memmove(cmd->argv.items, cmd->argv.items + 1, cmd->argv.len * sizeof *cmd->argv.items);
    memmove(cmd->flags, cmd->flags + 1, cmd->argv.len - 1);
    cmd->argv.len--;
}

/* Takes off `cd DIR &&` and `exec`, then refuses what only a shell runs. */
static void normalize(struct command_line *out)
{
    struct command_simple *first = &out->cmds[0];
    if (out->len > 1 && first->argv.len == 2 && first->env.len == 0 &&
        strcmp(first->argv.items[0], "cd") == 0 && first->flags[0] == 0) {
        if (first->flags[1] != 0) {
            snprintf(out->needs_shell, sizeof out->needs_shell, "%s",
                     "cd to a directory named by an expansion");
            return;
        }
        out->workdir = xstrdup(first->argv.items[1]);
        command_simple_free(first);
        memmove(out->cmds, out->cmds + 1, (out->len - 1) * sizeof *out->cmds);
        out->len--;
    }
    for (size_t i = 0; i < out->len; i++) {
        struct command_simple *cmd = &out->cmds[i];
        if (cmd->argv.len == 0) {
            snprintf(out->needs_shell, sizeof out->needs_shell, "%s",
                     "a variable assignment with no command (it sets a shell variable)");
            return;
        }
        if (cmd->argv.len > 1 && cmd->flags[0] == 0 && strcmp(cmd->argv.items[0], "exec") == 0)
            drop_first_word(cmd);
        for (size_t k = 0; k < sizeof shell_words / sizeof *shell_words; k++) {
            if (cmd->flags[0] == 0 && strcmp(cmd->argv.items[0], shell_words[k]) == 0) {
                snprintf(out->needs_shell, sizeof out->needs_shell, "the shell builtin or keyword '%s'",
                         shell_words[k]);
                return;
            }
        }
        if (cmd->flags[0] & COMMAND_WORD_SPLIT) {
            snprintf(out->needs_shell, sizeof out->needs_shell,
                     "a command name from an unquoted expansion (%s)", cmd->argv.items[0]);
            return;
        }
    }
}

int command_parse_line(const char *line, struct command_line *out, struct bp_error *err)
{
    memset(out, 0, sizeof *out);
    if (tokenize(line, out, err) != 0) {
        command_line_free(out);
        return -1;
    }
    if (out->needs_shell[0] == '\0' && out->len == 1 && out->cmds[0].argv.len == 0 &&
        out->cmds[0].env.len == 0)
        snprintf(out->needs_shell, sizeof out->needs_shell, "%s", "an empty line");
    if (out->needs_shell[0] == '\0')
        normalize(out);
    if (out->needs_shell[0] != '\0') {
        char keep[sizeof out->needs_shell];
        memcpy(keep, out->needs_shell, sizeof keep);
        command_line_free(out);
        memcpy(out->needs_shell, keep, sizeof keep);
    }
    return 0;
}

static void describe_words(struct strbuf *sb, const struct command_argv *argv,
                           const unsigned char *flags)
{
    for (size_t i = 0; i < argv->len; i++) {
        char last = sb->len > 0 ? sb->data[sb->len - 1] : ' ';
        if (last != ' ' && last != '[')
            strbuf_append_char(sb, ' ');
        if (flags[i] & COMMAND_WORD_EXPAND) {
            strbuf_append_str(sb, argv->items[i]);
        } else {
            char *q = command_quote(argv->items[i]);
            strbuf_append_str(sb, q);
            free(q);
        }
    }
}

char *command_line_describe(const struct command_line *line, long mark)
{
    struct strbuf sb = STRBUF_INIT;
    if (line->workdir != NULL) {
        char *q = command_quote(line->workdir);
        strbuf_appendf(&sb, "cd %s", q);
        free(q);
    }
    for (size_t i = 0; i < line->len; i++) {
        if (sb.len > 0)
            strbuf_append_str(&sb, " && ");
        if ((long)i == mark)
            strbuf_append_char(&sb, '[');
        describe_words(&sb, &line->cmds[i].env, line->cmds[i].env_flags);
        describe_words(&sb, &line->cmds[i].argv, line->cmds[i].flags);
        if ((long)i == mark)
            strbuf_append_char(&sb, ']');
    }
    return strbuf_detach(&sb);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A chain member that prepares or cleans up rather than serving. */
static bool is_auxiliary(const struct command_simple *cmd)
{
    static const char *const helpers[] = {"echo", "true", ":", "mkdir", "rm", "cp", "mv", "ln",
                                          "touch", "chmod", "chown", "sleep", "printf", "test",
                                          "[", "false"};
    const char *name = base_name(cmd->argv.items[0]);
    for (size_t i = 0; i < sizeof helpers / sizeof *helpers; i++)
        if (strcmp(name, helpers[i]) == 0)
            return true;
    struct command_pm_run pm;
    command_classify_pm(&cmd->argv, &pm);
    if (pm.pm == COMMAND_PM_NONE)
        return false;
    if (pm.action == COMMAND_PM_OTHER)
        return true;
    return pm.action == COMMAND_PM_RUN_SCRIPT && strcmp(pm.script, "start") != 0;
}

long command_chain_app(const struct command_line *line, char *why, size_t why_len)
{
    long found = -1;
    size_t candidates = 0;
    for (size_t i = 0; i < line->len; i++) {
        if (is_auxiliary(&line->cmds[i]))
            continue;
        if (candidates++ == 0)
            found = (long)i;
    }
    if (candidates == 1)
        return found;
    if (why != NULL && why_len > 0) {
        char *text = command_line_describe(line, -1);
        if (candidates == 0)
            snprintf(why, why_len, "no command of the chain looks like the app: %s", text);
        else
            snprintf(why, why_len, "%zu commands of the chain could be the app: %s", candidates,
                     text);
        free(text);
    }
    return -1;
}

int command_parse_shell_argv(const struct command_argv *argv, struct command_line *out,
                             struct bp_error *err)
{
    memset(out, 0, sizeof *out);
    if (argv->len < 3 || !command_is_shell(argv->items[0]))
        return 0;
    size_t i = 1;
    bool has_c = false;
    for (; i < argv->len && argv->items[i][0] == '-' && argv->items[i][1] != '-'; i++) {
        if (strchr(argv->items[i], 'c') != NULL) {
            has_c = true;
            i++;
            break;
        }
    }
    if (!has_c || i >= argv->len)
        return 0;
    /* `sh -c 'LINE "$@"' NAME ARGS...`: "$@" is ARGS, after the $0 NAME. */
    char *line = xstrdup(argv->items[i]);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\n'))
        line[--n] = '\0';
    bool pass_args = false;
    if (n >= 5 && strcmp(line + n - 5, " \"$@\"") == 0) {
        line[n - 5] = '\0';
        pass_args = true;
    } else if (n >= 3 && strcmp(line + n - 3, " $@") == 0) {
        line[n - 3] = '\0';
        pass_args = true;
    }
    int rc = command_parse_line(line, out, err);
    free(line);
    if (rc != 0)
        return -1;
    if (pass_args && out->len > 0) {
        struct command_simple *last = &out->cmds[out->len - 1];
        for (size_t k = i + 2; k < argv->len; k++) {
            push_flag(&last->flags, last->argv.len, 0);
            command_argv_push(&last->argv, argv->items[k]);
        }
    }
    return 1;
}

int command_legacy_token(const char *token, char **word, unsigned *flags, char *needs_shell,
                         size_t needs_shell_len)
{
    *word = NULL;
    *flags = 0;
    char *quoted = xasprintf("\"%s\"", token);
    struct strbuf value = STRBUF_INIT;
    unsigned seen = 0;
    const char *end = command_word_scan(quoted, &seen, &value, needs_shell, needs_shell_len);
    int rc = 0;
    if (end == NULL) {
        rc = 1;
    } else if (*end != '\0') {
        snprintf(needs_shell, needs_shell_len, "a double quote inside the token, which ends the "
                                               "string the launcher evals");
        rc = 1;
    } else if (seen & COMMAND_WORD_SPLIT) {
        /* `a"$X"b` leaves $X outside the eval'd quotes: echo would join its
         * fields with single spaces after globbing, which no template says. */
        snprintf(needs_shell, needs_shell_len, "an expansion outside the quotes the launcher "
                                               "evals the token in");
        rc = 1;
    } else if (seen & COMMAND_WORD_EXPAND) {
        *word = quoted;
        quoted = NULL;
        *flags = COMMAND_WORD_EXPAND;
    } else {
        *word = xstrdup(value.data ? value.data : "");
    }
    free(quoted);
    strbuf_free(&value);
    return rc;
}
