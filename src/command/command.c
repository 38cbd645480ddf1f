/* argv helpers, quoting for display, and start scripts read down to their
 * one command line (parsed by line.c). */
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

bool command_is_shell(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strcmp(base, "sh") == 0 || strcmp(base, "bash") == 0 || strcmp(base, "dash") == 0;
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
    if (argv->len < 2 || !command_is_shell(argv->items[0]) || argv->items[1][0] == '-')
        return 0;
    char *text = NULL;
    bool passes_args = false;
    if (command_script_line(argv->items[1], &text, &passes_args, err) != 0)
        return -1;
    if (text == NULL)
        return 0;
    struct command_line line;
    int rc = command_parse_line(text, &line, err);
    free(text);
    if (rc != 0)
        return -1;
    /* Only one command of literal words can stand for the script: a chain,
     * a `cd`, assignments or words that launch must expand need the shell
     * (or the caller's chain reading). */
    const struct command_simple *cmd = line.len == 1 ? &line.cmds[0] : NULL;
    bool literal = cmd != NULL && line.workdir == NULL && cmd->env.len == 0;
    for (size_t i = 0; literal && i < cmd->argv.len; i++)
        literal = cmd->flags[i] == 0;
    if (!literal) {
        command_line_free(&line);
        return 0;
    }
    struct command_argv result = line.cmds[0].argv;
    memset(&line.cmds[0].argv, 0, sizeof line.cmds[0].argv);
    command_line_free(&line);
    /* `$@` is the args after SCRIPT, each one word, as sh passes them. */
    for (size_t i = 2; passes_args && i < argv->len; i++)
        command_argv_push(&result, argv->items[i]);
    command_argv_free(argv);
    *argv = result;
    return 1;
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
