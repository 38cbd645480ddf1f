/* libFuzzer target: shell-line splitting and sh -c unwrapping never crash,
 * leak, or produce words that re-split differently once quoted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (line == NULL)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';

    struct command_argv argv = {0};
    char *workdir = NULL;
    if (command_split(line, &argv, &workdir, NULL) == COMMAND_SIMPLE) {
        /* Quoting the words and splitting again must give the same words. */
        char *joined = command_join(&argv);
        struct command_argv again = {0};
        if (joined != NULL && command_split(joined, &again, NULL, NULL) == COMMAND_SIMPLE) {
            if (again.len != argv.len)
                abort();
            for (size_t i = 0; i < argv.len; i++)
                if (strcmp(again.items[i], argv.items[i]) != 0)
                    abort();
        }
        command_argv_free(&again);
        free(joined);
    }
    command_argv_free(&argv);
    free(workdir);

    struct command_argv wrapped = {0};
    command_argv_push(&wrapped, "sh");
    command_argv_push(&wrapped, "-c");
    command_argv_push(&wrapped, line);
    command_argv_push(&wrapped, "sh");
    command_argv_push(&wrapped, "arg");
    command_unwrap_shell(&wrapped, &workdir, NULL);
    command_argv_free(&wrapped);
    free(workdir);
    free(line);
    return 0;
}
