/* libFuzzer target: words quoted by command_join parse back, through
 * command_parse_line and a `sh -c` argv, to exactly the same words. The
 * input, split at NUL bytes, is the words. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct command_line *line, const struct command_argv *want)
{
    if (line->needs_shell[0] != '\0' || line->len != 1 || line->workdir != NULL ||
        line->cmds[0].env.len != 0 || line->cmds[0].argv.len != want->len)
        abort();
    for (size_t i = 0; i < want->len; i++)
        if (line->cmds[0].flags[i] != 0 || strcmp(line->cmds[0].argv.items[i], want->items[i]) != 0)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A fixed command name first: a first word may be a keyword, `cd`, `exec`
     * or NAME=value, which sh itself reads otherwise, quoted or not. */
    struct command_argv words = {0};
    command_argv_push(&words, "app");
    for (size_t at = 0; at < size;) {
        const uint8_t *nul = memchr(data + at, '\0', size - at);
        size_t n = nul ? (size_t)(nul - data) - at : size - at;
        char *word = malloc(n + 1);
        if (word == NULL)
            abort();
        memcpy(word, data + at, n);
        word[n] = '\0';
        command_argv_push(&words, word);
        free(word);
        at += n + 1;
    }
    char *joined = command_join(&words);
    struct command_line line;
    if (command_parse_line(joined, &line, NULL) != 0)
        abort();
    check_same(&line, &words);
    command_line_free(&line);

    /* The same line as Heroku's procfile runs it, with "$@" taking args. */
    struct command_argv shell = {0};
    command_argv_push(&shell, "bash");
    command_argv_push(&shell, "-c");
    char *with_args = malloc(strlen(joined) + 6);
    if (with_args == NULL)
        abort();
    strcpy(with_args, joined);
    strcat(with_args, " \"$@\"");
    command_argv_push(&shell, with_args);
    command_argv_push(&shell, "bash");
    command_argv_push(&shell, "--port");
    command_argv_push(&words, "--port");
    if (command_parse_shell_argv(&shell, &line, NULL) != 1)
        abort();
    check_same(&line, &words);
    command_line_free(&line);
    command_argv_free(&shell);
    free(with_args);
    free(joined);
    command_argv_free(&words);
    return 0;
}
