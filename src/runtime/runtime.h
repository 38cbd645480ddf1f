/* Runtimes: recognise what a process runs (Go, Python, Node.js, .NET, JVM)
 * from its command and the files it names, and plan how to run it under a
 * debugger, whose argv words come from src/debugger/. One file per runtime
 * (go.c, ...), the table in runtime.c, shared helpers in toolkit.c. */
#ifndef BP_RUNTIME_H
#define BP_RUNTIME_H

#include <stdbool.h>

#include "cnb/cnb.h"
#include "command/command.h"
#include "common/error.h"
#include "debugger/debugger.h"

enum runtime_id { RUNTIME_GO, RUNTIME_PYTHON, RUNTIME_NODE, RUNTIME_DOTNET, RUNTIME_JVM, RUNTIME_COUNT };

/* Tools and launch pieces a plan needs in the debug-tools layer. */
enum runtime_need {
    NEED_DLV = 1 << 0,     /* <layer>/dlv/dlv, and the dlv wrapper */
    NEED_DEBUGPY = 1 << 1, /* <layer>/debugpy/, and the python wrapper */
    NEED_PTVSD = 1 << 2,   /* <layer>/ptvsd/, and the python wrapper */
    NEED_VSDBG = 1 << 3,   /* <layer>/vsdbg/ */
    NEED_NODE = 1 << 4,    /* the node wrapper */
    NEED_NPM = 1 << 5,     /* the npm wrapper */
    NEED_JDWP = 1 << 6,    /* exec.d/<type>/jdwp */
    NEED_PM = 1 << 7,      /* a package-manager wrapper (yarn, pnpm, npx): links[0].name */
    NEED_RUN = 1 << 8,     /* the generic wrapper wrap/run: expands, then execs */
};

/* What the build knows that runtimes need. */
struct runtime_context {
    const char *app_dir;
    const char *layer_dir; /* the final path of the debug-tools layer */
    /* The build context: commands are resolved on each process's launch
     * env (cnb_launch_env_for_process on a run-image base PATH) with
     * cnb_resolve_launch_command. NULL (unit tests): path_env is the PATH
     * and every hit counts as in the image. */
    const struct cnb_build_context *cnb;
    const char *path_env;  /* PATH when cnb is NULL */
    const char *bind;      /* BP_DEBUG_BIND */
    int port;              /* BP_DEBUG_PORT, 0 for the runtime's default */
    int ports[RUNTIME_COUNT]; /* BP_DEBUG_<RUNTIME>_PORT, over port; 0 unset */
    bool suspend;
    bool strict;
    const char *python_debugger; /* NULL, "debugpy", "ptvsd" */
    /* Which Python debugger the dependencies offer for a Python version:
     * "debugpy", "ptvsd" or NULL (none fits). NULL callback: debugpy. */
    const char *(*python_debugger_for)(const char *python_version, void *data);
    /* Whether the dependencies hold a dlv that supports this Go; when not,
     * the newest dlv runs with --check-go-version=false. NULL: yes. */
    bool (*dlv_supports)(const char *go_version, void *data);
    void *data;
};

/* A process as the runtimes see it: shell wrappers and `cd DIR &&` taken
 * off, command and args as one argv, argv[0] resolved to a file. */
struct runtime_process {
    const struct cnb_process *original;
    struct command_argv argv;
    /* COMMAND_WORD_EXPAND per argv word (a template kept for launch), or
     * NULL when no word is one */
    unsigned char *flags;
    size_t command_len; /* how many leading argv items came from `command` */
    char *workdir;      /* from `cd DIR &&`, else the original's, else NULL */
    char *executable;   /* argv[0] resolved to an absolute path, or NULL */
    /* Kept around the app's command: wrapper words (tini -g --, watchexec
     * ... --, nice -n 5) and `env NAME=value ...` (assignments of the line
     * or of a plain env; templates flagged in prefix_flags). */
    struct command_argv prefix;
    unsigned char *prefix_flags;
    /* What was taken off, for the log ("bash -c line", "tini", ...); "" none. */
    char unwrapped[256];
    /* A shell construct that keeps the process from being read ("a pipe |"),
     * argv then empty; "" none. */
    char needs_shell[256];
    /* Why argv[0] could not be found where it runs (executable NULL), or,
     * with executable set, that it was found only in a system dir of the
     * build image, which a run image may lack (a plan then warns). */
    char not_found[1024];
    struct cnb_env env; /* the launch env of this process (for probes) */
    /* An `&&` chain (npm-start's start.sh: cd DIR && PRE && START && POST)
     * whose app is argv: the shell is kept (chain_shell -c LINE) and only
     * the app's command is rewritten inside LINE. chain.len 0: none. */
    struct command_line chain;
    long chain_app;
    char *chain_shell;
};

#define RUNTIME_MAX_LINKS 4
#define RUNTIME_MAX_NOTES 8

