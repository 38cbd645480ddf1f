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
    struct command_pm_run pm = {0};
    if (!node)
        command_classify_pm(&rp->argv, &pm);
    if (!node && pm.pm == COMMAND_PM_NONE)
        return 0;
    if (runtime_plan_already(plan, rp, DEBUGGER_NODE))
        return 1;
    if (pm.pm != COMMAND_PM_NONE && pm.action == COMMAND_PM_OTHER) {
        runtime_plan_warn(plan, "process '%s': `%s %s` does not run the app (no start, run, exec "
                          "or node); left alone", rp->original->type, name,
                          rp->argv.len > 1 ? rp->argv.items[1] : "");
        return 0;
    }
    if (rp->executable == NULL) {
        runtime_plan_warn(plan, "process '%s': %s was not found where it runs (%s); left alone",
                          rp->original->type, rp->argv.items[0], rp->not_found);
        return 0;
    }
    bool npm = pm.pm == COMMAND_PM_NPM;
    plan->needs = npm ? NEED_NPM : node ? NEED_NODE : NEED_PM;
    plan->debugger = DEBUGGER_NODE;
    plan->protocol = debugger_get(DEBUGGER_NODE)->protocol;
    plan->wait = ctx->suspend;

    /* node/nodemon get the inspector on their argv; npm, yarn, pnpm and npx
     * get it as their wrapper's first word, which the wrapper takes off
     * and gives only to the app's node. */
    const char *wrapper_name = node ? (strcmp(name, "nodemon") == 0 ? "nodemon" : "node")
                                    : command_pm_name(pm.pm);
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
    runtime_push_words(plan, &full, rp, 1);
    runtime_plan_set_argv(plan, rp, &full);
    free(wrapper);
    command_argv_free(&full);
    return 1;
}
