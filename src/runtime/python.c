/* Python: `python…` commands and console scripts whose #! names a Python
 * (gunicorn, flask, uvicorn) run under `python -m debugpy --listen`. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/runtime.h"

/* python, python3, python3.11, python2.7 */
static bool is_python_name(const char *path)
{
    const char *base = runtime_basename(path);
    if (strncmp(base, "python", 6) != 0)
        return false;
    for (const char *p = base + 6; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            return false;
    return true;
}

static bool has_module(const struct command_argv *argv, const char *module)
{
    char joined[64];
    snprintf(joined, sizeof joined, "-m%s", module);
    for (size_t i = 1; i < argv->len; i++) {
        if (strcmp(argv->items[i], joined) == 0)
            return true;
        if (strcmp(argv->items[i], "-m") == 0 && i + 1 < argv->len &&
            strcmp(argv->items[i + 1], module) == 0)
            return true;
    }
    return false;
}

static bool already_debugging(const struct runtime_process *rp, struct runtime_plan *plan)
{
    bool debugpy = has_module(&rp->argv, "debugpy"), ptvsd = has_module(&rp->argv, "ptvsd");
    if (!debugpy && !ptvsd)
        return false;
    plan->already_debug = true;
    plan->protocol = "dap";
    plan->port = runtime_default_port(RUNTIME_PYTHON);
    for (size_t i = 1; i + 1 < rp->argv.len; i++) {
        const char *arg = rp->argv.items[i], *next = rp->argv.items[i + 1];
        if (strcmp(arg, "--listen") == 0) {
            const char *colon = strrchr(next, ':');
            plan->port = atoi(colon ? colon + 1 : next);
        } else if (strcmp(arg, "--port") == 0) {
            plan->port = atoi(next);
        }
    }
    for (size_t i = 1; i < rp->argv.len; i++)
        if (strcmp(rp->argv.items[i], "--wait-for-client") == 0 || strcmp(rp->argv.items[i], "--wait") == 0)
            plan->wait = true;
    return true;
}

/* Runs the interpreter to ask its version: the name (python3) says too little. */
static char *python_version(const char *interpreter)
{
    int fds[2];
    if (pipe(fds) != 0)
        return NULL;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(interpreter, interpreter, "-c",
              "import sys; print('%d.%d.%d' % tuple(sys.version_info[:3]))", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[64] = {0};
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fds[0], buf + used, sizeof buf - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == sizeof buf - 1)
            break;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (used == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    return strdup(buf);
}

/* Interpreter options that take a separate value: -X opt, -W arg. */
static bool option_takes_value(const char *arg)
{
    return strcmp(arg, "-X") == 0 || strcmp(arg, "-W") == 0 || strcmp(arg, "--check-hash-based-pycs") == 0;
}

int runtime_python_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                        struct runtime_plan *plan, struct bp_error *err)
{
    char *interpreter = NULL;
    bool console_script = false;
    if (is_python_name(rp->argv.items[0])) {
        if (already_debugging(rp, plan))
            return 1;
        if (rp->executable == NULL) {
            runtime_plan_warn(plan, "process '%s': %s was not found at build time, so its Python "
                              "version is unknown; left alone", rp->original->type, rp->argv.items[0]);
            return 0;
        }
        interpreter = strdup(rp->executable);
    } else if (rp->executable != NULL) {
        char *shebang = runtime_read_shebang(rp->executable);
        if (shebang == NULL || !is_python_name(shebang)) {
            free(shebang);
            return 0;
        }
        console_script = true;
        interpreter = shebang[0] == '/' ? shebang : runtime_resolve_command(shebang, NULL, ctx->path_env);
        if (interpreter != shebang)
            free(shebang);
        if (interpreter == NULL) {
            runtime_plan_warn(plan, "process '%s': %s is a Python script, but its interpreter was "
                              "not found at build time; left alone", rp->original->type, rp->executable);
            return 0;
        }
    } else {
        return 0;
    }

    int rc = -1;
    struct command_argv full = {0};
    char *wrapper = NULL;
    plan->runtime_version = python_version(interpreter);
    const char *debugger = ctx->python_debugger;
    if (debugger == NULL)
        debugger = ctx->python_debugger_for ? ctx->python_debugger_for(plan->runtime_version, ctx->data)
                                            : "debugpy";
    if (debugger == NULL) {
        rc = error_set(err, "no debugpy or ptvsd in buildpack.toml supports Python %s",
                       plan->runtime_version ? plan->runtime_version : "(unknown version)");
        goto done;
    }
    bool ptvsd = strcmp(debugger, "ptvsd") == 0;
    if (ptvsd && plan->runtime_version && strncmp(plan->runtime_version, "3.", 2) == 0 &&
        atoi(plan->runtime_version + 2) >= 11)
        runtime_plan_warn(plan, "process '%s': ptvsd 4 crashes on stackTrace under Python %s; "
                          "use debugpy (unset BP_DEBUG_PYTHON_DEBUGGER)", rp->original->type,
                          plan->runtime_version);
    plan->needs = ptvsd ? NEED_PTVSD : NEED_DEBUGPY;
    plan->protocol = "dap";
    plan->port = runtime_port(ctx, RUNTIME_PYTHON);
    plan->wait = ctx->suspend;
    plan->tool_path = runtime_layer_path(ctx, ptvsd ? "ptvsd" : "debugpy");
    wrapper = runtime_layer_path(ctx, "wrap/python");
    if (plan->tool_path == NULL || wrapper == NULL || runtime_plan_link(plan, "python", interpreter) != 0)
        goto oom;

    char address[300], port[16];
    runtime_format_address(address, sizeof address, ctx->bind, plan->port);
    snprintf(port, sizeof port, "%d", plan->port);
    if (command_argv_push(&full, wrapper, err) != 0)
        goto done;
    /* Interpreter options stay before -m debugpy; the target follows it. */
    size_t target = 1;
    if (!console_script) {
        while (target < rp->argv.len && rp->argv.items[target][0] == '-' &&
               strcmp(rp->argv.items[target], "-m") != 0 && strcmp(rp->argv.items[target], "-c") != 0 &&
               strcmp(rp->argv.items[target], "-") != 0) {
            if (command_argv_push(&full, rp->argv.items[target], err) != 0)
                goto done;
            if (option_takes_value(rp->argv.items[target]) && target + 1 < rp->argv.len &&
                command_argv_push(&full, rp->argv.items[++target], err) != 0)
                goto done;
            target++;
        }
    }
    if (ptvsd) {
        const char *add[] = {"-m", "ptvsd", "--host", ctx->bind, "--port", port};
        for (size_t i = 0; i < 6; i++)
            if (command_argv_push(&full, add[i], err) != 0)
                goto done;
        if (ctx->suspend && command_argv_push(&full, "--wait", err) != 0)
            goto done;
    } else {
        const char *add[] = {"-m", "debugpy", "--listen", address};
        for (size_t i = 0; i < 4; i++)
            if (command_argv_push(&full, add[i], err) != 0)
                goto done;
        if (ctx->suspend && command_argv_push(&full, "--wait-for-client", err) != 0)
            goto done;
    }
    if (console_script && command_argv_push(&full, rp->executable, err) != 0)
        goto done;
    for (size_t i = console_script ? 1 : target; i < rp->argv.len; i++)
        if (command_argv_push(&full, rp->argv.items[i], err) != 0)
            goto done;
    if (!console_script && target >= rp->argv.len) {
        /* Paketo python-start's `python` is a REPL: say so rather than fail. */
        runtime_plan_warn(plan, "process '%s' runs an interactive Python (no script, -m or -c), "
                          "so there is nothing to debug; declare the app's command in a Procfile",
                          rp->original->type);
        rc = 0;
        goto done;
    }
    if (rp->workdir && (plan->workdir = strdup(rp->workdir)) == NULL)
        goto oom;
    rc = runtime_plan_set_argv(plan, rp, &full, err) == 0 ? 1 : -1;
    goto done;
oom:
    rc = error_set(err, "out of memory");
done:
    free(interpreter);
    free(wrapper);
    command_argv_free(&full);
    return rc;
}
