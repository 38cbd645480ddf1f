/* Shell-word splitting and sh -c unwrapping for process commands. */
#include "command/command.h"
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

void command_argv_free(struct command_argv *argv)
{
    for (size_t i = 0; i < argv->len; i++)
        free(argv->items[i]);
    free(argv->items);
    argv->items = NULL;
    argv->len = 0;
}

void command_argv_push(struct command_argv *argv, const char *item)
{
    argv->items = xreallocarray(argv->items, argv->len + 2, sizeof *argv->items);
    argv->items[argv->len] = xstrdup(item);
    argv->items[++argv->len] = NULL;
}

void command_argv_copy(struct command_argv *dst, const struct command_argv *src)
{
    for (size_t i = 0; i < src->len; i++)
        command_argv_push(dst, src->items[i]);
}

/* Characters that make a line more than a list of words for sh. */
static bool is_operator_char(char c)
{
    return c == '|' || c == '&' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')' ||
           c == '`';
}

/* Splits into words. *needs_shell is set for operators or expansions outside
 * single quotes. Returns -1 on unbalanced quotes. */
static int split_words(const char *line, struct command_argv *out, bool *needs_shell,
                       struct bp_error *err)
{
    struct strbuf word = STRBUF_INIT;
    bool in_word = false;
    *needs_shell = false;
    const char *p = line;
    while (*p) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                command_argv_push(out, word.data ? word.data : "");
                strbuf_reset(&word);
                in_word = false;
            }
            p++;
            continue;
        }
        if (c == '#' && !in_word) /* a comment runs to the end of the line */
            break;
        if (is_operator_char(c)) {
            *needs_shell = true;
            p++;
            continue;
        }
        in_word = true;
        if (c == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (end == NULL) {
                error_set(err, "unbalanced single quote in shell line: %s", line);
                goto fail;
            }
            strbuf_append(&word, p + 1, (size_t)(end - p - 1));
            p = end + 1;
            continue;
        }
        if (c == '"') {
            p++;
            for (;;) {
                if (*p == '\0') {
                    error_set(err, "unbalanced double quote in shell line: %s", line);
                    goto fail;
                }
                if (*p == '"')
                    break;
                if (*p == '$' || *p == '`')
                    *needs_shell = true;
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$' || p[1] == '`')) {
                    p++;
                } else if (*p == '\\' && p[1] == '\n') {
                    p += 2;
                    continue;
                }
                strbuf_append_char(&word, *p);
                p++;
            }
            p++;
            continue;
        }
        if (c == '\\') {
            if (p[1] == '\0') {
                error_set(err, "shell line ends with a lone backslash: %s", line);
                goto fail;
            }
            if (p[1] != '\n')
                strbuf_append_char(&word, p[1]);
            p += 2;
            continue;
        }
        if (c == '$' || c == '*' || c == '?' || c == '[' || c == '~')
            *needs_shell = true;
        strbuf_append_char(&word, c);
        p++;
    }
    if (in_word)
        command_argv_push(out, word.data ? word.data : "");
    strbuf_free(&word);
    return 0;
fail:
    strbuf_free(&word);
    command_argv_free(out);
    return -1;
}

/* Finds a top-level "&&" outside quotes; returns its offset or -1. */
static long find_and_and(const char *line)
{
    char quote = 0;
    for (const char *p = line; *p; p++) {
        if (quote) {
            if (*p == '\\' && quote == '"' && p[1])
                p++;
            else if (*p == quote)
                quote = 0;
            continue;
        }
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '\'' || *p == '"')
            quote = *p;
        else if (p[0] == '&' && p[1] == '&')
            return p - line;
    }
    return -1;
}

int command_split(const char *line, struct command_argv *argv, char **workdir, struct bp_error *err)
{
    bool needs_shell = false;
    if (workdir)
        *workdir = NULL;
    long and_at = workdir ? find_and_and(line) : -1;
    if (and_at > 0) {
        /* `cd DIR && rest`: take DIR as the working directory when both sides are simple. */
        char *head = xstrndup(line, (size_t)and_at);
        struct command_argv cd = {0};
        int rc = split_words(head, &cd, &needs_shell, err);
        free(head);
        if (rc != 0)
            return -1;
        bool is_cd = !needs_shell && cd.len == 2 && strcmp(cd.items[0], "cd") == 0;
        if (is_cd) {
            struct command_argv rest = {0};
            if (split_words(line + and_at + 2, &rest, &needs_shell, err) != 0) {
                command_argv_free(&cd);
                return -1;
            }
            if (!needs_shell && rest.len > 0) {
                *workdir = xstrdup(cd.items[1]);
                command_argv_free(&cd);
                *argv = rest;
                return COMMAND_SIMPLE;
            }
            command_argv_free(&rest);
        }
        command_argv_free(&cd);
    }
    struct command_argv words = {0};
    if (split_words(line, &words, &needs_shell, err) != 0)
        return -1;
    if (needs_shell || words.len == 0) {
        command_argv_free(&words);
        return COMMAND_NEEDS_SHELL;
    }
    *argv = words;
    return COMMAND_SIMPLE;
}

static bool is_shell_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strcmp(base, "sh") == 0 || strcmp(base, "bash") == 0 || strcmp(base, "dash") == 0;
}

int command_unwrap_shell(struct command_argv *argv, char **workdir, struct bp_error *err)
{
    if (workdir)
        *workdir = NULL;
    if (argv->len < 3 || !is_shell_name(argv->items[0]))
        return 0;
    /* Flags before the line: -c, -ec, -lc, -e -c ... (single-dash letter groups). */
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
    /* `sh -c 'LINE "$@"' NAME ARGS...`: "$@" is the one expansion we can
     * resolve, to the ARGS after the $0 NAME. */
    const char *line = argv->items[i];
    size_t line_len = strlen(line);
    bool pass_args = line_len >= 5 && strcmp(line + line_len - 5, " \"$@\"") == 0;
    char *trimmed = pass_args ? xstrndup(line, line_len - 5) : NULL;
    struct command_argv inner = {0};
    char *dir = NULL;
    int kind = command_split(pass_args ? trimmed : line, &inner, workdir ? &dir : NULL, err);
    free(trimmed);
    if (kind < 0)
        return -1;
    if (kind == COMMAND_NEEDS_SHELL)
        return 0;
    size_t first = 0;
    if (inner.len > 1 && strcmp(inner.items[0], "exec") == 0)
        first = 1;
    struct command_argv result = {0};
    for (size_t k = first; k < inner.len; k++)
        command_argv_push(&result, inner.items[k]);
    for (size_t k = i + 2; pass_args && k < argv->len; k++)
        command_argv_push(&result, argv->items[k]);
    command_argv_free(&inner);
    command_argv_free(argv);
    *argv = result;
    if (workdir)
        *workdir = dir;
    else
        free(dir);
    return 1;
}

/* Lines a start script may have around its one command. */
static bool is_scaffolding(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '\0' || *line == '#' || strncmp(line, "trap ", 5) == 0 ||
           strncmp(line, "wait", 4) == 0 || strncmp(line, "CPID=", 5) == 0 ||
           strncmp(line, "set ", 4) == 0;
}

/* Opens a start script without blocking (a FIFO would hang the build with
 * a plain fopen) and refuses anything but a regular file. *f is NULL (and
 * 0 returned) when the script does not exist: the process is left alone. */
static int script_open(const char *path, FILE **f, struct bp_error *err)
{
    *f = NULL;
    if (access(path, F_OK) != 0 && (errno == ENOENT || errno == ENOTDIR))
        return 0;
    struct bp_error why = {{0}};
    if ((*f = file_fopen_regular(path, &why)) == NULL)
        return error_set(err, "start script %s", why.message);
    return 0;
}

/* The one command line of a script, with `( X ) &` and `exec X` unwrapped,
 * into *out (malloc'd), or NULL when the script is not that simple. */
static int script_command(const char *path, char **out, struct bp_error *err)
{
    *out = NULL;
    FILE *f;
    if (script_open(path, &f, err) != 0)
        return -1;
    if (f == NULL)
        return 0;
    char line[4096], *found = NULL;
    bool simple = true;
    for (int n = 0; simple && fgets(line, sizeof line, f) != NULL; n++) {
        if (n == 0 && strncmp(line, "#!", 2) == 0)
            continue;
        if (strchr(line, '\n') == NULL && !feof(f))
            simple = false; /* a line too long to judge */
        line[strcspn(line, "\r\n")] = '\0';
        if (is_scaffolding(line))
            continue;
        if (found != NULL)
            simple = false;
        else
            found = xstrdup(line);
    }
    fclose(f);
    if (!simple || found == NULL) {
        free(found);
        return 0;
    }
    char *start = found;
    while (*start == ' ' || *start == '\t')
        start++;
    size_t len = strlen(start);
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    start[len] = '\0';
    if (start[0] == '(' && len > 4 && strcmp(start + len - 3, ") &") == 0) {
        start[len - 3] = '\0';
        start++;
    } else if (strncmp(start, "exec ", 5) == 0) {
        start += 5;
    }
    while (*start == ' ' || *start == '\t')
        start++;
    len = strlen(start);
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        start[--len] = '\0';
    *out = xstrdup(start);
    free(found);
    return 0;
}

int command_script_line(const char *path, char **line, bool *passes_args, struct bp_error *err)
{
    *passes_args = false;
    if (script_command(path, line, err) != 0)
        return -1;
    if (*line == NULL)
        return 0;
    size_t n = strlen(*line);
    if (n >= 5 && strcmp(*line + n - 5, " \"$@\"") == 0) {
        (*line)[n - 5] = '\0';
        *passes_args = true;
    } else if (n >= 3 && strcmp(*line + n - 3, " $@") == 0) {
        (*line)[n - 3] = '\0';
        *passes_args = true;
    }
    return 0;
}

int command_unwrap_script(struct command_argv *argv, struct bp_error *err)
{
    if (argv->len < 2 || !is_shell_name(argv->items[0]) || argv->items[1][0] == '-')
        return 0;
    char *line = NULL;
    if (script_command(argv->items[1], &line, err) != 0)
        return -1;
    if (line == NULL)
        return 0;
    /* Reuse the sh -c unwrapping: `sh -c LINE $0 ARGS...`. */
    struct command_argv as_c = {0};
    command_argv_push(&as_c, argv->items[0]);
    command_argv_push(&as_c, "-c");
    size_t n = strlen(line);
    /* Paketo writes `$@` unquoted; treat it as "$@". */
    if (n >= 3 && strcmp(line + n - 3, " $@") == 0) {
        line[n - 3] = '\0';
        char *quoted = xasprintf("%s \"$@\"", line);
        free(line);
        line = quoted;
    }
    command_argv_push(&as_c, line);
    command_argv_push(&as_c, argv->items[1]);
    for (size_t i = 2; i < argv->len; i++)
        command_argv_push(&as_c, argv->items[i]);
    int rc = command_unwrap_shell(&as_c, NULL, err);
    if (rc == 1) {
        command_argv_free(argv);
        *argv = as_c;
        memset(&as_c, 0, sizeof as_c);
    }
    free(line);
    command_argv_free(&as_c);
    return rc;
}

char *command_quote(const char *word)
{
    bool plain = word[0] != '\0';
    for (const char *p = word; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *p) != NULL;
    if (plain)
        return xstrdup(word);
    struct strbuf sb = STRBUF_INIT;
    strbuf_append_char(&sb, '\'');
    for (const char *p = word; *p; p++) {
        if (*p == '\'')
            strbuf_append_str(&sb, "'\\''");
        else
            strbuf_append_char(&sb, *p);
    }
    strbuf_append_char(&sb, '\'');
    return strbuf_detach(&sb);
}

char *command_join(const struct command_argv *argv)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < argv->len; i++) {
        char *q = command_quote(argv->items[i]);
        if (i > 0)
            strbuf_append_char(&sb, ' ');
        strbuf_append_str(&sb, q);
        free(q);
    }
    return strbuf_detach(&sb);
}
