/* deps-cli: drives bp_deps the way bin/build does, for the fault-injection
 * tests in integration/deps and for bench/deps-fetch.sh.
 *
 *   deps-cli resolve --buildpack-toml F --id X [query options]
 *   deps-cli install --buildpack-toml F --id X [query options]
 *            (--dest DIR | --layers DIR [--layer NAME] [--launch] [--build] [--cache])
 *            [--buildpack-dir D] [--platform P] [--max-attempts N] [--retry-delay-ms N]
 *            [--connect-timeout S] [--low-speed-time S] [--max-extract-bytes N]
 *   query options: --version PIN --runtime-version V --arch A --libc L --glibc V
 *
 * Environment lookups (mirrors, proxies, SERVICE_BINDING_ROOT) read
 * <platform>/env/<NAME> first, then the process environment. The last
 * stdout line is "result: outcome=... bytes=N offline=0|1 source=...".
 * Exit 0 ok, 1 failure (one line on stderr), 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "deps/deps.h"
#include "cnb/layer_contribute.h"
#include "toml/toml.h"

struct args {
    const char *cmd, *toml, *dest, *layers, *layer, *platform;
    struct deps_query q;
    bool launch, build, cache;
    struct deps_fetch_options opt;
};

struct env_cache {
    const char *platform;
    char *values[64]; /* what this process read, freed at exit */
    int n;
};

static const char *platform_getenv(const char *name, void *ctx)
{
    struct env_cache *c = ctx;
    if (c->platform != NULL && c->n < 64) {
        char path[4096];
        snprintf(path, sizeof path, "%s/env/%s", c->platform, name);
        char *text = NULL;
        if (file_exists(path) && file_read_all(path, 1 << 16, &text, NULL, NULL) == 0) {
            size_t n = strlen(text);
            if (n > 0 && text[n - 1] == '\n')
                text[n - 1] = '\0';
            c->values[c->n++] = text;
            return text;
        }
    }
    return getenv(name);
}

static int usage(const char *why)
{
    fprintf(stderr, "deps-cli: %s\nusage: deps-cli resolve|install --buildpack-toml F --id X "
                    "[--version PIN] [--runtime-version V] [--arch A] [--libc L] [--glibc V] "
                    "(--dest DIR | --layers DIR [--layer NAME] [--launch] [--build] [--cache]) "
                    "[--buildpack-dir D] [--platform P] [--max-attempts N] [--retry-delay-ms N] "
                    "[--connect-timeout S] [--low-speed-time S] [--max-extract-bytes N]\n",
            why);
    return 2;
}

static int parse(int argc, char **argv, struct args *a)
{
    if (argc < 2)
        return usage("no command");
    a->cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        if (strcmp(k, "--launch") == 0) {
            a->launch = true;
            continue;
        }
        if (strcmp(k, "--build") == 0) {
            a->build = true;
            continue;
        }
        if (strcmp(k, "--cache") == 0) {
            a->cache = true;
            continue;
        }
        if (i + 1 >= argc)
            return usage("an option lacks its value");
        const char *v = argv[++i];
        if (strcmp(k, "--buildpack-toml") == 0)
            a->toml = v;
        else if (strcmp(k, "--id") == 0)
            a->q.id = v;
        else if (strcmp(k, "--version") == 0)
            a->q.version_pin = v;
        else if (strcmp(k, "--runtime-version") == 0)
            a->q.runtime_version = v;
        else if (strcmp(k, "--arch") == 0)
            a->q.arch = v;
        else if (strcmp(k, "--libc") == 0)
            a->q.libc = v;
        else if (strcmp(k, "--glibc") == 0)
            a->q.glibc_version = v;
        else if (strcmp(k, "--dest") == 0)
            a->dest = v;
        else if (strcmp(k, "--layers") == 0)
            a->layers = v;
        else if (strcmp(k, "--layer") == 0)
            a->layer = v;
        else if (strcmp(k, "--buildpack-dir") == 0)
            a->opt.buildpack_dir = v;
        else if (strcmp(k, "--platform") == 0)
            a->platform = a->opt.platform_dir = v;
        else if (strcmp(k, "--max-attempts") == 0)
            a->opt.max_attempts = atoi(v);
        else if (strcmp(k, "--retry-delay-ms") == 0)
            a->opt.retry_delay_ms = atol(v);
        else if (strcmp(k, "--connect-timeout") == 0)
            a->opt.connect_timeout_s = atol(v);
        else if (strcmp(k, "--low-speed-time") == 0)
            a->opt.low_speed_time_s = atol(v);
        else if (strcmp(k, "--max-extract-bytes") == 0)
            a->opt.max_extract_bytes = strtoull(v, NULL, 10);
        else
            return usage("unknown option");
    }
    if (a->toml == NULL || a->q.id == NULL)
        return usage("--buildpack-toml and --id are required");
    if (strcmp(a->cmd, "install") == 0 && (a->dest == NULL) == (a->layers == NULL))
        return usage("install needs exactly one of --dest and --layers");
    if (strcmp(a->cmd, "install") != 0 && strcmp(a->cmd, "resolve") != 0)
        return usage("unknown command");
    return 0;
}

