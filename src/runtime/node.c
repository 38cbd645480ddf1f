/* Node.js: node/nodemon get --inspect; npm gets our --inspect= marker,
 * which the npm wrapper turns into --node-options so that only the app's
 * node opens the inspector port, never npm's own (skaffold#8142). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "runtime/runtime.h"

int runtime_node_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                      struct runtime_plan *plan, struct bp_error *err)
{
    const char *name = runtime_basename(rp->argv.items[0]);
    bool node = strcmp(name, "node") == 0 || strcmp(name, "nodejs") == 0 || strcmp(name, "nodemon") == 0;
    bool npm = strcmp(name, "npm") == 0;
    if (!node && !npm && strcmp(name, "yarn") != 0 && strcmp(name, "npx") != 0)
        return 0;
    if (runtime_plan_already(plan, rp, DEBUGGER_NODE))
        return 1;
    if (!node && !npm) {
        runtime_plan_warn(plan, "process '%s': %s starts its own node before the app's, so the "
                          "inspector cannot be given to the app alone; use `node <script>` or "
                          "`npm start` as the command", rp->original->type, name);
        return 0;
    }
    if (rp->executable == NULL) {
        runtime_plan_warn(plan, "process '%s': %s was not found at build time; left alone",
                          rp->original->type, rp->argv.items[0]);
        return 0;
    }
    plan->needs = npm ? NEED_NPM : NEED_NODE;
    plan->debugger = DEBUGGER_NODE;
    plan->protocol = debugger_get(DEBUGGER_NODE)->protocol;
    plan->wait = ctx->suspend;

    const char *wrapper_name = npm ? "npm" : strcmp(name, "nodemon") == 0 ? "nodemon" : "node";
    char relative[32];
    snprintf(relative, sizeof relative, "wrap/%s", wrapper_name);
    if (runtime_plan_link(plan, wrapper_name, rp->executable, err) != 0)
        return -1;
    plan->tool_path = xstrdup(rp->executable);
    struct debugger_listen listen = {.host = ctx->bind, .port = plan->port, .suspend = ctx->suspend};
    struct command_argv full = {0};
    char *wrapper = runtime_layer_path(ctx, relative);
    runtime_push(&full, wrapper);
    debugger_format(DEBUGGER_NODE, &listen, &full);
    for (size_t i = 1; i < rp->argv.len; i++)
        runtime_push(&full, rp->argv.items[i]);
    if (rp->workdir)
        plan->workdir = xstrdup(rp->workdir);
    runtime_plan_set_argv(plan, rp, &full);
    free(wrapper);
    command_argv_free(&full);
    return 1;
}
