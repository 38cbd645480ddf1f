/* The runtime table: each runtime's names, its debugger, and its planner
 * (one file each); runtime_plan_process asks them in turn. */
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    const char *label_name;
    enum debugger_id debugger; /* the one it gets by default: its port is the default */
    int (*plan)(const struct runtime_process *, const struct runtime_context *,
                struct runtime_plan *, struct bp_error *);
} runtimes[RUNTIME_COUNT] = {
    [RUNTIME_GO] = {"go", "go", DEBUGGER_DLV, runtime_go_plan},
    [RUNTIME_PYTHON] = {"python", "python", DEBUGGER_DEBUGPY, runtime_python_plan},
    [RUNTIME_NODE] = {"node", "nodejs", DEBUGGER_NODE, runtime_node_plan},
    [RUNTIME_DOTNET] = {"dotnet", "netcore", DEBUGGER_VSDBG, runtime_dotnet_plan},
    [RUNTIME_JVM] = {"jvm", "jvm", DEBUGGER_JDWP, runtime_jvm_plan},
};

const char *runtime_name(enum runtime_id id)
{
    return runtimes[id].name;
}

const char *runtime_label_name(enum runtime_id id)
{
    return runtimes[id].label_name;
}

int runtime_default_port(enum runtime_id id)
{
    return debugger_get(runtimes[id].debugger)->default_port;
}

int runtime_port(const struct runtime_context *ctx, enum runtime_id id)
{
    if (ctx->ports[id] > 0)
        return ctx->ports[id];
    return ctx->port > 0 ? ctx->port : runtime_default_port(id);
}

int runtime_plan_process(const struct runtime_process *rp, const struct runtime_context *ctx,
                         struct runtime_plan *plan, char *why, size_t why_len, struct bp_error *err)
{
    memset(plan, 0, sizeof *plan);
    if (rp->argv.len == 0) {
        struct command_argv all = {0};
        command_argv_copy(&all, &rp->original->command);
        command_argv_copy(&all, &rp->original->args);
        char *shown = command_join(&all);
        command_argv_free(&all);
        snprintf(why, why_len, "its command needs a shell for %s (%s); no runtime can be read "
                 "from it. Declare the app's own command (e.g. `node server.js`, `python app.py`) "
                 "as the process, or move the shell part into the app",
                 rp->needs_shell[0] ? rp->needs_shell : "a construct we cannot read", shown);
        free(shown);
        return 0;
    }
    for (int id = 0; id < RUNTIME_COUNT; id++) {
        /* What every planner starts from, so runtime files need nothing
         * from this file (no file circle): the port chosen for this
         * runtime and its debugger. A planner changes them as it finds. */
        plan->runtime = (enum runtime_id)id;
        plan->port = runtime_port(ctx, (enum runtime_id)id);
        plan->debugger = runtimes[id].debugger;
        plan->protocol = debugger_get(runtimes[id].debugger)->protocol;
        int rc = runtimes[id].plan(rp, ctx, plan, err);
        if (rc == 0 && plan->warnings_len > 0) {
            /* A runtime that recognised the process but cannot debug it says why. */
            snprintf(why, why_len, "%s", plan->warnings[0]);
            runtime_plan_free(plan);
            return 0;
        }
        if (rc != 0) {
            if (rc < 0) {
                runtime_plan_free(plan);
                return error_wrap(err, "process '%s'", rp->original->type);
            }
            runtime_plan_finish(plan, rp, ctx);
            if (plan->rewritten && rp->executable != NULL && rp->not_found[0] != '\0' &&
                plan->links_len > 0 && strcmp(plan->links[0].target, rp->executable) == 0)
                runtime_plan_warn(plan, "process '%s': %s; if the run image lacks it, the process "
                                  "fails to start: install the runtime with a buildpack (a launch "
                                  "layer) or set BP_DEBUG_PROCESS_TYPES to skip this process",
                                  rp->original->type, rp->not_found);
            return 1;
        }
        runtime_plan_free(plan);
        memset(plan, 0, sizeof *plan);
    }
    if (rp->executable == NULL)
        snprintf(why, why_len, "'%s' was not found where it runs: %s", rp->argv.items[0], rp->not_found);
    else
        snprintf(why, why_len, "'%s' is not a Go binary, Python, Node.js, .NET or JVM command",
                 rp->argv.items[0]);
    return 0;
}

