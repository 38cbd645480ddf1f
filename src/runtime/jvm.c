/* JVM: `java ...` processes. Every JVM reads JAVA_TOOL_OPTIONS, so an
 * exec.d helper adds the JDWP agent there at launch (and nothing when
 * debugging is off, or when Skaffold already injected one); the command
 * itself is left as the JVM buildpack wrote it. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

static bool is_jdwp_arg(const char *arg)
{
    return strncmp(arg, "-agentlib:jdwp=", 15) == 0 || strncmp(arg, "-Xrunjdwp:", 10) == 0;
}

int runtime_jvm_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                     struct runtime_plan *plan, struct bp_error *err)
{
    (void)err;
    const char *name = runtime_basename(rp->argv.items[0]);
    if (strcmp(name, "java") != 0)
        return 0;
    plan->protocol = "jdwp";
    plan->port = runtime_port(ctx, RUNTIME_JVM);
    for (size_t i = 1; i < rp->argv.len; i++) {
        const char *arg = rp->argv.items[i];
        if (!is_jdwp_arg(arg))
            continue;
        plan->already_debug = true;
        const char *address = strstr(arg, "address=");
        if (address != NULL) {
            const char *colon = strchr(address, ':');
            plan->port = atoi(colon ? colon + 1 : address + 8);
        }
        plan->wait = strstr(arg, "suspend=y") != NULL;
        return 1;
    }
    plan->needs = NEED_JDWP;
    plan->wait = ctx->suspend;
    plan->rewritten = false;
    return 1;
}
