/* bin/build: find the processes earlier buildpacks declared, work out each
 * one's runtime, install the debuggers they need in the debug-tools layer,
 * rewrite the selected processes to start under them, and label the image. */
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cnb/cnb.h"
#include "common/fileio.h"
#include "common/log.h"
#include "config/config.h"
#include "debugtools/debugtools.h"
#include "deps/deps.h"
#include "deps/layer.h"
#include "labels/labels.h"
#include "runtime/runtime.h"
#include "toml/toml.h"

struct build {
    struct cnb_build_context ctx;
    struct config_build cfg;
    struct deps_catalog catalog;
    struct cnb_process_list processes;
    struct runtime_context rctx;
    struct runtime_plan plans[64];
    const struct cnb_process *planned[64];
    size_t plans_len;
    struct debugtools_layer layer;
    struct cnb_launch launch;
    char *layer_dir;
};

/* Which Python debugger the catalog offers for a Python version. */
static const char *python_debugger_for(const char *python_version, void *data)
{
    struct build *b = data;
    struct deps_query q = {.id = "debugpy", .version_pin = b->cfg.debugpy_version,
                           .runtime_version = python_version, .os = b->ctx.target_os,
                           .arch = b->ctx.target_arch};
    if (deps_resolve(&b->catalog, &q, NULL) != NULL)
        return "debugpy";
    q.id = "ptvsd";
    q.version_pin = b->cfg.ptvsd_version;
    return deps_resolve(&b->catalog, &q, NULL) != NULL ? "ptvsd" : NULL;
}

static const char *env_lookup(const char *name, void *data)
{
    /* Values from <platform>/env were exported into our environment by main. */
    (void)data;
    return getenv(name);
}

/* Exports <platform>/env values into our environment for the mirror and proxy
 * settings deps reads: the user's explicit values win. */
static void export_platform_env(const char *platform_dir)
{
    static const char *const names[] = {"BP_DEPENDENCY_MIRROR", "HTTPS_PROXY", "HTTP_PROXY",
                                        "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *value = NULL;
        if (config_lookup(platform_dir, names[i], &value, NULL) == 0 && value != NULL)
            setenv(names[i], value, 1);
        free(value);
    }
}

static void log_process(const struct cnb_process *p)
{
    struct command_argv all = {0};
    command_argv_copy(&all, &p->command, NULL);
    command_argv_copy(&all, &p->args, NULL);
    char *text = command_join(&all);
    log_detail("%s%s (from %s%s): %s", p->type,
               p->is_default ? " [default]" : p->implied_default ? " [web, no default declared]" : "",
               p->buildpack_id,
               p->legacy ? (p->direct ? ", direct" : ", shell") : "", text ? text : "?");
    free(text);
    command_argv_free(&all);
}

/* The run image's C library: tools such as vsdbg ship per libc. The target
 * distro says it when the platform sets it; otherwise the build image, which
 * shares the run image's distro, is asked. */
static const char *target_libc(const struct cnb_build_context *ctx)
{
    if (ctx->target_distro_name != NULL)
        return strcmp(ctx->target_distro_name, "alpine") == 0 ? "musl" : "glibc";
    return file_exists("/lib/ld-musl-x86_64.so.1") || file_exists("/lib/ld-musl-aarch64.so.1")
               ? "musl" : "glibc";
}

static int resolve_tool(struct build *b, const char *id, const char *pin, const char *runtime_version,
                        const char *dir, const struct deps_dependency **out, struct bp_error *err)
{
    struct deps_query q = {.id = id, .version_pin = pin, .runtime_version = runtime_version,
                           .os = b->ctx.target_os, .arch = b->ctx.target_arch,
                           .libc = target_libc(&b->ctx), .glibc_version = gnu_get_libc_version()};
    const struct deps_dependency *dep = deps_resolve(&b->catalog, &q, err);
    if (dep == NULL)
        return -1;
    *out = dep;
    return debugtools_add_tool(&b->layer, dep, dir, err);
}

/* dlv for the app's Go: the newest whose window holds it; else the newest
 * dlv with its version check off, and a warning that names both. */
