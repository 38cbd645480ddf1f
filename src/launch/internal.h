/* Pieces shared by the launch planners (one file per tool); not for other
 * modules. */
#ifndef BP_LAUNCH_INTERNAL_H
#define BP_LAUNCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "launch/launch.h"

#define LAUNCH_HOST_MAX 256

/* BPL_DEBUG_* as read at launch. Unset values keep what the build wrote. */
struct launch_settings {
    bool enabled;
    bool has_bind;
    char bind[LAUNCH_HOST_MAX]; /* no brackets; "0.0.0.0" for all interfaces */
    int port;                   /* 0: keep the build-time port */
    int suspend;                /* -1 keep, 0 run at once, 1 wait for a client */
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

/* A HOST:PORT as tools write it: "h:p", "[v6]:p", ":p", "p" or "h". */
struct launch_address {
    bool has_host;
    char host[LAUNCH_HOST_MAX]; /* may be "" (":56268": all interfaces) */
    bool has_port;
    int port;
};

/* A growable argv whose strings it owns; items stay NULL-terminated. */
struct launch_argv {
    char **items;
    size_t len;
    size_t cap;
};

const char *launch_env(const struct launch_ctx *ctx, const char *name);

/* Settings: a bad value turns the debugger off and adds one message line. */
int launch_settings_read(struct launch_ctx *ctx, struct launch_plan *plan);
int launch_parse_bool(const char *value, bool *out);
int launch_parse_port(const char *value, int *out);
/* IPv4/IPv6 literal (brackets allowed), "*" or "" (all interfaces), or a
 * host name of [A-Za-z0-9.-]; writes it without brackets. */
int launch_parse_bind(const char *value, char *out, size_t out_len);
/* Quotes an untrusted value for a one-line message: control bytes become '?'
 * and long values are cut. */
void launch_printable(char *out, size_t out_len, const char *value);

int launch_address_parse(const char *value, struct launch_address *addr);
/* Applies BPL_DEBUG_BIND / BPL_DEBUG_PORT to a build-time address. */
void launch_address_apply(struct launch_address *addr, const struct launch_settings *s);
/* "host:port" with IPv6 in brackets; the parts the address lacks are left
 * out, so tools keep their own defaults. */
void launch_address_format(char *out, size_t out_len, const struct launch_address *addr);
/* The address for humans, filling a missing part with the tool's default. */
void launch_address_describe(char *out, size_t out_len, const struct launch_address *addr,
                             const char *default_host, int default_port);

int launch_argv_push(struct launch_argv *v, const char *s);
int launch_argv_pushf(struct launch_argv *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void launch_argv_free(struct launch_argv *v);

/* Adds "debug-launch: <text>\n" to plan->messages. */
int launch_say(struct launch_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int launch_plan_setenv(struct launch_plan *plan, const char *name, const char *value);
/* Hands path and argv to the plan (argv is emptied). */
int launch_plan_exec(struct launch_plan *plan, const char *path, struct launch_argv *argv);
/* The notice printed when the debugger is on. */
int launch_say_listening(struct launch_plan *plan, const char *what, const char *address,
                         bool suspended);

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
int launch_plan_jdwp(struct launch_ctx *ctx, struct launch_plan *plan, struct bp_error *err);

#endif
