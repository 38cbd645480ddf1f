/* JVM: `java ...` processes. Every JVM reads JAVA_TOOL_OPTIONS, so an
 * exec.d helper adds the JDWP agent there at launch (and nothing when
 * debugging is off, or when Skaffold already injected one); the command
 * itself is left as the JVM buildpack wrote it. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

int runtime_jvm_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                     struct runtime_plan *plan, struct bp_error *err)
{
    (void)err;
    const char *name = runtime_basename(rp->argv.items[0]);
    if (strcmp(name, "java") != 0)
        return 0;
    if (runtime_plan_already(plan, rp, DEBUGGER_JDWP))
        return 1;
    plan->debugger = DEBUGGER_JDWP;
    plan->protocol = debugger_get(DEBUGGER_JDWP)->protocol;
    plan->needs = NEED_JDWP;
    plan->wait = ctx->suspend;
    plan->rewritten = false;
    return 1;
}
