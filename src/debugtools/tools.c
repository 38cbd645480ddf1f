/* Choosing the tools a runtime plan needs and placing them in the layer:
 * which dlv fits the app's Go (or the newest, with its version check off),
 * which Python debugger fits the app's Python, the target's C library, and
 * the wrappers, real-tool links and exec.d helper each plan needs. */
#include <gnu/libc-version.h>
#include <stdio.h>
#include <string.h>

#include "common/fileio.h"
#include "common/log.h"
#include "debugtools/debugtools.h"

/* The run image's C library: tools such as vsdbg ship per libc. The target
 * distro says it when the platform sets it; otherwise the build image, which
 * shares the run image's distro, is asked. */
static const char *target_libc(const struct debugtools_choice *c)
{
    if (c->distro != NULL)
        return strcmp(c->distro, "alpine") == 0 ? "musl" : "glibc";
    return file_exists("/lib/ld-musl-x86_64.so.1") || file_exists("/lib/ld-musl-aarch64.so.1")
               ? "musl" : "glibc";
}

static const struct deps_dependency *resolve(const struct debugtools_choice *c, const char *id,
                                             const char *pin, const char *runtime_version,
                                             struct bp_error *err)
{
    struct deps_query q = {.id = id, .version_pin = pin, .runtime_version = runtime_version,
                           .os = c->os, .arch = c->arch, .libc = target_libc(c),
                           .glibc_version = gnu_get_libc_version()};
    return deps_resolve(c->catalog, &q, err);
}

/* For a Python whose version could not be read: the debugpy whose range
 * is widest among those with no upper bound, i.e. the newest one that
 * supports the oldest Python 3 any open-ended entry supports (never one
 * known not to support a newer Python). */
static const char *widest_python(const struct debugtools_choice *c)
{
    static const char *const oldest_first[] = {"3.5", "3.6", "3.7", "3.8", "3.9", "3.10",
                                               "3.11", "3.12", "3.13", "3.14"};
    for (size_t i = 0; i < sizeof oldest_first / sizeof *oldest_first; i++) {
        const struct deps_dependency *dep = resolve(c, "debugpy", c->debugpy_version, oldest_first[i], NULL);
        if (dep != NULL && resolve(c, "debugpy", dep->version, "3.99", NULL) != NULL)
            return oldest_first[i];
    }
    return NULL;
}

const char *debugtools_python_debugger(const char *python_version, void *choice)
{
    const struct debugtools_choice *c = choice;
    if (python_version == NULL)
        python_version = widest_python(c);
    if (resolve(c, "debugpy", c->debugpy_version, python_version, NULL) != NULL)
        return "debugpy";
    return resolve(c, "ptvsd", c->ptvsd_version, python_version, NULL) != NULL ? "ptvsd" : NULL;
}

bool debugtools_dlv_supports(const char *go_version, void *choice)
{
    const struct debugtools_choice *c = choice;
    return resolve(c, "dlv", c->dlv_version, go_version, NULL) != NULL;
}

/* dlv for the app's Go: the newest whose window holds it; else the newest
 * dlv, which the runtime plan then runs with --check-go-version=false
 * (debugtools_dlv_supports told it so), and a warning that names both. */
static const struct deps_dependency *resolve_dlv(const struct debugtools_choice *c,
                                                 const char *go_version, struct bp_error *err)
{
    struct bp_error first = {{0}};
    const struct deps_dependency *dep = resolve(c, "dlv", c->dlv_version, go_version, &first);
    if (dep != NULL) {
        log_detail("Delve %s supports %s", dep->version, go_version);
        return dep;
    }
    dep = resolve(c, "dlv", c->dlv_version, NULL, err);
    if (dep == NULL) {
        error_wrap(err, "%s", first.message);
        return NULL;
    }
    log_warning("no Delve in buildpack.toml supports %s (%s); using Delve %s (Go %s) with "
                "--check-go-version=false: some features may not work",
                go_version, first.message, dep->version,
                dep->runtime_versions ? dep->runtime_versions : "?");
    return dep;
}

static int add_tool(struct debugtools_layer *l, const struct deps_dependency *dep, const char *dir,
                    struct bp_error *err)
{
    return dep == NULL ? -1 : debugtools_add_tool(l, dep, dir, err);
}

int debugtools_add_plan(struct debugtools_layer *l, const struct debugtools_choice *c,
                        const struct runtime_plan *plan, const char *process_type,
                        const char *bind, struct bp_error *err)
{
    for (size_t i = 0; i < plan->links_len; i++)
        if (debugtools_add_link(l, plan->links[i].name, plan->links[i].target, err) != 0)
            return -1;
    if ((plan->needs & NEED_DLV) &&
        (add_tool(l, resolve_dlv(c, plan->runtime_version, err), "dlv", err) != 0 ||
         debugtools_add_wrapper(l, "dlv", err) != 0))
        return -1;
    if ((plan->needs & NEED_DEBUGPY) &&
        (add_tool(l, resolve(c, "debugpy", c->debugpy_version,
                             plan->runtime_version ? plan->runtime_version : widest_python(c), err),
                  "debugpy", err) != 0 ||
         debugtools_add_wrapper(l, "python", err) != 0))
        return -1;
    if ((plan->needs & NEED_PTVSD) &&
        (add_tool(l, resolve(c, "ptvsd", c->ptvsd_version, NULL, err), "ptvsd", err) != 0 ||
         debugtools_add_wrapper(l, "python", err) != 0))
        return -1;
    if ((plan->needs & NEED_VSDBG) &&
        add_tool(l, resolve(c, "vsdbg", c->vsdbg_version, NULL, err), "vsdbg", err) != 0)
        return -1;
    /* The node wrapper goes under the name the process runs (node or
     * nodemon): the runtime linked that name to the real tool. */
    if ((plan->needs & NEED_NODE) &&
        debugtools_add_wrapper(l, plan->links_len > 0 && strcmp(plan->links[0].name, "nodemon") == 0
                                      ? "nodemon" : "node", err) != 0)
        return -1;
    if ((plan->needs & NEED_NPM) && debugtools_add_wrapper(l, "npm", err) != 0)
        return -1;
    /* yarn, pnpm, npx: the runtime linked the manager's name first */
    if ((plan->needs & NEED_PM) && plan->links_len > 0 &&
        debugtools_add_wrapper(l, plan->links[0].name, err) != 0)
        return -1;
    if ((plan->needs & NEED_RUN) && debugtools_add_wrapper(l, "run", err) != 0)
        return -1;
    if ((plan->needs & NEED_JDWP) &&
        debugtools_add_jdwp(l, process_type, bind, plan->port, plan->wait, err) != 0)
        return -1;
    return 0;
}