static int resolve_dlv(struct build *b, struct runtime_plan *plan, struct bp_error *err)
{
    const struct deps_dependency *dep = NULL;
    struct bp_error first = {{0}};
    if (resolve_tool(b, "dlv", b->cfg.dlv_version, plan->runtime_version, "dlv", &dep, &first) == 0) {
        log_detail("Delve %s supports %s", dep->version, plan->runtime_version);
        return 0;
    }
    if (resolve_tool(b, "dlv", b->cfg.dlv_version, NULL, "dlv", &dep, err) != 0)
        return error_wrap(err, "%s", first.message);
    log_warning("no Delve in buildpack.toml supports %s (%s); using Delve %s (Go %s) with "
                "--check-go-version=false: some features may not work",
                plan->runtime_version, first.message, dep->version,
                dep->runtime_versions ? dep->runtime_versions : "?");
    /* Insert the flag before --listen=, inside dlv's own flags. */
    struct command_argv cmd = {0};
    for (size_t i = 0; i < plan->command.len; i++) {
        if (strncmp(plan->command.items[i], "--listen=", 9) == 0 &&
            command_argv_push(&cmd, "--check-go-version=false", err) != 0)
            return -1;
        if (command_argv_push(&cmd, plan->command.items[i], err) != 0)
            return -1;
    }
    command_argv_free(&plan->command);
    plan->command = cmd;
    return 0;
}

static int add_plan_to_layer(struct build *b, struct runtime_plan *plan, const struct cnb_process *p,
                             struct bp_error *err)
{
    const struct deps_dependency *dep = NULL;
    for (size_t i = 0; i < plan->links_len; i++)
        if (debugtools_add_link(&b->layer, plan->links[i].name, plan->links[i].target, err) != 0)
            return -1;
    if ((plan->needs & NEED_DLV) &&
        (resolve_dlv(b, plan, err) != 0 || debugtools_add_wrapper(&b->layer, "dlv", err) != 0))
        return -1;
    if ((plan->needs & NEED_DEBUGPY) &&
        (resolve_tool(b, "debugpy", b->cfg.debugpy_version, plan->runtime_version, "debugpy", &dep, err) != 0 ||
         debugtools_add_wrapper(&b->layer, "python", err) != 0))
        return -1;
    if ((plan->needs & NEED_PTVSD) &&
        (resolve_tool(b, "ptvsd", b->cfg.ptvsd_version, NULL, "ptvsd", &dep, err) != 0 ||
         debugtools_add_wrapper(&b->layer, "python", err) != 0))
        return -1;
    if ((plan->needs & NEED_VSDBG) &&
        resolve_tool(b, "vsdbg", b->cfg.vsdbg_version, NULL, "vsdbg", &dep, err) != 0)
        return -1;
    if ((plan->needs & NEED_NODE)) {
        const char *name = plan->links_len > 0 ? plan->links[0].name : "node";
        if (debugtools_add_wrapper(&b->layer, strcmp(name, "nodemon") == 0 ? "nodemon" : "node", err) != 0)
            return -1;
    }
    if ((plan->needs & NEED_NPM) && debugtools_add_wrapper(&b->layer, "npm", err) != 0)
        return -1;
    if ((plan->needs & NEED_JDWP) &&
        debugtools_add_jdwp(&b->layer, p->type, b->cfg.bind, plan->port, plan->wait, err) != 0)
        return -1;
    return 0;
}

static void log_plan(const struct runtime_plan *plan, const struct cnb_process *p, const char *bind)
{
    const char *version = plan->runtime_version ? plan->runtime_version : "version unknown";
    if (plan->already_debug) {
        log_detail("%s: %s (%s), already runs under its debugger (port %d): left as it is", p->type,
                   runtime_name(plan->runtime), version, plan->port);
    } else if (plan->protocol == NULL) {
        log_detail("%s: %s (%s): vsdbg in the layer (no port: attach over docker/kubectl exec)",
                   p->type, runtime_name(plan->runtime), version);
    } else {
        char address[300];
        runtime_format_address(address, sizeof address, bind, plan->port);
        log_detail("%s: %s (%s): %s on %s%s", p->type, runtime_name(plan->runtime), version,
                   plan->protocol, address, plan->wait ? ", waiting for a client" : "");
    }
    for (size_t i = 0; i < plan->warnings_len; i++)
        log_warning("%s", plan->warnings[i]);
}

