/* The launch wrapper's decision: from the name it runs under, its argv,
 * BPL_DEBUG_* and the debug-tools layer, what to exec (or, as the exec.d
 * helper, what TOML to print). Pure apart from reading the layer's links, so
 * tests can check every shape without exec'ing anything. */
#ifndef BP_LAUNCH_H
#define BP_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>

#include "command/command.h"
#include "common/error.h"

/* Returns the value of an environment variable, or NULL when unset. */
typedef const char *launch_getenv_fn(const char *name, void *data);

#define LAUNCH_MAX_ENV 4

struct launch_plan {
    char *path;   /* the file to execve; NULL for the exec.d helper */
    struct command_argv argv; /* argv[0] included; items NULL-terminated */
    /* variables to set before exec (the rest of the environment passes on) */
    struct { char *name; char *value; } env[LAUNCH_MAX_ENV];
    size_t env_len;
    bool debugging;   /* the debugger is on in the final command */
    /* The program a debugger starts as its child (dlv exec BIN): set when the
     * wrapper must supervise instead of exec (see launch_supervise). */
    char *target;
    bool exec_d;      /* exec.d helper: print toml on fd 3, exit 0 */
    char *toml;       /* exec.d output ("" for none); NULL unless exec_d */
    char *messages;   /* lines for stderr, each ending in '\n'; NULL if none */
    /* the address the debugger will listen on (HOST:PORT), for
     * launch_listen_check; NULL when unknown (unix sockets, random ports) */
    char *listen;
};

/* Plans the launch for the tool `name` (the basename of argv[0]: dlv,
 * python*, node, nodemon, npm, or jdwp for exec.d) in the debug-tools layer
 * layer_dir (real tools are read from <layer_dir>/real/<name>). Bad BPL_DEBUG_*
 * values or an unexpected argv shape never fail: the plan then runs the app
 * without the debugger and says why in messages. Returns -1 only when nothing
 * can be exec'd (err says what is missing). */
int launch_plan(const char *name, int argc, char *const argv[], launch_getenv_fn *getenv_fn,
                void *getenv_data, const char *layer_dir, struct launch_plan *plan,
                struct bp_error *err);
void launch_plan_free(struct launch_plan *plan);

/* What launch_supervise saw, for main to report. */
struct launch_outcome {
    int code;       /* the exit code for main */
    bool app_ended; /* the app ended while the debugger ran; it was stopped */
    bool app_known; /* the app's status was read, so code is the app's */
    /* a stopping signal came while the app was held stopped under dlv
     * (waiting for a client, or at a breakpoint), so it was killed and code
     * is 128 + that signal; 0 otherwise */
    int held_signal;
};

/* Runs plan->path as a child and stays its parent (a container's pid 1),
 * because dlv neither passes SIGTERM to the app (it kills it) nor exits when
 * the app does. SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 go to
 * the app (plan->target's process below the child, found by /proc/<pid>/exe)
 * once it runs, to the child before. When the app ends, the child gets
 * SIGTERM, then SIGKILL after LAUNCH_GRACE_MS, and code is the app's status
 * (128+N for signal N) read from its zombie or, when dlv reaped it first,
 * asked from dlv's JSON-RPC API (its --listen address); LAUNCH_EXIT_UNKNOWN
 * when neither answers. When the child ends first, code is its status.
 * Other children are reaped. Returns -1 (err set) only when nothing was
 * started, so main can still exec plan->path. Apply plan->env first. */
#define LAUNCH_GRACE_MS 3000
#define LAUNCH_EXIT_UNKNOWN 1
int launch_supervise(const struct launch_plan *plan, struct launch_outcome *out,
                     struct bp_error *err);

/* Whether BPL_DEBUG_BIND's host name resolves (0 yes). A name that does not
 * would make the debugger fail to listen and the app never start, so it is
 * rejected like any bad value. NULL, the default, accepts every well-formed
 * name, which keeps launch_plan pure for tests; the wrapper's main sets it
 * to launch_resolve_host. IP literals are never looked up. */
extern int (*launch_resolve_bind)(const char *host);
int launch_resolve_host(const char *host);

/* 0 when address (HOST:PORT as in plan->listen) can be bound now; -1 with
 * why ("cannot listen on ADDR: the port is in use") when it cannot. The
 * socket is closed at once: a debugger started right after gets it. */
int launch_listen_check(const char *address, char *why, size_t why_len);

/* Appends s to out as a TOML basic string (quotes, escapes). 0; -2 when s is
 * not valid UTF-8 (TOML cannot hold it; out is unchanged). */
struct strbuf;
int launch_toml_quote(struct strbuf *out, const char *s);

#endif
