/* The debugger contract: one libc-only descriptor per debugger (dlv, debugpy,
 * ptvsd, node inspector, JDWP, vsdbg) that says how its argv carries address,
 * port and suspend, both ways: format (bin/build writes the argv) and parse
 * (the launch wrapper rewrites it, labels report it). Also the one parser of
 * bool, port and bind values that BP_DEBUG_* and BPL_DEBUG_* share, so build
 * and launch cannot disagree. libc only: detect and debug-launch link it. */
#ifndef BP_DEBUGGER_H
#define BP_DEBUGGER_H

#include <stdbool.h>
#include <stddef.h>

#include "command/command.h"

enum debugger_id {
    DEBUGGER_DLV,
    DEBUGGER_DEBUGPY,
    DEBUGGER_PTVSD,
    DEBUGGER_NODE,
    DEBUGGER_JDWP,
    DEBUGGER_VSDBG,
    DEBUGGER_COUNT
};

struct debugger {
    const char *name;     /* for messages: "dlv", "debugpy", "the node inspector", ... */
    const char *protocol; /* the label's (and Skaffold's) name; NULL: opens no port (vsdbg) */
    int default_port;     /* what the build writes when BP_DEBUG_*PORT is unset; 0: none */
    const char *default_host; /* where the tool listens when its argv names no host */
};

const struct debugger *debugger_get(enum debugger_id id);

/* ---- values: BP_DEBUG_* at build and BPL_DEBUG_* at launch ---- */

#define DEBUGGER_HOST_MAX 256

/* true/false, 1/0, yes/no, on/off, y/n, t/f in any case; surrounding ASCII
 * white space (isspace in the C locale) is ignored. 0, or -1. */
int debugger_parse_bool(const char *value, bool *out);
/* Decimal digits only (no sign, no blanks), 1..65535. 0, or -1. */
int debugger_parse_port(const char *value, int *out);
/* An IPv4 or IPv6 literal (IPv6 may come in brackets, as copied from a URL),
 * "*" or "" (all interfaces: written "0.0.0.0"), or a host name of
 * [A-Za-z0-9.-] that does not start with '-' or '.' and is not all digits
 * and dots ("10.0.0" is a mistyped address). Writes it without brackets.
 * 0, or -1 (also when it does not fit out_len). */
int debugger_parse_bind(const char *value, char *out, size_t out_len);
bool debugger_is_ip_literal(const char *host);

/* ---- addresses as the tools write them ---- */

/* "h:p", "[v6]:p", ":p", "p" or "h" (a bare IPv6 literal too). */
struct debugger_address {
    bool has_host;
    char host[DEBUGGER_HOST_MAX]; /* may be "" (":56268": all interfaces) */
    bool has_port;
    int port; /* 0..65535 (0: the tool picks one) */
};

int debugger_address_parse(const char *value, struct debugger_address *addr);
/* "host:port" with IPv6 in brackets; missing parts are left out, so the
 * tool keeps its own defaults. */
void debugger_address_format(char *out, size_t out_len, const struct debugger_address *addr);
/* "HOST:PORT" from a bind value and a port. */
void debugger_address_join(char *out, size_t out_len, const char *host, int port);
/* The address for humans: missing parts filled with the debugger's defaults. */
void debugger_address_describe(char *out, size_t out_len, const struct debugger_address *addr,
                               enum debugger_id id);

/* ---- format: the argv words bin/build writes ---- */

struct debugger_listen {
    const char *host; /* BP_DEBUG_BIND, already parsed */
    int port;
    bool suspend;           /* the app waits until a client attaches */
    bool skip_version_check; /* dlv only: --check-go-version=false */
};

/* Appends the debugger's own words to out: dlv's flags after `exec` and
 * before the program; `-m debugpy --listen ...` / `-m ptvsd --host ...`;
 * node's `--inspect[-brk]=...`; JDWP's `-agentlib:jdwp=...` option.
 * vsdbg takes nothing. */
void debugger_format(enum debugger_id id, const struct debugger_listen *l, struct command_argv *out);

/* ---- parse: what an argv says ---- */

/* What a debug-enabled argv says, for labels and the build log. */
struct debugger_view {
    int port;   /* the port it listens on; 0 when the argv's value is not a valid port */
    bool waits; /* the app stops until a client attaches */
};

/* Reads the argv of a process that already runs under debugger id (argv[0]
 * is the tool: dlv, python, node/npm, java). 1 when the debugger is there,
 * 0 when not. */
int debugger_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out);

/* dlv: `dlv exec [flags] BIN [-- ARGS]`, scanned from argv[first]. */
struct debugger_dlv_argv {
    int program;       /* BIN, -1 when none */
    int dashdash;      /* "--", or argc */
    int listen;        /* the last --listen/-l word, -1 when none */
    bool listen_separate; /* its value is the next word */
    const char *listen_value;
    bool has_continue;
    bool continues;    /* the last --continue[=bool] says the app runs at once */
};
void debugger_dlv_scan(int argc, char *const argv[], int first, struct debugger_dlv_argv *out);
/* dlv exec's flags that take a value ("--wd DIR"): the next word is that value. */
bool debugger_dlv_takes_value(const char *arg);
/* The value of a --listen/-l flag at argv[i], whichever form; NULL if none. */
const char *debugger_dlv_listen_at(int argc, char *const argv[], int i, bool *separate);
/* --continue, --continue=BOOL: *on says which. */
bool debugger_dlv_is_continue(const char *arg, bool *on);

/* python [opts] -m debugpy|ptvsd [debugger opts] TARGET... */
struct debugger_python_argv {
    bool ptvsd;
    int marker;    /* "-m" or "-mdebugpy" */
    int first;     /* first debugger argument */
    int target;    /* first word of the target; -1 when missing */
    int listen;    /* debugpy --listen value, -1 */
    bool connect;  /* debugpy --connect: the app dials out */
    int host;      /* ptvsd --host value, -1 */
    int port;      /* ptvsd --port value, -1 */
    int wait;      /* --wait-for-client / --wait, -1 */
    bool isolated; /* -E or -I: PYTHONPATH is ignored */
    const char *error; /* recognised, but malformed: why */
};
/* 1 when `-m debugpy|ptvsd` is among the interpreter options, else 0. */
int debugger_python_scan(int argc, char *const argv[], struct debugger_python_argv *out);
const char *debugger_python_wait_flag(bool ptvsd);

/* --inspect, --inspect=V, --inspect-brk, --inspect-brk=V; *value is NULL
 * without "=". */
bool debugger_node_is_inspect(const char *arg, bool *brk, const char **value);
/* The --inspect word among node's own options (before the script), or -1. */
int debugger_node_find(int argc, char *const argv[]);
/* "--inspect[-brk][=ADDR]" for an address (ADDR left out when empty). */
void debugger_node_inspect_word(char *out, size_t out_len, bool brk, const struct debugger_address *addr);

/* -agentlib:jdwp=OPTS or -Xrunjdwp:OPTS: the address= and suspend= options. */
struct debugger_jdwp_options {
    const char *address; /* points into the word; NULL when absent */
    size_t address_len;
    bool suspend;        /* JDWP's default is y */
};
/* 1 when word loads the JDWP agent, else 0. */
int debugger_jdwp_parse(const char *word, struct debugger_jdwp_options *out);
/* Whether a JAVA_TOOL_OPTIONS-style string already loads the agent. */
bool debugger_jdwp_in_options(const char *options);
/* The agent option for an address. */
void debugger_jdwp_word(char *out, size_t out_len, const char *address, bool suspend);

#endif
