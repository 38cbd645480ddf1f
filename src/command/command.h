/* Process command shapes: split shell lines into words while keeping their
 * parameter expansions for launch, expand them there exactly as sh would
 * (libc only: the launch wrapper links this), see through wrappers (tini,
 * dumb-init, watchexec, env, nice, exec), isolate the app in `&&` chains and
 * tell package managers from the app. `cd DIR && ...` prefixes and `sh -c`
 * defeat runtime detection in the prior art (skaffold#5336). */
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
/* Both copy the words; running out of memory aborts (common/xalloc.h). */
void command_argv_push(struct command_argv *argv, const char *item);
void command_argv_copy(struct command_argv *dst, const struct command_argv *src);

/* Whether path names sh, bash or dash (any directory). */
bool command_is_shell(const char *path);

/* If argv is `sh|bash SCRIPT [args...]` and SCRIPT (a file, read from
 * disk) runs exactly one command -- apart from trap/wait/set lines, as in
 * the signal trampoline Paketo npm-start writes: `( node server.js $@ ) &`
 * -- whose words command_parse_line reads as literals (no `cd DIR &&`,
 * assignment or expansion), replaces argv with that command's words (a
 * trailing `$@`/`"$@"` takes the args) and returns 1; 0 leaves argv alone (also when SCRIPT does not
 * exist); -1 on unbalanced quotes, or when SCRIPT is not a regular file (a
 * FIFO or device is never opened blocking: the error names it). */
int command_unwrap_script(struct command_argv *argv, struct bp_error *err);

/* The one command line of a start script, read as command_unwrap_script
 * reads it (shebang, trap/wait/set/CPID= lines skipped, `( X ) &` and
 * `exec X` unwrapped), for command_parse_line and command_chain_app (npm-
 * start's `( cd DIR && PRE && START && POST $@ ) &`). A trailing $@ or "$@"
 * is taken off and *passes_args set: the process's args go to the end of
 * the last command. *line (malloc'd) is NULL when the script is missing or
 * runs more than one line; -1 when it is not a regular file. */
int command_script_line(const char *path, char **line, bool *passes_args, struct bp_error *err);

/* Quotes one word for sh (for log lines and for an explicit shell fallback). */
char *command_quote(const char *word);
/* Joins words quoted for display, e.g. in the build log. */
char *command_join(const struct command_argv *argv);


/* ---- Shell lines with parameter expansions ------------------------------
 *
 * A word of a shell line is kept in one of two forms:
 * - literal (flags 0): the word's value, quotes removed, ready to exec;
 * - template (COMMAND_WORD_EXPAND): the word's own sh source, verbatim
 *   (e.g. `--port=${PORT:-8080}` or `"$HOST:$PORT"`), expanded at launch by
 *   command_expand_word. COMMAND_WORD_SPLIT says an expansion in it is
 *   unquoted, so at launch it may become 0, 1 or more words (sh field
 *   splitting on space/tab/newline, then pathname expansion of *?[ that came
 *   from a value).
 * Supported expansions: $NAME, ${NAME}, ${NAME:-word}, ${NAME-word},
 * ${NAME:+word}, ${NAME+word}, inside or outside double quotes; the word may
 * hold quotes and further expansions. Anything else (command substitution,
 * $1/$@/$?, ${#V}, ${V%x}, ${V:=x}, globs, ~, brace expansion, operators) is
 * a construct that needs a shell. */
enum {
    COMMAND_WORD_EXPAND = 1, /* a template: expand at launch */
    COMMAND_WORD_SPLIT = 2,  /* has an unquoted expansion: field-split at launch */
};

/* One simple command of a line. flags[i] belongs to argv.items[i];
 * env holds leading `NAME=value` assignments ("NAME=" + literal or
 * template; env_flags likewise; assignment values are never field-split). */
struct command_simple {
    struct command_argv argv;
    unsigned char *flags;
    struct command_argv env;
    unsigned char *env_flags;
};

