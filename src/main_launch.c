/* debug-launch: the program behind <layer>/wrap/{run,dlv,python,node,npm,yarn,pnpm,npx} and
 * exec.d's jdwp. It applies BPL_DEBUG_* and execs, so the app keeps this pid
 * and gets signals and exit codes unchanged; only under dlv, which would
 * kill the app on SIGTERM and outlive it, it stays as dlv's parent. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch/launch.h"

static const char *env_get(const char *name, void *data)
{
    /* data set: plan again with the debugger off */
    if (data != NULL && strcmp(name, "BPL_DEBUG_ENABLED") == 0)
        return "false";
    return getenv(name);
}

extern char **environ;

/* Linux's limit for one argv or environment string (MAX_ARG_STRLEN, 32
 * pages) and, for all of them with their pointers, sysconf(_SC_ARG_MAX). */
#define ARG_STRLEN_MAX (32 * 4096)

static bool plan_overrides(const struct launch_plan *plan, const char *entry)
{
    for (size_t i = 0; i < plan->env_len; i++) {
        size_t n = strlen(plan->env[i].name);
        if (strncmp(entry, plan->env[i].name, n) == 0 && entry[n] == '=')
            return true;
    }
    size_t n = strlen(COMMAND_EXPAND_ENV);
    return strncmp(entry, COMMAND_EXPAND_ENV, n) == 0 && entry[n] == '=';
}

/* Whether execve would take the plan's argv and environment: a long
 * PYTHONPATH plus the debugger's path fails with E2BIG, and the app with
 * it. 0 when it fits; -1 with why when it does not. */
static int exec_fits(const struct launch_plan *plan, char *why, size_t why_len)
{
    long limit = sysconf(_SC_ARG_MAX);
    size_t total = 0;
    for (size_t i = 0; i < plan->env_len; i++) {
        size_t len = strlen(plan->env[i].name) + strlen(plan->env[i].value) + 2;
        if (len > ARG_STRLEN_MAX) {
            snprintf(why, why_len, "%s would be %zu bytes with the debugger's part, over the "
                     "kernel's %d for one variable (E2BIG)", plan->env[i].name, len - 1,
                     ARG_STRLEN_MAX - 1);
            return -1;
        }
        total += len + sizeof(char *);
    }
    for (char **e = environ; *e != NULL; e++)
        if (!plan_overrides(plan, *e))
            total += strlen(*e) + 1 + sizeof(char *);
    for (size_t i = 0; i < plan->argv.len; i++)
        total += strlen(plan->argv.items[i]) + 1 + sizeof(char *);
    if (limit > 0 && total > (size_t)limit) {
        snprintf(why, why_len, "the command and environment would be %zu bytes with the "
                 "debugger's part, over the kernel's %ld (E2BIG)", total, limit);
        return -1;
    }
    return 0;
}

/* The debugger cannot listen (launch_listen_check) or its command would not
 * fit execve (exec_fits): plan again with it off and say why in one line,
 * so the app still starts. */
static int plan_checked(const char *name, int argc, char **argv, const char *layer,
                        struct launch_plan *plan, struct bp_error *err)
{
    int rc = launch_plan(name, argc, argv, env_get, NULL, layer, plan, err);
    char why[512];
    if (rc != 0 || !plan->debugging ||
        (launch_listen_check(plan->listen, why, sizeof why) == 0 &&
         (plan->exec_d || exec_fits(plan, why, sizeof why) == 0)))
        return rc;
    launch_plan_free(plan);
    rc = launch_plan(name, argc, argv, env_get, "off", layer, plan, err);
    fprintf(stderr, "debug-launch: %s; starting the app without the debugger\n", why);
    return rc;
}

/* The layer is the grandparent of the real executable: <layer>/wrap/debug-launch
 * (the tool names and exec.d entries are symlinks to it). */
static int find_layer(const char *argv0, char *out, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", out, len - 1);
    if (n > 0) {
        out[n] = '\0';
    } else {
        char resolved[PATH_MAX];
        if (realpath(argv0, resolved) == NULL || strlen(resolved) >= len)
            return -1;
        strcpy(out, resolved);
    }
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(out, '/');
        if (slash == NULL)
            return -1;
        slash[slash == out ? 1 : 0] = '\0';
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *argv0 = argc > 0 && argv[0] ? argv[0] : "debug-launch";
    const char *slash = strrchr(argv0, '/');
    const char *name = slash ? slash + 1 : argv0;
    char layer[PATH_MAX];
    if (find_layer(argv0, layer, sizeof layer) != 0) {
        fprintf(stderr, "debug-launch: cannot find the debug-tools layer from /proc/self/exe or %s\n",
                argv0);
        return 127;
    }

    struct launch_plan plan;
    struct bp_error err = {{0}};
    launch_resolve_bind = launch_resolve_host;
    int rc = plan_checked(name, argc, argv, layer, &plan, &err);
    if (plan.messages != NULL)
        fputs(plan.messages, stderr);
    if (rc != 0) {
        fprintf(stderr, "debug-launch: %s\n", err.message);
        launch_plan_free(&plan);
        return 127;
    }

    if (plan.exec_d) {
        /* exec.d output goes to fd 3; by hand (no fd 3) it goes to stdout.
         * A failure must not stop the app, so the exit code stays 0. */
        size_t len = strlen(plan.toml);
        if (len > 0 && write_all(3, plan.toml, len) != 0) {
            if (errno != EBADF || write_all(STDOUT_FILENO, plan.toml, len) != 0)
                fprintf(stderr, "debug-launch: writing the exec.d output: %s\n", strerror(errno));
        }
        launch_plan_free(&plan);
        return 0;
    }

    /* The marks index this wrapper's argv only: a nested wrapper or the
     * app's own children must not apply them to theirs. */
    unsetenv(COMMAND_EXPAND_ENV);
    for (size_t i = 0; i < plan.env_len; i++) {
        if (setenv(plan.env[i].name, plan.env[i].value, 1) != 0)
            fprintf(stderr, "debug-launch: setting %s: %s\n", plan.env[i].name, strerror(errno));
    }
    if (plan.debugging && plan.target != NULL) {
        struct launch_outcome out;
        if (launch_supervise(&plan, &out, &err) == 0) {
            if (out.held_signal != 0)
                fprintf(stderr,
                        "debug-launch: signal %d came while %s was held stopped under dlv "
                        "(waiting for a debugger or at a breakpoint), so it could not handle it; "
                        "stopped it and dlv, exiting with %d\n",
                        out.held_signal, plan.target, out.code);
            else if (out.app_ended && out.app_known)
                fprintf(stderr, "debug-launch: %s exited with code %d; dlv stopped\n", plan.target,
                        out.code);
            else if (out.app_ended)
                fprintf(stderr,
                        "debug-launch: %s exited (dlv reaped it before its code could be read); "
                        "dlv stopped, exiting with %d\n",
                        plan.target, out.code);
            launch_plan_free(&plan);
            return out.code;
        }
        /* still debuggable, only without the supervision */
        fprintf(stderr, "debug-launch: %s; running dlv unsupervised\n", err.message);
    }
    execv(plan.path, plan.argv.items);
    int e = errno;
    fprintf(stderr, "debug-launch: cannot run %s: %s\n", plan.path, strerror(e));
    launch_plan_free(&plan);
    return e == ENOENT ? 127 : 126;
}