static int plan_processes(struct build *b, struct bp_error *err)
{
    log_step("Processes declared by earlier buildpacks");
    if (b->processes.len == 0)
        log_detail("(none)");
    for (size_t i = 0; i < b->processes.len; i++)
        log_process(&b->processes.items[i]);

    log_step("Choosing debuggers");
    for (size_t i = 0; i < b->processes.len; i++) {
        const struct cnb_process *p = &b->processes.items[i];
        if (!config_selects_process(&b->cfg, p->type, p->is_default || p->implied_default)) {
            log_detail("%s: not selected (BP_DEBUG_PROCESS_TYPES=%s)", p->type,
                       b->cfg.process_types ? b->cfg.process_types : "the default process");
            continue;
        }
        if (b->plans_len >= sizeof b->plans / sizeof *b->plans)
            return error_set(err, "too many processes");
        struct runtime_process rp;
        if (runtime_process_init(&rp, p, &b->rctx, err) != 0)
            return -1;
        char why[1024] = "";
        struct runtime_plan *plan = &b->plans[b->plans_len];
        int rc = runtime_plan_process(&rp, &b->rctx, plan, why, sizeof why, err);
        runtime_process_free(&rp);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            log_detail("%s: left alone: %s", p->type, why);
            continue;
        }
        b->planned[b->plans_len++] = p;
        log_plan(plan, p, b->cfg.bind);
        if (!plan->already_debug && add_plan_to_layer(b, plan, p, err) != 0)
            return error_wrap(err, "process '%s'", p->type);
    }
    return 0;
}

static int write_launch(struct build *b, struct bp_error *err)
{
    struct labels_process labels[64];
    size_t n = 0;
    for (size_t i = 0; i < b->plans_len; i++) {
        struct runtime_plan *plan = &b->plans[i];
        const struct cnb_process *p = b->planned[i];
        labels[n++] = (struct labels_process){
            .type = p->type, .runtime = runtime_label_name(plan->runtime), .protocol = plan->protocol,
            .port = plan->port, .bind = plan->already_debug ? NULL : b->cfg.bind,
            .working_dir = plan->workdir ? plan->workdir : p->working_dir ? p->working_dir : b->ctx.app_dir,
            .tool_path = plan->tool_path, .runtime_version = plan->runtime_version, .wait = plan->wait,
            .managed = !plan->already_debug};
        if (!plan->rewritten)
            continue;
        struct cnb_process out;
        if (cnb_process_copy(&out, p, err) != 0)
            return -1;
        command_argv_free(&out.command);
        command_argv_free(&out.args);
        out.command = plan->command;
        out.args = plan->args;
        memset(&plan->command, 0, sizeof plan->command);
        memset(&plan->args, 0, sizeof plan->args);
        if (plan->workdir) {
            free(out.working_dir);
            out.working_dir = strdup(plan->workdir);
        }
        struct cnb_process *items = realloc(b->launch.processes.items,
                                            (b->launch.processes.len + 1) * sizeof *items);
        if (items == NULL) {
            cnb_process_free(&out);
            return error_set(err, "out of memory");
        }
        b->launch.processes.items = items;
        items[b->launch.processes.len++] = out;
    }
    if (n > 0 && labels_add(&b->launch, labels, n, err) != 0)
        return -1;
    return cnb_launch_write(b->ctx.layers_dir, &b->launch, err);
}

static int contribute_layer(struct build *b, const struct deps_fetch_options *fetch, struct bp_error *err)
{
    if (b->layer.tools_len == 0 && b->layer.wrappers_len == 0 && b->layer.jdwp_len == 0) {
        /* Nothing to debug: drop a layer restored from an earlier build. */
        char toml_path[4096];
        snprintf(toml_path, sizeof toml_path, "%s.toml", b->layer_dir);
        unlink(toml_path);
        return file_remove_tree(b->layer_dir, err);
    }
    b->layer.fetch = fetch;
    struct toml_value *meta = debugtools_metadata(&b->layer, err);
    if (meta == NULL)
        return -1;
    uint64_t start = log_now_ns(); /* layer_contribute logs the step line */
    struct layer_request req = {.layers_dir = b->ctx.layers_dir, .name = DEBUGTOOLS_LAYER,
                                .launch = true, .build = false, .cache = false, .metadata = meta,
                                .populate = debugtools_populate, .ctx = &b->layer};
    enum layer_outcome outcome;
    int rc = layer_contribute(&req, &outcome, err);
    toml_free(meta);
    if (rc != 0)
        return -1;
    const struct deps_dependency *deps[DEBUGTOOLS_MAX];
    for (size_t i = 0; i < b->layer.tools_len; i++)
        deps[i] = b->layer.tools[i].dep;
    if (deps_write_sbom(b->ctx.layers_dir, DEBUGTOOLS_LAYER, deps, b->layer.tools_len, err) != 0)
        return -1;
    if (outcome == LAYER_CONTRIBUTED)
        log_detail("%llu bytes downloaded", b->layer.bytes_downloaded);
    log_completed(start, 4);
    return 0;
}

