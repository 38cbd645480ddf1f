/* Shell-word splitting and sh -c unwrapping for process commands. */
#include "command/command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

void command_argv_free(struct command_argv *argv)
{
    for (size_t i = 0; i < argv->len; i++)
        free(argv->items[i]);
    free(argv->items);
    argv->items = NULL;
    argv->len = 0;
}

int command_argv_push(struct command_argv *argv, const char *item, struct bp_error *err)
{
    char **items = realloc(argv->items, (argv->len + 2) * sizeof *items);
    if (items == NULL)
        return error_set(err, "out of memory");
    argv->items = items;
    items[argv->len] = strdup(item);
    if (items[argv->len] == NULL)
        return error_set(err, "out of memory");
    items[++argv->len] = NULL;
    return 0;
}

int command_argv_copy(struct command_argv *dst, const struct command_argv *src, struct bp_error *err)
{
    for (size_t i = 0; i < src->len; i++)
        if (command_argv_push(dst, src->items[i], err) != 0)
            return -1;
    return 0;
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
                if (command_argv_push(out, word.data ? word.data : "", err) != 0)
                    goto fail;
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
            if (strbuf_append(&word, p + 1, (size_t)(end - p - 1)) != 0)
                goto oom;
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
                if (strbuf_append_char(&word, *p) != 0)
                    goto oom;
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
            if (p[1] != '\n' && strbuf_append_char(&word, p[1]) != 0)
                goto oom;
            p += 2;
            continue;
        }
        if (c == '$' || c == '*' || c == '?' || c == '[' || c == '~')
            *needs_shell = true;
        if (strbuf_append_char(&word, c) != 0)
            goto oom;
        p++;
    }
    if (in_word && command_argv_push(out, word.data ? word.data : "", err) != 0)
        goto fail;
    strbuf_free(&word);
    return 0;
oom:
    error_set(err, "out of memory");
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
        char *head = strndup(line, (size_t)and_at);
        if (head == NULL)
            return error_set(err, "out of memory");
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
                *workdir = strdup(cd.items[1]);
                command_argv_free(&cd);
                if (*workdir == NULL) {
                    command_argv_free(&rest);
                    return error_set(err, "out of memory");
                }
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
    char *trimmed = pass_args ? strndup(line, line_len - 5) : NULL;
    if (pass_args && trimmed == NULL)
        return error_set(err, "out of memory");
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
        if (command_argv_push(&result, inner.items[k], err) != 0)
            goto fail;
    for (size_t k = i + 2; pass_args && k < argv->len; k++)
        if (command_argv_push(&result, argv->items[k], err) != 0)
            goto fail;
    command_argv_free(&inner);
    command_argv_free(argv);
    *argv = result;
    if (workdir)
        *workdir = dir;
    else
        free(dir);
    return 1;
fail:
    command_argv_free(&inner);
    command_argv_free(&result);
    free(dir);
    return -1;
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

/* The one command line of a script, with `( X ) &` and `exec X` unwrapped;
 * malloc'd, or NULL when the script is not that simple. */
static char *script_command(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
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
        else if ((found = strdup(line)) == NULL)
            simple = false;
    }
    fclose(f);
    if (!simple || found == NULL) {
        free(found);
        return NULL;
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
    char *result = strdup(start);
    free(found);
    return result;
}

int command_unwrap_script(struct command_argv *argv, struct bp_error *err)
{
    if (argv->len < 2 || !is_shell_name(argv->items[0]) || argv->items[1][0] == '-')
        return 0;
    char *line = script_command(argv->items[1]);
    if (line == NULL)
        return 0;
    /* Reuse the sh -c unwrapping: `sh -c LINE $0 ARGS...`. */
    struct command_argv as_c = {0};
    int rc = -1;
    if (command_argv_push(&as_c, argv->items[0], err) != 0 || command_argv_push(&as_c, "-c", err) != 0)
        goto done;
    size_t n = strlen(line);
    /* Paketo writes `$@` unquoted; treat it as "$@". */
    if (n >= 3 && strcmp(line + n - 3, " $@") == 0) {
        line[n - 3] = '\0';
        char *quoted = NULL;
        if (asprintf(&quoted, "%s \"$@\"", line) < 0)
            goto oom;
        free(line);
        line = quoted;
    }
    if (command_argv_push(&as_c, line, err) != 0 || command_argv_push(&as_c, argv->items[1], err) != 0)
        goto done;
    for (size_t i = 2; i < argv->len; i++)
        if (command_argv_push(&as_c, argv->items[i], err) != 0)
            goto done;
    rc = command_unwrap_shell(&as_c, NULL, err);
    if (rc == 1) {
        command_argv_free(argv);
        *argv = as_c;
        memset(&as_c, 0, sizeof as_c);
    }
    goto done;
oom:
    error_set(err, "out of memory");
done:
    free(line);
    command_argv_free(&as_c);
    return rc;
}

char *command_quote(const char *word)
{
    bool plain = word[0] != '\0';
    for (const char *p = word; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *p) != NULL;
    struct strbuf sb = STRBUF_INIT;
    if (plain)
        return strdup(word);
    if (strbuf_append_char(&sb, '\'') != 0)
        goto oom;
    for (const char *p = word; *p; p++) {
        if (*p == '\'' ? strbuf_append_str(&sb, "'\\''") : strbuf_append_char(&sb, *p))
            goto oom;
    }
    if (strbuf_append_char(&sb, '\'') != 0)
        goto oom;
    return strbuf_detach(&sb);
oom:
    strbuf_free(&sb);
    return NULL;
}

char *command_join(const struct command_argv *argv)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < argv->len; i++) {
        char *q = command_quote(argv->items[i]);
        if (q == NULL || (i > 0 && strbuf_append_char(&sb, ' ') != 0) || strbuf_append_str(&sb, q) != 0) {
            free(q);
            strbuf_free(&sb);
            return NULL;
        }
        free(q);
    }
    return strbuf_detach(&sb);
}
