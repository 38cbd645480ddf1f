/* Node.js: node/nodemon get --inspect; npm gets our --inspect= marker,
 * which the npm wrapper turns into --node-options so that only the app's
 * node opens the inspector port, never npm's own (skaffold#8142). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

static bool inspect_arg(const char *arg, struct runtime_plan *plan)
{
    const char *address = NULL;
    if (strncmp(arg, "--inspect-brk", 13) == 0) {
        plan->wait = true;
        address = arg + 13;
    } else if (strncmp(arg, "--inspect", 9) == 0) {
        address = arg + 9;
    } else {
        return false;
    }
    if (*address != '\0' && *address != '=')
        return false; /* --inspect-port, --inspect-publish-uid */
    plan->port = runtime_default_port(RUNTIME_NODE);
    if (*address == '=') {
        const char *colon = strrchr(address, ':');
        plan->port = atoi(colon ? colon + 1 : address + 1);
    }
    return true;
}

static bool already_inspecting(const struct runtime_process *rp, struct runtime_plan *plan)
{
    for (size_t i = 1; i < rp->argv.len; i++) {
        if (inspect_arg(rp->argv.items[i], plan)) {
            plan->already_debug = true;
            plan->protocol = "devtools";
            return true;
        }
    }
    return false;
}

int runtime_node_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                      struct runtime_plan *plan, struct bp_error *err)
{
    const char *name = runtime_basename(rp->argv.items[0]);
    bool node = strcmp(name, "node") == 0 || strcmp(name, "nodejs") == 0 || strcmp(name, "nodemon") == 0;
    bool npm = strcmp(name, "npm") == 0;
    if (!node && !npm && strcmp(name, "yarn") != 0 && strcmp(name, "npx") != 0)
        return 0;
    if (already_inspecting(rp, plan))
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
    plan->protocol = "devtools";
    plan->port = runtime_port(ctx, RUNTIME_NODE);
    plan->wait = ctx->suspend;

    const char *wrapper_name = npm ? "npm" : strcmp(name, "nodemon") == 0 ? "nodemon" : "node";
    char relative[32], address[300], inspect[340];
    snprintf(relative, sizeof relative, "wrap/%s", wrapper_name);
    runtime_format_address(address, sizeof address, ctx->bind, plan->port);
    snprintf(inspect, sizeof inspect, "--inspect%s=%s", ctx->suspend ? "-brk" : "", address);

    int rc = -1;
    struct command_argv full = {0};
    char *wrapper = runtime_layer_path(ctx, relative);
    if (wrapper == NULL || runtime_plan_link(plan, wrapper_name, rp->executable) != 0 ||
        (plan->tool_path = strdup(rp->executable)) == NULL) {
        rc = error_set(err, "out of memory");
        goto done;
    }
    if (command_argv_push(&full, wrapper, err) != 0 || command_argv_push(&full, inspect, err) != 0)
        goto done;
    for (size_t i = 1; i < rp->argv.len; i++)
        if (command_argv_push(&full, rp->argv.items[i], err) != 0)
            goto done;
    if (rp->workdir && (plan->workdir = strdup(rp->workdir)) == NULL) {
        rc = error_set(err, "out of memory");
        goto done;
    }
    rc = runtime_plan_set_argv(plan, rp, &full, err) == 0 ? 1 : -1;
done:
    free(wrapper);
    command_argv_free(&full);
    return rc;
}