struct populate_ctx {
    const struct deps_dependency *dep;
    const struct deps_fetch_options *opt;
    struct deps_install_result res;
};

static int populate(const char *dir, void *ctx, struct bp_error *err)
{
    struct populate_ctx *p = ctx;
    char *dest = path_join(dir, p->dep->id);
    if (dest == NULL)
        return error_set(err, "out of memory");
    int rc = deps_install(p->dep, p->opt, dest, &p->res, err);
    free(dest);
    return rc;
}

int main(int argc, char **argv)
{
    struct args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc != 0)
        return rc;
    struct env_cache env = {a.platform, {0}, 0};
    a.opt.getenv_fn = platform_getenv;
    a.opt.getenv_ctx = &env;
    a.opt.user_agent = "cnbdebug/debug " BP_VERSION;

    struct deps_catalog cat = {0};
    struct bp_error err = {{0}};
    struct toml_value *meta = NULL;
    rc = 1;
    if (deps_catalog_load(a.toml, &cat, &err) != 0)
        goto cleanup;
    const struct deps_dependency *dep = deps_resolve(&cat, &a.q, &err);
    if (dep == NULL)
        goto cleanup;
    if (strcmp(a.cmd, "resolve") == 0) {
        printf("%s %s %s %s\n", dep->id, dep->version, dep->uri, dep->sha256);
        rc = 0;
        goto cleanup;
    }
    struct populate_ctx p = {dep, &a.opt, {0}};
    const char *outcome = "installed";
    if (a.dest != NULL) {
        if (deps_install(dep, &a.opt, a.dest, &p.res, &err) != 0)
            goto cleanup;
    } else {
        const char *name = a.layer ? a.layer : "debug-tools";
        meta = deps_layer_metadata(&dep, 1);
        struct cnb_layer_request req = {a.layers, name, a.launch, a.build, a.cache, meta, populate, &p};
        enum cnb_layer_outcome out;
        if (cnb_layer_contribute(&req, &out, &err) != 0 ||
            deps_write_sbom(a.layers, name, &dep, 1, &err) != 0)
            goto cleanup;
        outcome = out == CNB_LAYER_REUSED ? "reused" : "contributed";
    }
    printf("result: outcome=%s bytes=%llu offline=%d source=%s\n", outcome, p.res.bytes_downloaded,
           p.res.from_offline_cache ? 1 : 0, p.res.source_used);
    rc = 0;
cleanup:
    if (rc != 0)
        fprintf(stderr, "deps-cli: %s\n", err.message);
    toml_free(meta);
    deps_catalog_free(&cat);
    for (int i = 0; i < env.n; i++)
        free(env.values[i]);
    return rc;
}
