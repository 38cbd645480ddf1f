/* Python: `python…` commands and console scripts whose #! names a Python
 * (gunicorn, flask, uvicorn) run under `python -m debugpy --listen`
 * (src/debugger/python.c writes and reads those words). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#include "common/probe.h"

#include "common/xalloc.h"
#include "common/fileio.h"
#include "runtime/runtime.h"

/* python, python3, python3.11, python2.7 */
static bool is_python_name(const char *path)
{
    const char *base = runtime_basename(path);
    if (strncmp(base, "python", 6) != 0)
        return false;
    for (const char *p = base + 6; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            return false;
    return true;
}

/* The version from the interpreter's own tree: <prefix>/bin/python3 next
 * to <prefix>/lib/pythonX.Y/ (CPython's layout, Paketo's cpython and
 * Heroku's python layers, venvs' lib too). "X.Y", or NULL when not exactly
 * one such dir. Needs nothing to run. */
static char *version_from_tree(const char *interpreter)
{
    char *prefix = xstrdup(interpreter);
    char *slash = strrchr(prefix, '/');
    if (slash != NULL)
        *slash = '\0';
    slash = strrchr(prefix, '/');
    char *found = NULL;
    int count = 0;
    if (slash != NULL && strcmp(slash, "/bin") == 0) {
        *slash = '\0';
        char *lib = xasprintf("%s/lib", prefix);
        DIR *d = opendir(lib);
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
            unsigned major = 0, minor = 0;
            char tail = 0;
            if (sscanf(e->d_name, "python%u.%u%c", &major, &minor, &tail) == 2) {
                free(found);
                found = xasprintf("%u.%u", major, minor);
                count++;
            }
        }
        if (d != NULL)
            closedir(d);
        free(lib);
    }
    free(prefix);
    if (count != 1) {
        free(found);
        return NULL;
    }
    return found;
}

/* Asks the interpreter, run with its launch env and a deadline: a python3
 * that hangs must not hang the build, and its stderr stays out of the log. */
static char *version_from_probe(const char *interpreter, const struct runtime_process *rp)
{
    char *argv[] = {(char *)interpreter, "-c",
                    "import sys; print('%d.%d.%d' % tuple(sys.version_info[:3]))", NULL};
    struct probe_output out;
    struct bp_error ignored = {{0}};
    if (common_run_probe(argv, rp->env.vars, 5000, &out, &ignored) != 0)
        return NULL;
    char *version = NULL;
    if (out.exit_code == 0 && out.out_len > 0) {
        out.out[strcspn(out.out, "\r\n")] = '\0';
        unsigned a, b, c;
        if (sscanf(out.out, "%u.%u.%u", &a, &b, &c) == 3)
            version = xstrdup(out.out);
    }
    common_probe_output_free(&out);
    return version;
}

static char *python_version(const char *interpreter, const struct runtime_process *rp)
{
    char *v = version_from_probe(interpreter, rp);
    return v != NULL ? v : version_from_tree(interpreter);
}

/* A pip console script (`from gunicorn.app.wsgiapp import run` then
 * `sys.exit(run())`): its top-level package, which `python -m PKG` runs
 * when the package has a __main__ (gunicorn, uvicorn, flask do). NULL
 * when the script is not that shape. */
static char *console_script_module(const char *script)
{
    FILE *f = file_fopen_regular(script, NULL);
    if (f == NULL)
        return NULL;
    char line[512];
    char *module = NULL;
    for (int n = 0; n < 40 && fgets(line, sizeof line, f) != NULL; n++) {
        char pkg[256];
        if (sscanf(line, "from %255[A-Za-z0-9_.] import", pkg) == 1 && strcmp(pkg, "__future__") != 0) {
            pkg[strcspn(pkg, ".")] = '\0';
            free(module);
            module = xstrdup(pkg);
        }
    }
    fclose(f);
    return module;
}

