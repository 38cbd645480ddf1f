/* libFuzzer target: command_parse_line on any line, then every word it
 * kept as a template must expand at launch (the build never accepts what
 * the launch wrapper cannot expand), with the variables set and unset.
 * The same bytes, split at newlines into an argv, go through the wrapper,
 * package-manager and sh -c readers, and as an API < 0.9 token. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
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
    char *line = fuzz_input_string(data, size);
    if (line == NULL)
        return 0;
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

    struct command_argv argv = {0};
    for (char *save = NULL, *w = strtok_r(line, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
        command_argv_push(&argv, w);
    struct command_wrapped wrapped;
    if (command_see_through(&argv, &wrapped) == 1 &&
        wrapped.prefix.len + wrapped.env.len + wrapped.inner.len > argv.len)
        abort();
    command_wrapped_free(&wrapped);
    struct command_pm_run pm;
    command_classify_pm(&argv, &pm);
    if (pm.action != COMMAND_PM_OTHER && (pm.script == NULL || pm.next > argv.len))
        abort();
    struct command_line shell;
    if (command_parse_shell_argv(&argv, &shell, NULL) == 1)
        command_line_free(&shell);
    if (argv.len > 0) {
        char *word = NULL, needs[256];
        unsigned flags = 0;
        if (command_legacy_token(argv.items[0], &word, &flags, needs, sizeof needs) == 0 &&
            (flags & COMMAND_WORD_EXPAND)) {
            struct command_argv out = {0};
            if (command_expand_word(word, fuzz_getenv, NULL, true, &out, NULL) != 0 || out.len != 1)
                abort();
            command_argv_free(&out);
        }
        free(word);
    }
    command_argv_free(&argv);
    free(line);
    return 0;
}
