/* bin/build: find the processes earlier buildpacks declared, work out each
 * one's runtime, install the debuggers they need in the debug-tools layer,
 * rewrite the selected processes to start under them, and label the image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cnb/cnb.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "debugtools/debugtools.h"
#include "deps/deps.h"
#include "cnb/layer_contribute.h"
#include "labels/labels.h"
#include "runtime/runtime.h"
#include "toml/toml.h"

struct build {
    struct cnb_build_context ctx;
    struct config_build cfg;
    struct deps_catalog catalog;
    struct cnb_process_list processes;
    struct runtime_context rctx;
    struct debugtools_choice choice;
    struct runtime_plan plans[64];
    const struct cnb_process *planned[64];
    size_t plans_len;
    struct debugtools_layer layer;
    struct cnb_launch launch;
    char *layer_dir;
};

static const char *env_lookup(const char *name, void *data)
{
    /* Values from <platform>/env were exported into our environment by main. */
    (void)data;
    return getenv(name);
}

static void log_process(const struct cnb_process *p)
{
    struct command_argv all = {0};
    command_argv_copy(&all, &p->command);
    command_argv_copy(&all, &p->args);
    char *text = all.len > 0 ? command_join(&all) : NULL;
    log_detail("%s%s (from %s%s): %s", p->type,
               p->is_default ? " [default]" : p->implied_default ? " [web, no default declared]" : "",
               p->buildpack_id,
               p->legacy ? (p->direct ? ", direct" : ", shell") : "", text ? text : "?");
    free(text);
    command_argv_free(&all);
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
        char address[DEBUGGER_HOST_MAX + 16];
        debugger_address_join(address, sizeof address, bind, plan->port);
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
        char unwrapped[256];
        snprintf(unwrapped, sizeof unwrapped, "%s", rp.unwrapped);
        bool templates = rc == 1 && plan->expand_marks != NULL;
        bool chain = rp.chain.len > 0;
        runtime_process_free(&rp);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (p->is_default || p->implied_default) {
                /* The image's own process comes out with no debugger: say
                 * so loudly, and fail when the user asked for certainty. */
                if (b->cfg.strict)
                    return error_set(err, "the default process '%s' cannot be debugged: %s "
                                     "(BP_DEBUG_STRICT=true)", p->type, why);
                log_warning("the default process '%s' is left without a debugger: %s", p->type, why);
            } else {
                log_detail("%s: left alone: %s", p->type, why);
            }
            continue;
        }
        b->planned[b->plans_len++] = p;
        if (unwrapped[0] != '\0' && plan->rewritten)
            log_detail("%s: looked through %s; %s", p->type, unwrapped,
                       chain ? "the shell is kept for the && chain and the debugger goes only "
                               "to the app's command in it"
                       : templates ? "its parameter expansions are kept and done at launch by the "
                                     "wrapper, from the launch environment, without a shell"
                                   : "its words run without a shell");
        log_plan(plan, p, b->cfg.bind);
        if (!plan->already_debug &&
            debugtools_add_plan(&b->layer, &b->choice, plan, p->type, b->cfg.bind, err) != 0)
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
            .app_dir = b->ctx.app_dir, .tool_path = plan->tool_path,
            .runtime_version = plan->runtime_version, .wait = plan->wait,
            .managed = !plan->already_debug, .go_module = plan->go_module,
            .go_trimpath = plan->go_trimpath};
        if (!plan->rewritten)
            continue;
        struct cnb_process out;
        cnb_process_copy(&out, p);
        command_argv_free(&out.command);
        command_argv_free(&out.args);
        out.command = plan->command;
        out.args = plan->args;
        memset(&plan->command, 0, sizeof plan->command);
        memset(&plan->args, 0, sizeof plan->args);
        if (plan->workdir) {
            free(out.working_dir);
            out.working_dir = xstrdup(plan->workdir);
        }
        b->launch.processes.items = xreallocarray(b->launch.processes.items,
                                                  b->launch.processes.len + 1,
                                                  sizeof *b->launch.processes.items);
        b->launch.processes.items[b->launch.processes.len++] = out;
    }
    if (n > 0 && labels_add(&b->launch, labels, n, err) != 0)
        return -1;
    return cnb_launch_write(b->ctx.layers_dir, &b->launch, err);
}

