/* Go: a process whose executable is a Go binary (read from its build info,
 * never guessed from the name) runs under `dlv exec` (src/debugger/dlv.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "elf/elf.h"
#include "runtime/runtime.h"

static int diagnose(const struct runtime_process *rp, const struct elf_go_info *info,
                    const struct runtime_context *ctx, struct runtime_plan *plan, struct bp_error *err)
{
    const char *type = rp->original->type;
    if (!info->has_dwarf) {
        const char *what = info->has_symtab ? "-ldflags=-w" : "-ldflags=\"-s -w\"";
        if (ctx->strict)
            return error_set(err, "%s was built with %s (no DWARF): dlv cannot set breakpoints or "
                             "show variables. Rebuild without it (BP_GO_BUILD_LDFLAGS, or "
                             "-ldflags in BP_GO_BUILD_FLAGS), or unset BP_DEBUG_STRICT",
                             rp->executable, what);
        runtime_plan_warn(plan, "process '%s': %s was built with %s (no DWARF): dlv cannot set "
                          "breakpoints or show variables. Rebuild without it (BP_GO_BUILD_LDFLAGS, "
                          "or -ldflags in BP_GO_BUILD_FLAGS)", type, rp->executable, what);
    }
    if (info->optimized)
        runtime_plan_warn(plan, "process '%s': built with optimizations and inlining: stepping "
                          "jumps and some variables read 'optimized away'. Set "
                          "BP_GO_BUILD_FLAGS='-gcflags=\"all=-N -l\"' (go-build splits the value on "
                          "spaces, honouring quotes) or add the cnbdebug/debug-flags buildpack "
                          "before go-build for a faithful debug build",
                          type);
    if (info->trimpath)
        runtime_plan_warn(plan, "process '%s': built with -trimpath: file paths are module paths "
                          "(%s/...). Map them in your IDE with dlv's substitute-path "
                          "(e.g. {\"from\": \"%s\", \"to\": \"<your checkout>\"})",
                          type, info->main_path[0] ? info->main_path : "<module>",
                          info->main_path[0] ? info->main_path : "<module>");
    return 0;
}

/* The build info of the program a `dlv exec BIN` already runs, for the
 * label's "source"; nothing when it cannot be read. */
static void read_source(const struct runtime_process *rp, const struct runtime_context *ctx,
                        struct runtime_plan *plan)
{
    if (rp->argv.len < 2 || strcmp(rp->argv.items[1], "exec") != 0)
        return;
    struct debugger_dlv_argv d;
    debugger_dlv_scan((int)rp->argv.len, rp->argv.items, 2, &d);
    if (d.program < 0)
        return;
    char *path = runtime_resolve_launch(rp, ctx, rp->argv.items[d.program], NULL, 0);
    struct elf_go_info info;
    struct bp_error ignored = {{0}};
    if (path != NULL && elf_read_go_info(path, &info, &ignored) == 0 && info.is_go) {
        if (info.main_module[0] != '\0')
            plan->go_module = xstrdup(info.main_module);
        plan->go_trimpath = info.trimpath;
        plan->runtime_version = xstrdup(info.go_version);
    }
    free(path);
}

int runtime_go_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                    struct runtime_plan *plan, struct bp_error *err)
{
    /* `dlv ... --listen=HOST:PORT`: already debug-enabled, as Skaffold reads it. */
    if (strcmp(runtime_basename(rp->argv.items[0]), "dlv") == 0) {
        runtime_plan_already(plan, rp, DEBUGGER_DLV);
        read_source(rp, ctx, plan);
        return 1;
    }
    if (rp->executable == NULL)
        return 0;
    struct elf_go_info info;
    struct bp_error elf_err = {{0}};
    /* A file we cannot read as ELF is not a Go binary; the other runtimes
     * may still know it (a .NET apphost stub, a script). */
    if (elf_read_go_info(rp->executable, &info, &elf_err) != 0)
        return 0;
    if (!info.is_go)
        return 0;
    plan->runtime_version = xstrdup(info.go_version);
    if (info.main_module[0] != '\0')
        plan->go_module = xstrdup(info.main_module);
    plan->go_trimpath = info.trimpath;
    if (diagnose(rp, &info, ctx, plan, err) != 0)
        return -1;

    plan->needs = NEED_DLV;
    plan->debugger = DEBUGGER_DLV;
    plan->protocol = debugger_get(DEBUGGER_DLV)->protocol;
    plan->wait = ctx->suspend;
    plan->tool_path = runtime_layer_path(ctx, "dlv/dlv");
    if (runtime_plan_link(plan, "dlv", plan->tool_path, err) != 0)
        return -1;
    struct debugger_listen listen = {
        .host = ctx->bind, .port = plan->port, .suspend = ctx->suspend,
        .skip_version_check = ctx->dlv_supports != NULL &&
                              !ctx->dlv_supports(plan->runtime_version, ctx->data)};
    struct command_argv full = {0};
    char *wrapper = runtime_layer_path(ctx, "wrap/dlv");
    runtime_push(&full, wrapper);
    runtime_push(&full, "exec");
    debugger_format(DEBUGGER_DLV, &listen, &full);
    runtime_push(&full, rp->executable);
    runtime_push(&full, "--");
    runtime_push_words(plan, &full, rp, 1);
    runtime_plan_set_argv(plan, rp, &full);
    free(wrapper);
    command_argv_free(&full);
    return 1;
}