struct runtime_plan {
    enum runtime_id runtime;
    bool already_debug; /* the command already runs under a debugger */
    bool rewritten;     /* command/args below replace the process */
    struct command_argv command;
    struct command_argv args;
    char *workdir;
    unsigned needs;              /* enum runtime_need bits */
    enum debugger_id debugger;   /* which debugger runs it */
    const char *protocol;        /* the debugger's label protocol; NULL: no port (vsdbg) */
    int port;
    bool wait;                   /* suspends until a client attaches */
    char *runtime_version;       /* "go1.26.8", "3.11.7", ... or NULL */
    /* real tools the wrappers exec: <layer>/real/<name> -> <target> */
    struct { char *name; char *target; } links[RUNTIME_MAX_LINKS];
    size_t links_len;
    /* build-log lines: warnings about what will not debug well, with the fix */
    char *warnings[RUNTIME_MAX_NOTES];
    size_t warnings_len;
    char *tool_path;             /* the real debugger in the image, for labels */
    /* argv positions (in command + args) of template words the wrapper
     * expands at launch: written to CNB_DEBUG_EXPAND (command.h) */
    size_t expand[64];
    size_t expand_len;
    char *expand_marks; /* the formatted list, or NULL: no templates */
    /* Go: the main module and -trimpath from the binary's build info, for
     * the label's "source" (IDE path mappings); NULL when unknown */
    char *go_module;
    bool go_trimpath;
};

const char *runtime_name(enum runtime_id id);       /* "go", "python", ... */
const char *runtime_label_name(enum runtime_id id); /* Skaffold's: go, python, nodejs, netcore, jvm */
/* Its debugger's default port (src/debugger/). */
int runtime_default_port(enum runtime_id id);
/* The port a runtime's debugger listens on: BP_DEBUG_<RUNTIME>_PORT, else
 * BP_DEBUG_PORT, else the runtime's default. */
int runtime_port(const struct runtime_context *ctx, enum runtime_id id);

/* Builds the runtime view of a process: its launch env; shell lines, sh -c
 * argv and API < 0.9 tokens parsed with their expansions kept as templates;
 * start scripts and && chains read; tini/dumb-init/watchexec/env/nice kept
 * as a prefix; argv[0] resolved where it runs. A construct that needs a
 * shell leaves argv empty with needs_shell naming it. Errors name the
 * process type: an empty command, unbalanced quotes, a FIFO script. */
int runtime_process_init(struct runtime_process *rp, const struct cnb_process *p,
                         const struct runtime_context *ctx, struct bp_error *err);
void runtime_process_free(struct runtime_process *rp);

/* Finds the runtime and plans the debug launch. Returns 1 with *plan filled,
 * 0 when no runtime recognises the process (*why says why, for the log), or
 * -1 on an error that must fail the build (named process, what was wrong). */
int runtime_plan_process(const struct runtime_process *rp, const struct runtime_context *ctx,
                         struct runtime_plan *plan, char *why, size_t why_len, struct bp_error *err);
void runtime_plan_free(struct runtime_plan *plan);

/* Helpers shared by the runtime files (toolkit.c). Running out of memory
 * aborts (common/xalloc.h). */
/* Sets plan->command and plan->args from a rewritten full argv: its last
 * items that were the original API >= 0.9 args stay args (users may replace
 * them at launch), the rest is the command. The rewritten process runs
 * where the original did (plan->workdir from rp). Sets plan->rewritten. */
void runtime_plan_set_argv(struct runtime_plan *plan, const struct runtime_process *rp,
                           const struct command_argv *full);
/* <layer>/<relative>, malloc'd. */
char *runtime_layer_path(const struct runtime_context *ctx, const char *relative);
/* Adds a build-log warning (at most RUNTIME_MAX_NOTES; later ones are dropped). */
void runtime_plan_warn(struct runtime_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records real/<name> -> target; -1 (err set) past RUNTIME_MAX_LINKS. */
int runtime_plan_link(struct runtime_plan *plan, const char *name, const char *target,
                      struct bp_error *err);
/* Marks the plan as a process already under debugger id and reads its port
 * and suspend from its argv (src/debugger/). 1 when the debugger is there. */
int runtime_plan_already(struct runtime_plan *plan, const struct runtime_process *rp,
                         enum debugger_id id);
/* Pushes a word; aborts when out of memory. */
void runtime_push(struct command_argv *argv, const char *word);
/* After a planner rewrote the process: puts rp's prefix (tini, env ...)
 * in front, with wrap/run first when the prefix holds templates, and
 * formats plan->expand_marks. */
void runtime_plan_finish(struct runtime_plan *plan, const struct runtime_process *rp,
                         const struct runtime_context *ctx);
/* Pushes rp->argv.items[i] and records it in plan->expand when it is a
 * template. */
void runtime_push_word(struct runtime_plan *plan, struct command_argv *full,
                       const struct runtime_process *rp, size_t i);
/* runtime_push_word for each of rp's words from index from on. */
void runtime_push_words(struct runtime_plan *plan, struct command_argv *full,
                        const struct runtime_process *rp, size_t from);
/* Where argv0 runs from: the resolved file in the image, or NULL with
 * *why (may be NULL) saying why. */
char *runtime_resolve_launch(const struct runtime_process *rp, const struct runtime_context *ctx,
                             const char *argv0, char *why, size_t why_len);
const char *runtime_basename(const char *path);
/* Resolves a command name against dir (for relative paths) and PATH. */
char *runtime_resolve_command(const char *name, const char *dir, const char *path_env);
/* The interpreter named by a file's #! line (the first word, or the word
 * after /usr/bin/env), or NULL. */
char *runtime_read_shebang(const char *path);

/* Per-runtime planners (<name>.c): 1 recognised, 0 not, -1 error. They
 * get plan->port, ->debugger and ->protocol set for their runtime. */
int runtime_go_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                    struct runtime_plan *plan, struct bp_error *err);
int runtime_python_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                        struct runtime_plan *plan, struct bp_error *err);
int runtime_node_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                      struct runtime_plan *plan, struct bp_error *err);
int runtime_dotnet_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                        struct runtime_plan *plan, struct bp_error *err);
int runtime_jvm_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                     struct runtime_plan *plan, struct bp_error *err);

#endif
