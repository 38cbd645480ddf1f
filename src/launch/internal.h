/* Pieces shared by the launch planners (one file per tool); not for other
 * modules. */
#ifndef BP_LAUNCH_INTERNAL_H
#define BP_LAUNCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "debugger/debugger.h"
#include "launch/launch.h"

/* BPL_DEBUG_* as read at launch. Unset values keep what the build wrote. */
struct launch_settings {
    bool enabled;
    bool has_bind;
    char bind[DEBUGGER_HOST_MAX]; /* no brackets; "0.0.0.0" for all interfaces */
    int port;                     /* 0: keep the build-time port */
    int suspend;                  /* -1 keep, 0 run at once, 1 wait for a client */
    /* the bind is 127.0.0.1 because the app runs on Kubernetes
     * (KUBERNETES_SERVICE_HOST) and no bind was chosen explicitly */
    bool k8s_loopback;
};

struct launch_ctx {
    const char *name;
    int argc;
    char *const *argv;
    launch_getenv_fn *getenv_fn;
    void *getenv_data;
    const char *layer_dir;
    struct launch_settings settings;
};

const char *launch_env(const struct launch_ctx *ctx, const char *name);

/* Settings (values parsed by src/debugger/, as at build): a bad value turns
 * the debugger off and adds one message line. */
void launch_settings_read(struct launch_ctx *ctx, struct launch_plan *plan);
/* Quotes an untrusted value for a one-line message: control bytes become '?'
 * and long values are cut. */
void launch_printable(char *out, size_t out_len, const char *value);
/* Applies BPL_DEBUG_BIND / BPL_DEBUG_PORT to a build-time address. */
void launch_address_apply(struct debugger_address *addr, const struct launch_settings *s);

/* Toolkit (toolkit.c). Running out of memory aborts (common/xalloc.h). */
void launch_push(struct command_argv *v, const char *s);
void launch_pushf(struct command_argv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds "debug-launch: <text>\n" to plan->messages. */
void launch_say(struct launch_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -1 when the plan already holds LAUNCH_MAX_ENV variables. */
int launch_plan_setenv(struct launch_plan *plan, const char *name, const char *value);
/* Hands path and argv to the plan (argv is emptied). */
void launch_plan_exec(struct launch_plan *plan, const char *path, struct command_argv *argv);
/* The notice printed when the debugger is on. */
void launch_say_listening(struct launch_plan *plan, const struct launch_settings *s,
                          const char *what, const char *address, bool suspended);

/* The real tool for name: the target of <layer>/real/<name> (relative targets
 * are taken from real/), malloc'd; NULL with err set when it is missing or
 * not executable. */
char *launch_real_tool(const struct launch_ctx *ctx, const char *name, struct bp_error *err);
/* Exec real/<name> with argv[1..] unchanged: used when there is no debugger
 * to apply (the wrappers are on PATH, so they also serve plain calls). */
int launch_passthrough(const struct launch_ctx *ctx, const char *real_name,
                       struct launch_plan *plan, struct bp_error *err);

/* The fields of /proc/<pid>/stat the supervisor needs. */
struct launch_proc_stat {
    char state;         /* 'Z' for a zombie */
    int ppid;
    bool has_exit_code; /* field 52 (Linux >= 3.5) */
    int exit_code;      /* in waitpid(2) form */
};
/* 0, or -1 when text is not a stat line. */
int launch_proc_stat_parse(const char *text, struct launch_proc_stat *out);
/* A waitpid(2) status as a shell shows it: the exit code, or 128+signal. */
int launch_exit_code(int wait_status);
/* The exit code in dlv's answer to RPCServer.State once the app has ended
 * ("Process N has exited with status S"); -1 when it holds none. */
int launch_dlv_exit_status(const char *reply, int *code);

int launch_plan_go(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err);
int launch_plan_python(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err);
int launch_plan_node(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err);
int launch_plan_npm(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err);
int launch_plan_pm(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err);
int launch_plan_run(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err);
int launch_plan_jdwp(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err);

#endif
