/* Finds a process's command where it will run: on the launch PATH the
 * launcher builds (launch/launcher.go launchDirect: PATH from the layers'
 * env, exec.LookPath, then chdir to the working dir and exec), in launch
 * layers and the app dir, never in a file only the build image has. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnb/cnb.h"
#include "common/fileio.h"
#include "common/xalloc.h"

/* The Debian/Ubuntu default PATH dirs: present in every run image, but
 * what is in them differs between build and run image. */
static const char *const system_dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                          "/usr/bin", "/sbin", "/bin"};

void cnb_resolved_free(struct cnb_resolved *r)
{
    free(r->path);
    free(r->fallback);
    memset(r, 0, sizeof *r);
}

const char *cnb_resolve_where_name(enum cnb_resolve_where where)
{
    switch (where) {
    case CNB_RESOLVE_LAYER:
        return "a launch layer";
    case CNB_RESOLVE_APP:
        return "the app dir";
    case CNB_RESOLVE_SYSTEM:
        return "a system dir of the build image";
    case CNB_RESOLVE_BUILD_ONLY:
        return "the build image only";
    case CNB_RESOLVE_NOT_FOUND:
        break;
    }
    return "nowhere";
}

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static bool is_executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

/* For a path under the layers root: is its layer exported (launch = true)?
 * <root>/<bp>/<layer>/... → <root>/<bp>/<layer>.toml. */
static bool in_launch_layer(const struct cnb_build_context *ctx, const char *path)
{
    const char *rest = path + strlen(ctx->layers_root);
    while (*rest == '/')
        rest++;
    const char *bp_end = strchr(rest, '/');
    if (bp_end == NULL)
        return false;
    const char *layer_end = strchr(bp_end + 1, '/');
    if (layer_end == NULL)
        return false; /* a file directly in a buildpack's dir is not exported */
    char *bp_dir = xasprintf("%s/%.*s", ctx->layers_root, (int)(bp_end - rest), rest);
    char *name = xstrndup(bp_end + 1, (size_t)(layer_end - bp_end - 1));
    struct cnb_layer layer;
    bool launch = false;
    if (cnb_layer_read(bp_dir, name, &layer, NULL) == 0) {
        launch = layer.launch;
        cnb_layer_free(&layer);
    }
    free(bp_dir);
    free(name);
    return launch;
}

static enum cnb_resolve_where classify(const struct cnb_build_context *ctx, const char *path)
{
    if (under(path, ctx->layers_root))
        return in_launch_layer(ctx, path) ? CNB_RESOLVE_LAYER : CNB_RESOLVE_BUILD_ONLY;
    if (under(path, ctx->app_dir))
        return CNB_RESOLVE_APP;
    for (size_t i = 0; i < sizeof system_dirs / sizeof *system_dirs; i++) {
        const char *slash = strrchr(path, '/');
        size_t n = strlen(system_dirs[i]);
        if (slash != NULL && (size_t)(slash - path) == n && strncmp(path, system_dirs[i], n) == 0)
            return CNB_RESOLVE_SYSTEM;
    }
    return CNB_RESOLVE_BUILD_ONLY;
}

/* Records a hit; returns true when the search is over. What the launcher
 * finds first wins, but a file the run image lacks is skipped by it: after
 * a BUILD_ONLY hit the search goes on, and after a SYSTEM hit (there or
 * not, we cannot tell) the first layer/app hit becomes the fallback. */
static bool record(struct cnb_resolved *out, const char *path, enum cnb_resolve_where where)
{
    bool in_image = where == CNB_RESOLVE_LAYER || where == CNB_RESOLVE_APP;
    if (out->where == CNB_RESOLVE_SYSTEM) {
        if (in_image)
            out->fallback = xstrdup(path);
        return in_image;
    }
    if (out->where == CNB_RESOLVE_NOT_FOUND || where != CNB_RESOLVE_BUILD_ONLY) {
        free(out->path);
        out->path = xstrdup(path);
        out->where = where;
    }
    return in_image;
}

int cnb_resolve_launch_command(const struct cnb_build_context *ctx, const struct cnb_env *launch_env,
                               const char *working_dir, const char *argv0, struct cnb_resolved *out,
                               struct bp_error *err)
{
    memset(out, 0, sizeof *out);
    if (argv0 == NULL || argv0[0] == '\0')
        return error_set(err, "resolving a command: the command is empty");
    const char *wd = working_dir && working_dir[0] ? working_dir : ctx->app_dir;
    if (strchr(argv0, '/') != NULL) {
        /* exec.LookPath takes a name with a slash as is; the launcher then
         * chdirs to the working dir, so a relative one is relative to it. */
        char *path = argv0[0] == '/' ? xstrdup(argv0)
                                     : xasprintf("%s/%s", wd[0] == '/' ? wd : ctx->app_dir, argv0);
        if (is_executable_file(path)) {
            record(out, path, classify(ctx, path));
        } else {
            snprintf(out->reason, sizeof out->reason,
                     "%s is not an executable file here (looked at %s)", argv0, path);
        }
        free(path);
        return 0;
    }
    const char *search = cnb_env_get(launch_env, "PATH");
    const char *p = search ? search : "";
    bool skipped_relative = false;
    for (;;) {
        size_t n = strcspn(p, ":");
        if (n == 0 || p[0] != '/') {
            /* Go's exec.LookPath returns ErrDot for a hit through a relative
             * PATH entry (resolved against the app dir, the launcher's cwd
             * then), and launchDirect fails on it: the search stops there. */
            char *candidate = n == 0 ? xasprintf("%s/%s", ctx->app_dir, argv0)
                                     : xasprintf("%s/%.*s/%s", ctx->app_dir, (int)n, p, argv0);
            bool hit = is_executable_file(candidate);
            free(candidate);
            if (hit && out->where == CNB_RESOLVE_NOT_FOUND) {
                snprintf(out->reason, sizeof out->reason,
                         "%s is found through the relative PATH entry \"%.*s\", which the "
                         "launcher refuses (Go exec.ErrDot)", argv0, (int)n, p);
                return 0;
            }
            skipped_relative = true;
        } else {
            char *candidate = xasprintf("%.*s/%s", (int)n, p, argv0);
            bool done = is_executable_file(candidate) && record(out, candidate, classify(ctx, candidate));
            free(candidate);
            if (done)
                break;
        }
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    if (out->where == CNB_RESOLVE_NOT_FOUND)
        snprintf(out->reason, sizeof out->reason,
                 "%s is not on the launch PATH (%s)%s", argv0, search ? search : "unset",
                 skipped_relative ? "; relative PATH entries were skipped, as the launcher does" : "");
    else if (out->where == CNB_RESOLVE_BUILD_ONLY)
        snprintf(out->reason, sizeof out->reason,
                 "%s resolves to %s, which is outside the launch layers and the app dir: the run "
                 "image does not have it", argv0, out->path);
    else if (out->where == CNB_RESOLVE_SYSTEM)
        snprintf(out->reason, sizeof out->reason,
                 "%s resolves to %s in the build image; the run image may not have it%s%s", argv0,
                 out->path, out->fallback ? ", then the launcher finds " : "",
                 out->fallback ? out->fallback : "");
    return 0;
}