struct command_line {
    struct command_simple *cmds; /* the `&&` chain in order (len 1: one command) */
    size_t len;
    char *workdir;               /* from a leading `cd DIR &&`; NULL if none */
    /* Empty when the line is a chain of simple commands; else the first
     * construct that needs a real shell, for a WARNING, e.g. "a pipe |",
     * "a redirection >", "command substitution $(...)". cmds is then empty. */
    char needs_shell[256];
};

/* Parses a shell line (what `sh -c LINE` or an API < 0.9 `direct = false`
 * process runs). A leading `cd DIR &&` goes to workdir and a leading `exec`
 * is dropped (both only when DIR / the rest have no shell constructs).
 * Returns 0 (check needs_shell), or -1 only for a line sh itself rejects
 * (unbalanced quotes), with err naming the line. */
int command_parse_line(const char *line, struct command_line *out, struct bp_error *err);
void command_line_free(struct command_line *line);
void command_simple_free(struct command_simple *cmd);
/* The line again, each command joined with " && ", templates shown as
 * written; the command at index `mark` (or none: -1) is put in [brackets]. */
char *command_line_describe(const struct command_line *line, long mark);

/* A process argv `[/bin/]sh|bash|dash [-e -l ...] -c LINE [NAME ARGS...]`
 * (Heroku's procfile emits ["bash", "-c", LINE]) parsed with
 * command_parse_line. A trailing "$@" (or $@) of LINE takes ARGS as literal
 * words of the last command, as sh passes them. Returns 1 (check
 * out->needs_shell), 0 when argv is not that shape (out empty), -1 when
 * LINE is something sh rejects. */
int command_parse_shell_argv(const struct command_argv *argv, struct command_line *out,
                             struct bp_error *err);

/* An API < 0.9 `direct = false` process WITH args: lifecycle v0.21.0
 * (launch/bash.go bashCommandWithTokens) runs each token (the command
 * string, then each arg) through `eval echo "TOKEN"`, so each stays one
 * word and expands as inside double quotes. (Without args the command is a
 * bash script: use command_parse_line.) *word gets the token itself (flags
 * 0) when it has no expansion, else the template "TOKEN" (flags
 * COMMAND_WORD_EXPAND). Returns 0, or 1 with needs_shell naming the
 * construct (command substitution, $1, a quote that leaves the eval'd
 * string unbalanced, ...). Not modelled: echo's own options (-n, -e) as a whole token. */
int command_legacy_token(const char *token, char **word, unsigned *flags, char *needs_shell,
                         size_t needs_shell_len);

/* Reads a value of the launch environment; NULL = unset. */
typedef const char *(*command_getenv_fn)(const char *name, void *ctx);

/* Expands one template word as sh would and appends the resulting fields
 * to out (none, when an unquoted expansion is empty; one empty field for
 * "$EMPTY"). split=false gives the one string of an assignment value.
 * Pure apart from getenv_fn and glob(3) for patterns in unquoted values
 * (relative to the current directory, as sh). -1 only for a word
 * command_parse_line would not have produced. */
int command_expand_word(const char *word, command_getenv_fn getenv_fn, void *ctx, bool split,
                        struct command_argv *out, struct bp_error *err);

/* How the markers travel to launch without a shell: the process's argv in
 * launch.toml holds templates as plain words (readable, and Skaffold's argv
 * parsing sees ordinary words), and our layer's
 * `env.launch/<type>/CNB_DEBUG_EXPAND.override` holds the 0-based indices of
 * the template words in the argv the launch wrapper is given, e.g. "2,5".
 * The wrapper expands exactly those words and unsets CNB_DEBUG_EXPAND before
 * exec, so the app never sees it. */
#define COMMAND_EXPAND_ENV "CNB_DEBUG_EXPAND"

