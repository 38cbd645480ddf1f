/* Runs a short probe command (e.g. `python3 --version`) with a deadline and
 * captured output, so a tool that never exits cannot hang bin/build. libc only. */
#ifndef BP_COMMON_PROBE_H
#define BP_COMMON_PROBE_H

#include <stddef.h>

#include "common/error.h"

/* Each captured stream keeps at most this many bytes; the rest is read and
 * dropped, so a chatty probe can neither block on a full pipe nor fill memory. */
#define PROBE_OUTPUT_MAX (1u << 20)

struct probe_output {
    char *out;      /* stdout, NUL-terminated (malloc'd, never NULL on success) */
    size_t out_len;
    char *err_text; /* stderr, NUL-terminated */
    size_t err_len;
    int exit_code;  /* the exit status, or 128 + signal number */
};

/* Runs argv (argv[0] searched in PATH when it has no '/') with envp as its
 * whole environment (NULL: this process's environ), stdin from /dev/null,
 * stdout and stderr captured. The probe runs in a new process group; at
 * timeout_ms (>0) the whole group gets SIGKILL, and once the command itself
 * has exited anything it left behind in its group is killed too, so no
 * background child outlives the probe or holds its pipes open.
 *
 * Returns 0 when the command ran and exited (any exit code: see
 * res->exit_code; free res with common_probe_output_free). Returns -1 with
 * err set, and res empty, when it could not be started ("running X: No such
 * file or directory") or did not finish in time ("X did not finish within N
 * ms; killed"). */
int common_run_probe(char *const argv[], char *const envp[], long timeout_ms,
                     struct probe_output *res, struct bp_error *err);
void common_probe_output_free(struct probe_output *res);

#endif
