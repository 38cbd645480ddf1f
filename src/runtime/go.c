/* Go: a process whose executable is a Go binary (read from its build info,
 * never guessed from the name) runs under `dlv exec`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf.h"
#include "runtime/runtime.h"

/* `dlv ... --listen=HOST:PORT`: already debug-enabled, as Skaffold reads it. */
static bool already_under_dlv(const struct runtime_process *rp, struct runtime_plan *plan)
{
    if (strcmp(runtime_basename(rp->argv.items[0]), "dlv") != 0)
        return false;
    plan->already_debug = true;
    plan->protocol = "dlv";
    plan->port = runtime_default_port(RUNTIME_GO);
    for (size_t i = 1; i < rp->argv.len; i++) {
        const char *listen = rp->argv.items[i];
        if (strncmp(listen, "--listen=", 9) == 0) {
            const char *colon = strrchr(listen, ':');
            if (colon != NULL)
                plan->port = atoi(colon + 1);
        }
        if (strcmp(listen, "--continue") == 0)
            plan->wait = false;
    }
    return true;
}

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
                          "BP_GO_BUILD_FLAGS=\"-gcflags=all=-N -l\" for a faithful debug build",
                          type);
    if (info->trimpath)
        runtime_plan_warn(plan, "process '%s': built with -trimpath: file paths are module paths "
                          "(%s/...). Map them in your IDE with dlv's substitute-path "
                          "(e.g. {\"from\": \"%s\", \"to\": \"<your checkout>\"})",
                          type, info->main_path[0] ? info->main_path : "<module>",
                          info->main_path[0] ? info->main_path : "<module>");
    return 0;
}

int runtime_go_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                    struct runtime_plan *plan, struct bp_error *err)
{
    if (already_under_dlv(rp, plan))
        return 1;
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
    if ((plan->runtime_version = strdup(info.go_version)) == NULL)
        return error_set(err, "out of memory");
    if (diagnose(rp, &info, ctx, plan, err) != 0)
        return -1;

    plan->needs = NEED_DLV;
    plan->protocol = "dlv";
    plan->port = runtime_port(ctx, RUNTIME_GO);
    plan->wait = ctx->suspend;
    char address[300], listen[320];
    runtime_format_address(address, sizeof address, ctx->bind, plan->port);
    snprintf(listen, sizeof listen, "--listen=%s", address);

    struct command_argv full = {0};
    char *wrapper = runtime_layer_path(ctx, "wrap/dlv");
    plan->tool_path = runtime_layer_path(ctx, "dlv/dlv");
    int rc = -1;
    if (wrapper == NULL || plan->tool_path == NULL || runtime_plan_link(plan, "dlv", plan->tool_path) != 0)
        goto oom;
    /* --only-same-user=false: through a port-forward the client's socket
     * belongs to another uid, and dlv would refuse it. */
    const char *head[] = {wrapper, "exec", "--headless", "--continue", "--accept-multiclient",
                          "--api-version=2", "--only-same-user=false", listen, rp->executable, "--"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) {
        if (strcmp(head[i], "--continue") == 0 && ctx->suspend)
            continue;
        if (command_argv_push(&full, head[i], err) != 0)
            goto done;
    }
    for (size_t i = 1; i < rp->argv.len; i++)
        if (command_argv_push(&full, rp->argv.items[i], err) != 0)
            goto done;
    if (rp->workdir && (plan->workdir = strdup(rp->workdir)) == NULL)
        goto oom;
    rc = runtime_plan_set_argv(plan, rp, &full, err) == 0 ? 1 : -1;
    goto done;
oom:
    error_set(err, "out of memory");
done:
    free(wrapper);
    command_argv_free(&full);
    return rc;
}