/* "i,j,..." for the words flagged COMMAND_WORD_EXPAND, each index + offset
 * (offset: how many words the wrapper's argv has before these). "" if none. */
char *command_marks_format(const unsigned char *flags, size_t n, size_t offset);
/* Parses marks into expand[0..argc) (1 = template); an index >= argc or
 * a malformed list is an error naming CNB_DEBUG_EXPAND. NULL marks = none. */
int command_marks_parse(const char *marks, size_t argc, unsigned char *expand, struct bp_error *err);
/* argv with the words marked in marks expanded (getenv_fn NULL: getenv(3)).
 * This is the launch wrapper's one call. */
int command_expand_argv(const struct command_argv *argv, const char *marks,
                        command_getenv_fn getenv_fn, void *ctx, struct command_argv *out,
                        struct bp_error *err);

/* ---- Wrappers -----------------------------------------------------------
 * `tini [-s -v.. -w -g -l -p SIG -e CODE] [--] CMD`,
 * `dumb-init [-c -v -r s:r --single-child --rewrite=s:r] [--] CMD`,
 * `watchexec ... --shell none ... -- CMD` (also `-n`),
 * `nice [-n N | -N | --adjustment=N] CMD` are kept as a prefix: the debugger
 * goes inside them. `exec CMD` is dropped. `env NAME=x ... CMD` becomes env
 * assignments; `env` with options (-i, -u, -C, ...) is kept whole in the
 * prefix. Nested wrappers are followed. */
struct command_wrapped {
    struct command_argv prefix; /* wrapper words to keep, in order */
    struct command_argv env;    /* NAME=value from a plain `env` */
    struct command_argv inner;  /* the command inside */
    /* Non-empty when a wrapper was seen but its command cannot be found
     * (e.g. "watchexec without --shell none runs its command through a
     * shell"); inner is then empty. */
    char reason[256];
};
/* Returns 1 when argv[0] is one of the wrappers (out filled), 0 when it is
 * not (out empty). */
int command_see_through(const struct command_argv *argv, struct command_wrapped *out);
void command_wrapped_free(struct command_wrapped *w);

/* ---- Package managers ---------------------------------------------------
 * npm, yarn (1 and berry share this grammar; berry adds `yarn node`,
 * `yarn dlx`), pnpm, npx and `corepack <pm>`. */
enum command_pm {
    COMMAND_PM_NONE = 0,
    COMMAND_PM_NPM,
    COMMAND_PM_YARN,
    COMMAND_PM_PNPM,
    COMMAND_PM_NPX,
};
enum command_pm_action {
    COMMAND_PM_OTHER = 0,  /* install, config, ...: not running the app */
    COMMAND_PM_RUN_SCRIPT, /* runs package.json script `script` */
    COMMAND_PM_EXEC,       /* runs a package binary `script` (npx X, pnpm exec X, yarn dlx X) */
    COMMAND_PM_NODE,       /* `yarn node ARGS`: runs node itself */
};
struct command_pm_run {
    enum command_pm pm;
    enum command_pm_action action;
    const char *script; /* points into argv (or "start"); NULL for OTHER */
    size_t next;        /* index of the first word after the script / binary name */
};
/* Classifies argv (pm NONE when argv[0] is none of them). */
void command_classify_pm(const struct command_argv *argv, struct command_pm_run *out);
const char *command_pm_name(enum command_pm pm);

/* ---- && chains (npm-start's start.sh) -----------------------------------
 * Of a chain like `npm run prestart && node server.js && npm run poststart`,
 * the one command that is the app: chain members that only prepare or clean
 * up (echo, true, :, mkdir, rm, cp, mv, ln, touch, chmod, chown, sleep,
 * printf, test, [ , and package-manager runs of scripts other than `start`,
 * installs) are set aside. Returns the index, or -1 with why filled ("2
 * commands could be the app: node a.js, node b.js"). */
long command_chain_app(const struct command_line *line, char *why, size_t why_len);

#endif