/* Whether PKG has a __main__ beside the interpreter's site-packages (its
 * prefix's lib/pythonX.Y/site-packages) or in a dir of PYTHONPATH. */
static bool module_has_main(const char *module, const char *interpreter, const char *script,
                            const struct runtime_process *rp)
{
    const char *starts[] = {interpreter, script};
    for (size_t k = 0; k < 2; k++) {
        char *prefix = xstrdup(starts[k]);
        for (int up = 0; up < 2; up++) {
            char *slash = strrchr(prefix, '/');
            if (slash != NULL)
                *slash = '\0';
        }
        char *lib = xasprintf("%s/lib", prefix);
        DIR *d = opendir(lib);
        struct dirent *e;
        bool found = false;
        while (!found && d != NULL && (e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "python", 6) != 0)
                continue;
            char *main_py = xasprintf("%s/%s/site-packages/%s/__main__.py", lib, e->d_name, module);
            found = access(main_py, R_OK) == 0;
            free(main_py);
        }
        if (d != NULL)
            closedir(d);
        free(lib);
        free(prefix);
        if (found)
            return true;
    }
    const char *pp = cnb_env_get(&rp->env, "PYTHONPATH");
    while (pp != NULL && *pp) {
        size_t n = strcspn(pp, ":");
        char *main_py = xasprintf("%.*s/%s/__main__.py", (int)n, pp, module);
        bool found = access(main_py, R_OK) == 0;
        free(main_py);
        if (found)
            return true;
        pp += n;
        if (*pp == ':')
            pp++;
    }
    return false;
}

/* Interpreter options that take a separate value: -X opt, -W arg. */
static bool option_takes_value(const char *arg)
{
    return strcmp(arg, "-X") == 0 || strcmp(arg, "-W") == 0 || strcmp(arg, "--check-hash-based-pycs") == 0;
}

