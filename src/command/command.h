/* Shell words: split a `direct = false` process line the way sh would for
 * the simple cases, and say clearly when a line needs a real shell. Also
 * unwraps `sh -c '...'` / `bash -c` wrappers and `cd DIR && ...` prefixes,
 * which defeat runtime detection in the prior art (skaffold#5336). */
#ifndef BP_COMMAND_H
#define BP_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct command_argv {
    char **items; /* malloc'd strings, NULL-terminated */
    size_t len;
};

void command_argv_free(struct command_argv *argv);
int command_argv_push(struct command_argv *argv, const char *item, struct bp_error *err);
int command_argv_copy(struct command_argv *dst, const struct command_argv *src, struct bp_error *err);

enum command_split_result {
    COMMAND_SIMPLE = 0, /* argv holds the words: exec them directly */
    COMMAND_NEEDS_SHELL = 1, /* operators, expansions or redirections: argv empty */
};

/* Splits a shell line with sh quoting rules (single, double quotes,
 * backslashes, comments). Returns COMMAND_SIMPLE or COMMAND_NEEDS_SHELL, or
 * -1 with an error for a line sh would reject (unbalanced quotes).
 * A leading `cd DIR &&` is taken off into *workdir (malloc'd) when the rest
 * is simple; workdir may be NULL to refuse that. */
int command_split(const char *line, struct command_argv *argv, char **workdir, struct bp_error *err);

/* If argv is `[/bin/]sh|bash|dash -c LINE [name args...]` (also `-ec`,
 * `-lc`, `-c` after other single-letter flags) and LINE is simple, replaces
 * argv with LINE's words (`exec` prefix dropped, `"$@"` expanded to the
 * trailing args) and returns 1; returns 0 when argv is left alone; -1 on
 * error (unbalanced quotes in LINE). */
int command_unwrap_shell(struct command_argv *argv, char **workdir, struct bp_error *err);

/* If argv is `sh|bash SCRIPT [args...]` and SCRIPT (a file, read from
 * disk) runs exactly one command -- apart from trap/wait/set lines, as in
 * the signal trampoline Paketo npm-start writes: `( node server.js $@ ) &`
 * -- replaces argv with that command's words (a trailing `$@`/`"$@"` takes
 * the args) and returns 1; 0 leaves argv alone; -1 on unbalanced quotes. */
int command_unwrap_script(struct command_argv *argv, struct bp_error *err);

/* Quotes one word for sh (for log lines and for an explicit shell fallback). */
char *command_quote(const char *word);
/* Joins words quoted for display, e.g. in the build log. */
char *command_join(const struct command_argv *argv);

#endif