/* Each process whose argv holds templates gets env.launch/<type>/
 * CNB_DEBUG_EXPAND.override (command.h: the wrapper expands exactly those
 * words at launch); debugtools writes it and keeps it in the layer metadata,
 * so a change in the marks rebuilds the layer. */
static int add_expand_marks(struct build *b, struct bp_error *err)
{
    for (size_t i = 0; i < b->plans_len; i++) {
        if (b->plans[i].expand_marks == NULL || !b->plans[i].rewritten)
            continue;
        if (debugtools_add_launch_env(&b->layer, b->planned[i]->type, COMMAND_EXPAND_ENV,
                                      b->plans[i].expand_marks, err) != 0)
            return -1;
    }
    return 0;
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
    b->layer.bind_explicit = b->cfg.bind_explicit;
    if (add_expand_marks(b, err) != 0)
        return -1;
    struct toml_value *meta = debugtools_metadata(&b->layer, err);
    if (meta == NULL)
        return -1;
    uint64_t start = log_now_ns(); /* cnb_layer_contribute logs the step line */
    struct cnb_layer_request req = {.layers_dir = b->ctx.layers_dir, .name = DEBUGTOOLS_LAYER,
                                .launch = true, .build = false, .cache = false, .metadata = meta,
                                .populate = debugtools_populate, .ctx = &b->layer};
    enum cnb_layer_outcome outcome;
    int rc = cnb_layer_contribute(&req, &outcome, err);
    toml_free(meta);
    if (rc != 0)
        return -1;
    const struct deps_dependency *deps[DEBUGTOOLS_MAX];
    for (size_t i = 0; i < b->layer.tools_len; i++)
        deps[i] = b->layer.tools[i].dep;
    if (deps_write_sbom(b->ctx.layers_dir, DEBUGTOOLS_LAYER, deps, b->layer.tools_len, err) != 0)
        return -1;
    if (outcome == CNB_LAYER_CONTRIBUTED)
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
    /* the mirror and proxy settings deps reads from the environment */
    static const char *const download_env[] = {"BP_DEPENDENCY_MIRROR", "HTTPS_PROXY", "HTTP_PROXY",
                                               "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"};
    if (config_export_platform_env(b->ctx.platform_dir, download_env,
                                   sizeof download_env / sizeof *download_env, err) != 0)
        return -1;
    char *catalog_path = path_join(b->ctx.buildpack_dir, "buildpack.toml");
    int rc = deps_catalog_load(catalog_path, &b->catalog, err);
    free(catalog_path);
    if (rc != 0)
        return -1;
    if (cnb_read_processes(&b->ctx, &b->processes, err) != 0)
        return -1;

    b->layer_dir = path_join(b->ctx.layers_dir, DEBUGTOOLS_LAYER);
    b->layer.launcher_path = NULL;
    char *launcher = path_join(b->ctx.buildpack_dir, "bin/debug-launch");
    b->choice = (struct debugtools_choice){
        .catalog = &b->catalog, .os = b->ctx.target_os, .arch = b->ctx.target_arch,
        .distro = b->ctx.target_distro_name, .dlv_version = b->cfg.dlv_version,
        .debugpy_version = b->cfg.debugpy_version, .ptvsd_version = b->cfg.ptvsd_version,
        .vsdbg_version = b->cfg.vsdbg_version};
    b->rctx = (struct runtime_context){
        .app_dir = b->ctx.app_dir, .layer_dir = b->layer_dir, .cnb = &b->ctx, .path_env = NULL,
        .bind = b->cfg.bind, .port = b->cfg.port,
        .ports = {[RUNTIME_GO] = b->cfg.go_port, [RUNTIME_PYTHON] = b->cfg.python_port,
                  [RUNTIME_NODE] = b->cfg.node_port, [RUNTIME_JVM] = b->cfg.jvm_port},
        .suspend = b->cfg.suspend, .strict = b->cfg.strict,
        .python_debugger = b->cfg.python_debugger, .python_debugger_for = debugtools_python_debugger,
        .dlv_supports = debugtools_dlv_supports, .data = &b->choice};
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
    struct build *b = xcalloc(1, sizeof *b);
    struct bp_error err = {{0}};
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