static void build_free(struct build *b)
{
    for (size_t i = 0; i < b->plans_len; i++)
        runtime_plan_free(&b->plans[i]);
    cnb_launch_free(&b->launch);
    debugtools_layer_free(&b->layer);
    cnb_process_list_free(&b->processes);
    deps_catalog_free(&b->catalog);
    config_build_free(&b->cfg);
    cnb_build_context_free(&b->ctx);
    free(b->layer_dir);
}

static int run(int argc, char **argv, struct build *b, struct bp_error *err)
{
    uint64_t start = log_now_ns();
    if (cnb_build_context_load(argc, argv, &b->ctx, err) != 0)
        return -1;
    log_title(b->ctx.buildpack_name, b->ctx.buildpack_version);
    if (config_load_build(b->ctx.platform_dir, &b->cfg, err) != 0)
        return -1;
    if (!b->cfg.enabled) {
        log_step("BP_DEBUG is not true: nothing to do");
        return 0;
    }
    export_platform_env(b->ctx.platform_dir);
    char *catalog_path = path_join(b->ctx.buildpack_dir, "buildpack.toml");
    if (catalog_path == NULL)
        return error_set(err, "out of memory");
    int rc = deps_catalog_load(catalog_path, &b->catalog, err);
    free(catalog_path);
    if (rc != 0)
        return -1;
    if (cnb_read_processes(&b->ctx, &b->processes, err) != 0)
        return -1;

    b->layer_dir = path_join(b->ctx.layers_dir, DEBUGTOOLS_LAYER);
    b->layer.launcher_path = NULL;
    char *launcher = path_join(b->ctx.buildpack_dir, "bin/debug-launch");
    if (b->layer_dir == NULL || launcher == NULL) {
        free(launcher);
        return error_set(err, "out of memory");
    }
    b->rctx = (struct runtime_context){
        .app_dir = b->ctx.app_dir, .layer_dir = b->layer_dir, .path_env = getenv("PATH"),
        .bind = b->cfg.bind, .port = b->cfg.port,
        .ports = {[RUNTIME_GO] = b->cfg.go_port, [RUNTIME_PYTHON] = b->cfg.python_port,
                  [RUNTIME_NODE] = b->cfg.node_port, [RUNTIME_JVM] = b->cfg.jvm_port},
        .suspend = b->cfg.suspend, .strict = b->cfg.strict,
        .python_debugger = b->cfg.python_debugger, .python_debugger_for = python_debugger_for, .data = b};
    if (plan_processes(b, err) != 0) {
        free(launcher);
        return -1;
    }
    b->layer.launcher_path = launcher;
    struct deps_fetch_options fetch = {.buildpack_dir = b->ctx.buildpack_dir,
                                       .platform_dir = b->ctx.platform_dir, .getenv_fn = env_lookup,
                                       .user_agent = "cnbdebug/debug " BP_VERSION};
    rc = contribute_layer(b, &fetch, err);
    b->layer.launcher_path = NULL;
    free(launcher);
    if (rc != 0)
        return -1;
    /* Only a debugger that opens a port is reachable from the network and
     * changed by BPL_DEBUG_*; vsdbg alone opens none. */
    bool listens = false;
    for (size_t i = 0; i < b->plans_len; i++)
        listens = listens || (!b->plans[i].already_debug && b->plans[i].protocol != NULL);
    if (listens) {
        log_warning("the debugger listens on %s: anyone who can reach that port can run code in the "
                    "container. Use BPL_DEBUG_BIND=127.0.0.1 (kubectl port-forward and exec still "
                    "work) or keep debug images off shared networks", b->cfg.bind);
        log_step("At launch: BPL_DEBUG_ENABLED=false runs the app without the debugger; "
                 "BPL_DEBUG_PORT, BPL_DEBUG_BIND and BPL_DEBUG_SUSPEND change it without a rebuild");
    }
    if (write_launch(b, err) != 0)
        return -1;
    log_completed(start, 2);
    return 0;
}

int main(int argc, char **argv)
{
    struct build *b = calloc(1, sizeof *b);
    struct bp_error err = {{0}};
    if (b == NULL) {
        fputs("cnbdebug/debug: out of memory\n", stderr);
        return 1;
    }
    int rc = run(argc, argv, b, &err);
    build_free(b);
    free(b);
    if (rc != 0) {
        fflush(stdout);
        fprintf(stderr, "cnbdebug/debug: %s\n", err.message);
        return 1;
    }
    return 0;
}