int runtime_python_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                        struct runtime_plan *plan, struct bp_error *err)
{
    char *interpreter = NULL;
    bool console_script = false;
    if (is_python_name(rp->argv.items[0])) {
        struct debugger_python_argv d;
        if (debugger_python_scan((int)rp->argv.len, rp->argv.items, &d) == 1)
            return runtime_plan_already(plan, rp, d.ptvsd ? DEBUGGER_PTVSD : DEBUGGER_DEBUGPY);
        if (rp->executable == NULL) {
            runtime_plan_warn(plan, "process '%s': %s was not found where it runs (%s); left alone",
                              rp->original->type, rp->argv.items[0], rp->not_found);
            return 0;
        }
        interpreter = xstrdup(rp->executable);
    } else if (rp->executable != NULL) {
        char *shebang = runtime_read_shebang(rp->executable);
        if (shebang == NULL || !is_python_name(shebang)) {
            free(shebang);
            return 0;
        }
        console_script = true;
        char why[1024] = "";
        interpreter = runtime_resolve_launch(rp, ctx, shebang, why, sizeof why);
        free(shebang);
        if (interpreter == NULL) {
            runtime_plan_warn(plan, "process '%s': %s is a Python script, but its interpreter is "
                              "not where it runs (%s); left alone", rp->original->type,
                              rp->executable, why);
            return 0;
        }
    } else {
        return 0;
    }

    int rc = -1;
    struct command_argv full = {0};
    char *wrapper = NULL;
    char *module = NULL;
    plan->runtime_version = python_version(interpreter, rp);
    if (plan->runtime_version == NULL)
        runtime_plan_warn(plan, "process '%s': the version of %s could not be read (it did not "
                          "run here and its lib/pythonX.Y was not found): installing the debugpy "
                          "that supports the widest range of Pythons; pin one with "
                          "BP_DEBUG_DEBUGPY_VERSION if it does not fit", rp->original->type,
                          interpreter);
    const char *debugger = ctx->python_debugger;
    if (debugger == NULL)
        debugger = ctx->python_debugger_for ? ctx->python_debugger_for(plan->runtime_version, ctx->data)
                                            : "debugpy";
    if (debugger == NULL) {
        /* One process no debugger fits is not a reason to fail every
         * build: a WARNING (the caller's "cannot be debugged"), unless the
         * user asked for strictness. */
        const char *version = plan->runtime_version ? plan->runtime_version : "(unknown version)";
        if (ctx->strict) {
            rc = error_set(err, "no debugpy or ptvsd in buildpack.toml supports Python %s", version);
        } else {
            runtime_plan_warn(plan, "process '%s': no debugpy or ptvsd in buildpack.toml supports "
                              "Python %s; pin one with BP_DEBUG_DEBUGPY_VERSION or "
                              "BP_DEBUG_PTVSD_VERSION, or run a newer Python", rp->original->type,
                              version);
            rc = 0;
        }
        goto done;
    }
    bool ptvsd = strcmp(debugger, "ptvsd") == 0;
    if (ptvsd && plan->runtime_version && strncmp(plan->runtime_version, "3.", 2) == 0 &&
        atoi(plan->runtime_version + 2) >= 11)
        runtime_plan_warn(plan, "process '%s': ptvsd 4 crashes on stackTrace under Python %s; "
                          "use debugpy (unset BP_DEBUG_PYTHON_DEBUGGER)", rp->original->type,
                          plan->runtime_version);
    plan->needs = ptvsd ? NEED_PTVSD : NEED_DEBUGPY;
    plan->debugger = ptvsd ? DEBUGGER_PTVSD : DEBUGGER_DEBUGPY;
    plan->protocol = debugger_get(plan->debugger)->protocol;
    plan->wait = ctx->suspend;
    plan->tool_path = runtime_layer_path(ctx, ptvsd ? "ptvsd" : "debugpy");
    wrapper = runtime_layer_path(ctx, "wrap/python");
    if (runtime_plan_link(plan, "python", interpreter, err) != 0)
        goto done;

    runtime_push(&full, wrapper);
    /* Interpreter options stay before -m debugpy; the target follows it. */
    size_t target = 1;
    if (!console_script) {
        while (target < rp->argv.len && rp->argv.items[target][0] == '-' &&
               strcmp(rp->argv.items[target], "-m") != 0 && strcmp(rp->argv.items[target], "-c") != 0 &&
               strcmp(rp->argv.items[target], "-") != 0) {
            runtime_push_word(plan, &full, rp, target);
            if (option_takes_value(rp->argv.items[target]) && target + 1 < rp->argv.len)
                runtime_push_word(plan, &full, rp, ++target);
            target++;
        }
    }
    struct debugger_listen listen = {.host = ctx->bind, .port = plan->port, .suspend = ctx->suspend};
    debugger_format(plan->debugger, &listen, &full);
    if (console_script) {
        /* gunicorn & co. as `-m PKG`: debugpy then runs the package's
         * __main__, as the script would, and follows its forked workers. */
        module = console_script_module(rp->executable);
        if (module != NULL && module_has_main(module, interpreter, rp->executable, rp)) {
            runtime_push(&full, "-m");
            runtime_push(&full, module);
        } else {
            runtime_push(&full, rp->executable);
        }
    }
    runtime_push_words(plan, &full, rp, console_script ? 1 : target);
    if (!console_script && target >= rp->argv.len) {
        /* Paketo python-start's `python` is a REPL: say so rather than fail. */
        runtime_plan_warn(plan, "process '%s' runs an interactive Python (no script, -m or -c), "
                          "so there is nothing to debug; declare the app's command in a Procfile",
                          rp->original->type);
        rc = 0;
        goto done;
    }
    runtime_plan_set_argv(plan, rp, &full);
    rc = 1;
done:
    free(module);
    free(interpreter);
    free(wrapper);
    command_argv_free(&full);
    return rc;
}
