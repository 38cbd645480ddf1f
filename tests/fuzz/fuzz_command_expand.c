/* libFuzzer target: command_parse_line on any line, then every word it
 * kept as a template must expand at launch (the build never accepts what
 * the launch wrapper cannot expand), with the variables set and unset. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_getenv(const char *name, void *ctx)
{
    /* Half the names set (to a value with blanks and a glob), half unset. */
    (void)ctx;
    return (name[0] & 1) ? " a b*c " : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (line == NULL)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    struct command_line parsed;
    if (command_parse_line(line, &parsed, NULL) == 0) {
        for (size_t c = 0; c < parsed.len; c++) {
            const struct command_simple *cmd = &parsed.cmds[c];
            char *marks = command_marks_format(cmd->flags, cmd->argv.len, 0);
            struct command_argv out = {0};
            if (command_expand_argv(&cmd->argv, marks, fuzz_getenv, NULL, &out, NULL) != 0)
                abort();
            command_argv_free(&out);
            free(marks);
            for (size_t i = 0; i < cmd->env.len; i++) {
                if (!(cmd->env_flags[i] & COMMAND_WORD_EXPAND))
                    continue;
                if (command_expand_word(cmd->env.items[i], fuzz_getenv, NULL, false, &out, NULL) != 0 ||
                    out.len != 1)
                    abort();
                command_argv_free(&out);
            }
        }
        char *text = command_line_describe(&parsed, 0);
        free(text);
        command_line_free(&parsed);
    }
    free(line);
    return 0;
}
