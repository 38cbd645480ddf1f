/* .NET: `dotnet App.dll` or an apphost with App.runtimeconfig.json beside
 * it. vsdbg opens no port (IDEs start it over docker/kubectl exec), so the
 * process stays as it is and the layer carries vsdbg at a fixed path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The assembly path without ".dll", from `dotnet X.dll` or an apphost X. */
static char *assembly_stem(const struct runtime_process *rp, const struct runtime_context *ctx)
{
    const char *name = runtime_basename(rp->argv.items[0]);
    if (strcmp(name, "dotnet") == 0) {
        for (size_t i = 1; i < rp->argv.len; i++) {
            const char *arg = rp->argv.items[i];
            if (!ends_with(arg, ".dll"))
                continue;
            char *path = arg[0] == '/' ? xstrdup(arg)
                                       : xasprintf("%s/%s", rp->workdir ? rp->workdir : ctx->app_dir, arg);
            path[strlen(path) - 4] = '\0';
            return path;
        }
        return NULL;
    }
    if (rp->executable == NULL)
        return NULL;
    char config[4096];
    snprintf(config, sizeof config, "%s.runtimeconfig.json", rp->executable);
    return file_exists(config) ? xstrdup(rp->executable) : NULL;
}

int runtime_dotnet_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                        struct runtime_plan *plan, struct bp_error *err)
{
    char *stem = assembly_stem(rp, ctx);
    if (stem == NULL)
        return 0;
    plan->needs = NEED_VSDBG;
    plan->debugger = DEBUGGER_VSDBG;
    plan->protocol = debugger_get(DEBUGGER_VSDBG)->protocol;
    plan->port = 0;
    plan->rewritten = false;
    (void)err;
    plan->tool_path = runtime_layer_path(ctx, "vsdbg/vsdbg");
    char pdb[4096];
    snprintf(pdb, sizeof pdb, "%s.pdb", stem);
    if (!file_exists(pdb))
        runtime_plan_warn(plan, "process '%s': no %s beside the assembly, so vsdbg cannot map code "
                          "to source; publish a Debug build (BP_DOTNET_PUBLISH_FLAGS=\"--configuration "
                          "Debug\")", rp->original->type, runtime_basename(pdb));
    else if (strstr(stem, "/Release/") != NULL)
        runtime_plan_warn(plan, "process '%s': a Release build: optimized code steps unevenly; "
                          "publish with BP_DOTNET_PUBLISH_FLAGS=\"--configuration Debug\"",
                          rp->original->type);
    free(stem);
    return 1;
}
