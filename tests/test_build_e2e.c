/* bin/build end to end on temp dirs, as the lifecycle would run it: an
 * earlier Go buildpack's launch.toml, our buildpack dir with a dlv tarball
 * behind a file:// URI, then launch.toml, the debug-tools layer, its reuse,
 * and every failure leaving nothing half-written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "support/fixture.h"
#include "toml/toml.h"

#ifndef BP_BUILD_EXE
#error "BP_BUILD_EXE must name the built bin/build (tests/build.cmake)"
#endif

static char base[256];         /* shared by all cases */
static char server[600];       /* a real Go binary: <base>/app/server */
static char appdir[512];
static char pristine[512];     /* the dlv tarball, kept to copy per case */
static char tarball_sha[65];
static const char dlv_script[] = "#!/bin/sh\necho dlv \"$@\"\n";

/* One case: its own layers root, platform and buildpack dirs. */
static char dir[512], layers_root[600], ours[700], platform[600], bpdir[600], tarball[600];
static int case_no;

static int sha256_file(const char *path, char hex[65])
{
    char *data = NULL;
    size_t len = 0;
    if (file_read_all(path, 64u << 20, &data, &len, NULL) != 0)
        return -1;
    unsigned char digest[32];
    unsigned n = 0;
    int ok = EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL);
    free(data);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return ok == 1 ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    fixture_tempdir(base, sizeof base, "test_build_e2e");
    /* The app: a tiny real Go binary, as a Go buildpack would leave it. */
    snprintf(appdir, sizeof appdir, "%s/app", base);
    snprintf(server, sizeof server, "%s/server", appdir);
    fixture_mkdir_at(appdir, "");
    fixture_go_app(base, server);
    char cmd[2048];
    /* The "Delve" release: a tar.gz holding an executable dlv script. */
    snprintf(cmd, sizeof cmd, "%s/tarsrc", base);
    if (mkdir(cmd, 0755) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "%s/tarsrc/dlv", base);
    if (file_write_atomic(cmd, dlv_script, strlen(dlv_script), 0755, NULL) != 0)
        return -1;
    snprintf(pristine, sizeof pristine, "%s/dlv.tar.gz", base);
    snprintf(cmd, sizeof cmd, "tar -C %s/tarsrc -czf %s dlv", base, pristine);
    if (system(cmd) != 0)
        return -1;
    return sha256_file(pristine, tarball_sha);
}

static int group_teardown(void **state)
{
    (void)state;
    return file_remove_tree(base, NULL);
}

static void write_buildpack_toml(const char *checksum)
{
    char path[700], text[4096];
    snprintf(path, sizeof path, "%s/buildpack.toml", bpdir);
    snprintf(text, sizeof text,
             "api = \"0.10\"\n"
             "[buildpack]\nid = \"cnbdebug/debug\"\nversion = \"0.1.0\"\nname = \"Debug Buildpack\"\n"
             "[[metadata.dependencies]]\nid = \"dlv\"\nname = \"Delve\"\nversion = \"1.27.2\"\n"
             "uri = \"file://%s\"\nchecksum = \"sha256:%s\"\n"
             "runtime-versions = \">=1.20, <2\"\n"
             "purls = [\"pkg:golang/github.com/go-delve/delve@v1.27.2\"]\nlicenses = [\"MIT\"]\n",
             tarball, checksum);
    fixture_write(path, text, 0644);
}

static void write_bp_debug(const char *value)
{
    char path[700];
    snprintf(path, sizeof path, "%s/env/BP_DEBUG", platform);
    if (value == NULL)
        unlink(path);
    else
        fixture_write(path, value, 0644);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/case-%d", base, ++case_no);
    snprintf(layers_root, sizeof layers_root, "%s/layers", dir);
    snprintf(ours, sizeof ours, "%s/cnbdebug_debug", layers_root);
    snprintf(platform, sizeof platform, "%s/platform", dir);
    snprintf(bpdir, sizeof bpdir, "%s/buildpack", dir);
    snprintf(tarball, sizeof tarball, "%s/dlv-1.27.2.tar.gz", dir);
    char path[800];
    snprintf(path, sizeof path, "%s/example_go", layers_root);
    if (file_mkdirs(ours, NULL) != 0 || file_mkdirs(path, NULL) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/env", platform);
    if (file_mkdirs(path, NULL) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/bin", bpdir);
    if (file_mkdirs(path, NULL) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/bin/debug-launch", bpdir);
    if (file_copy(BP_LAUNCH_EXE, path, 64u << 20, 0755, NULL) != 0 ||
        file_copy(pristine, tarball, 64u << 20, 0644, NULL) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/group.toml", layers_root);
    fixture_write(path,
               "[[group]]\nid = \"example/go\"\nversion = \"1.0.0\"\napi = \"0.10\"\n\n"
               "[[group]]\nid = \"cnbdebug/debug\"\nversion = \"0.1.0\"\napi = \"0.10\"\n", 0644);
    char text[1024];
    snprintf(text, sizeof text,
             "[[processes]]\ntype = \"web\"\ncommand = [\"%s\"]\nargs = [\"--port\", \"8080\"]\n"
             "default = true\n",
             server);
    snprintf(path, sizeof path, "%s/example_go/launch.toml", layers_root);
    fixture_write(path, text, 0644);
    write_buildpack_toml(tarball_sha);
    write_bp_debug("true");
    return 0;
}

struct run {
    int exit_code; /* -1: killed by a signal */
    char *out, *err;
};

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

/* Runs bin/build in the app dir with a clean environment: the CNB
 * variables (CNB_LAYERS_DIR left out when !with_layers) plus extra. */
static void run_build(bool with_layers, const char *extra, struct run *r)
{
    char out_path[700], err_path[700];
    snprintf(out_path, sizeof out_path, "%s/build.out", dir);
    snprintf(err_path, sizeof err_path, "%s/build.err", dir);
    char e_layers[800], e_platform[800], e_bp[800];
    snprintf(e_layers, sizeof e_layers, "CNB_LAYERS_DIR=%s", ours);
    snprintf(e_platform, sizeof e_platform, "CNB_PLATFORM_DIR=%s", platform);
    snprintf(e_bp, sizeof e_bp, "CNB_BUILDPACK_DIR=%s", bpdir);
    char *envp[16];
    size_t n = 0;
    envp[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
    envp[n++] = e_platform;
    envp[n++] = e_bp;
    if (with_layers)
        envp[n++] = e_layers;
    if (extra != NULL)
        envp[n++] = (char *)extra;
    static const char *const passed[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    char passed_buf[3][1024];
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(passed[i]);
        if (v != NULL) {
            snprintf(passed_buf[i], sizeof passed_buf[i], "%s=%s", passed[i], v);
            envp[n++] = passed_buf[i];
        }
    }
    envp[n] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || chdir(appdir) != 0)
            _exit(126);
        char *argv[] = {BP_BUILD_EXE, NULL};
        execve(BP_BUILD_EXE, argv, envp);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->out = fixture_read(out_path);
    r->err = fixture_read(err_path);
}

static void assert_ok(const struct run *r)
{
    if (r->exit_code != 0 || r->err[0] != '\0')
        fail_msg("bin/build exited %d\nstdout:\n%s\nstderr:\n%s", r->exit_code, r->out, r->err);
}

/* Fails with one line on stderr that holds `want`. */
static void assert_failed_naming(const struct run *r, const char *want)
{
    if (r->exit_code == 0)
        fail_msg("bin/build succeeded; stdout:\n%s", r->out);
    size_t lines = 0;
    for (const char *p = r->err; *p; p++)
        lines += *p == '\n';
    if (lines != 1 || strstr(r->err, want) == NULL)
        fail_msg("want one stderr line naming %s, got:\n%s", want, r->err);
    assert_true(r->exit_code > 0);
}

static bool exists(const char *fmt, const char *a)
{
    char path[1024];
    snprintf(path, sizeof path, fmt, a);
    struct stat st;
    return lstat(path, &st) == 0;
}

static struct toml_value *parse(const char *fmt, const char *a)
{
    char path[1024];
    snprintf(path, sizeof path, fmt, a);
    struct bp_error err = {{0}};
    struct toml_value *doc = toml_parse_file(path, &err);
    if (doc == NULL)
        fail_msg("%s", err.message);
    return doc;
}

static const char *str(const struct toml_value *v)
{
    const char *s = NULL;
    if (!toml_get_string(v, &s))
        fail_msg("not a string");
    return s;
}

static bool boolean(const struct toml_value *v)
{
    bool b = false;
    if (!toml_get_bool(v, &b))
        fail_msg("not a bool");
    return b;
}

static const char *label(const struct toml_value *doc, const char *key)
{
    const struct toml_value *labels = toml_table_get(doc, "labels");
    for (size_t i = 0; i < toml_array_len(labels); i++)
        if (strcmp(str(toml_table_get(toml_array_at(labels, i), "key")), key) == 0)
            return str(toml_table_get(toml_array_at(labels, i), "value"));
    return NULL;
}

/* Runs the rewritten process as the launcher would (exec, no shell) with
 * extra env; returns its stdout and exit code. */
static char *run_process(const struct toml_value *proc, const char *extra_env, int *code)
{
    const struct toml_value *command = toml_table_get(proc, "command");
    const struct toml_value *args = toml_table_get(proc, "args");
    size_t n = toml_array_len(command) + toml_array_len(args);
    char **argv = calloc(n + 1, sizeof *argv);
    assert_non_null(argv);
    size_t k = 0;
    for (size_t i = 0; i < toml_array_len(command); i++)
        argv[k++] = (char *)str(toml_array_at(command, i));
    for (size_t i = 0; i < toml_array_len(args); i++)
        argv[k++] = (char *)str(toml_array_at(args, i));
    char out_path[700];
    snprintf(out_path, sizeof out_path, "%s/process.out", dir);
    char *envp[] = {"PATH=/usr/bin:/bin", (char *)extra_env, NULL};
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int devnull = open("/dev/null", O_WRONLY);
        if (out < 0 || devnull < 0 || dup2(out, 1) < 0 || dup2(devnull, 2) < 0 || chdir(appdir) != 0)
            _exit(126);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    free(argv);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return fixture_read(out_path);
}

/* ---- the debuggable Go app -------------------------------------------- */

static void test_go_app_becomes_debuggable(void **state)
{
    (void)state;
    struct run r;
    run_build(true, NULL, &r);
    assert_ok(&r);
    assert_non_null(strstr(r.out, "Debug Buildpack 0.1.0"));
    run_free(&r);

    struct toml_value *launch = parse("%s/launch.toml", ours);
    const struct toml_value *procs = toml_table_get(launch, "processes");
    assert_int_equal(toml_array_len(procs), 1);
    const struct toml_value *web = toml_array_at(procs, 0);
    assert_string_equal(str(toml_table_get(web, "type")), "web");
    assert_true(boolean(toml_table_get(web, "default")));
    const struct toml_value *command = toml_table_get(web, "command");
    size_t n = toml_array_len(command);
    assert_true(n >= 5);
    char want[1024];
    snprintf(want, sizeof want, "%s/debug-tools/wrap/dlv", ours);
    assert_string_equal(str(toml_array_at(command, 0)), want);
    assert_string_equal(str(toml_array_at(command, 1)), "exec");
    /* Skaffold's reading: dlv, --listen=HOST:PORT, then BIN -- ARGS. */
    assert_string_equal(str(toml_array_at(command, n - 3)), "--listen=0.0.0.0:56268");
    assert_string_equal(str(toml_array_at(command, n - 2)), server);
    assert_string_equal(str(toml_array_at(command, n - 1)), "--");
    const struct toml_value *args = toml_table_get(web, "args");
    assert_int_equal(toml_array_len(args), 2);
    assert_string_equal(str(toml_array_at(args, 0)), "--port");
    assert_string_equal(str(toml_array_at(args, 1)), "8080");

    /* Labels: the JSON config and the plain port label. */
    assert_string_equal(label(launch, "dev.cnbdebug.debug.port.web.dlv"), "56268");
    const char *config = label(launch, "dev.cnbdebug.debug.config");
    assert_non_null(config);
    json_error_t jerr;
    json_t *json = json_loads(config, 0, &jerr);
    assert_non_null(json);
    json_t *jweb = json_object_get(json, "web");
    assert_string_equal(json_string_value(json_object_get(jweb, "runtime")), "go");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(jweb, "ports"), "dlv")), 56268);
    assert_string_equal(json_string_value(json_object_get(jweb, "workingDir")), appdir);
    snprintf(want, sizeof want, "%s/debug-tools/dlv/dlv", ours);
    assert_string_equal(json_string_value(json_object_get(json_object_get(jweb, "tools"), "dlv")), want);
    assert_true(json_is_true(json_object_get(jweb, "managed")));
    /* "source" for IDE configs: the app dir, and the module and -trimpath
     * from the binary's build info (built above without -trimpath). */
    json_t *source = json_object_get(jweb, "source");
    assert_string_equal(json_string_value(json_object_get(source, "root")), appdir);
    assert_string_equal(json_string_value(json_object_get(source, "module")), "example.com/app");
    assert_true(json_is_false(json_object_get(source, "trimpath")));
    json_decref(json);

    /* The layer: launch-only, with metadata that names the dependency. */
    struct toml_value *layer = parse("%s/debug-tools.toml", ours);
    const struct toml_value *types = toml_table_get(layer, "types");
    assert_true(boolean(toml_table_get(types, "launch")));
    assert_false(boolean(toml_table_get(types, "build")));
    assert_false(boolean(toml_table_get(types, "cache")));
    const struct toml_value *deps = toml_table_get(toml_table_get(layer, "metadata"), "dependencies");
    assert_int_equal(toml_array_len(deps), 1);
    assert_string_equal(str(toml_table_get(toml_array_at(deps, 0), "id")), "dlv");
    assert_string_equal(str(toml_table_get(toml_array_at(deps, 0), "version")), "1.27.2");
    assert_string_equal(str(toml_table_get(toml_array_at(deps, 0), "sha256")), tarball_sha);
    toml_free(layer);

    char path[1024];
    snprintf(path, sizeof path, "%s/debug-tools/dlv/dlv", ours);
    char *text = fixture_read(path);
    assert_string_equal(text, dlv_script);
    free(text);
    assert_int_equal(access(path, X_OK), 0);
    /* The wrapper is the buildpack's debug-launch, byte for byte. */
    snprintf(path, sizeof path, "%s/debug-tools/wrap/debug-launch", ours);
    char a[65], b[65];
    assert_int_equal(sha256_file(path, a), 0);
    assert_int_equal(sha256_file(BP_LAUNCH_EXE, b), 0);
    assert_string_equal(a, b);

    /* The SBOM names Delve. */
    snprintf(path, sizeof path, "%s/debug-tools.sbom.cdx.json", ours);
    json = json_load_file(path, 0, &jerr);
    if (json == NULL)
        fail_msg("%s: %s", path, jerr.text);
    json_t *components = json_object_get(json, "components");
    assert_int_equal(json_array_size(components), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(components, 0), "version")),
                        "1.27.2");
    json_decref(json);

    /* Nothing else: no temp files, no bin/ on PATH for other processes. */
    const char *names[] = {"launch.toml", "debug-tools", "debug-tools.toml",
                           "debug-tools.sbom.cdx.json"};
    fixture_assert_dir_holds(ours, names, 4);
    assert_false(exists("%s/debug-tools/bin", ours));

    /* The rewritten command runs: the wrapper execs our fake dlv with the
     * debugger's argv, and BPL_DEBUG_ENABLED=false runs the bare app. */
    int code = -1;
    char *out = run_process(web, NULL, &code);
    assert_int_equal(code, 0);
    snprintf(want, sizeof want,
             "dlv exec --headless --continue --accept-multiclient --api-version=2 "
             "--only-same-user=false --listen=0.0.0.0:56268 %s -- --port 8080\n", server);
    assert_string_equal(out, want);
    free(out);
    out = run_process(web, "BPL_DEBUG_ENABLED=false", &code);
    assert_int_equal(code, 0);
    assert_string_equal(out, ""); /* the Go app prints nothing */
    free(out);
    toml_free(launch);
}

/* A rebuild with the same inputs reuses the layer without the tarball. */
static void test_second_run_reuses_the_layer(void **state)
{
    (void)state;
    struct run r;
    run_build(true, NULL, &r);
    assert_ok(&r);
    assert_null(strstr(r.out, "Reusing cached layer"));
    run_free(&r);
    char path[1024];
    snprintf(path, sizeof path, "%s/launch.toml", ours);
    char *first = fixture_read(path);
    struct stat before;
    snprintf(path, sizeof path, "%s/debug-tools/dlv/dlv", ours);
    assert_int_equal(stat(path, &before), 0);

    assert_int_equal(unlink(tarball), 0);
    run_build(true, NULL, &r);
    assert_ok(&r);
    assert_non_null(strstr(r.out, "Reusing cached layer"));
    assert_null(strstr(r.out, "Installing"));
    run_free(&r);
    struct stat after;
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);
    snprintf(path, sizeof path, "%s/launch.toml", ours);
    char *second = fixture_read(path);
    assert_string_equal(first, second);
    free(first);
    free(second);
    struct toml_value *layer = parse("%s/debug-tools.toml", ours);
    assert_true(boolean(toml_table_get(toml_table_get(layer, "types"), "launch")));
    toml_free(layer);
}

static void test_disabled_does_nothing(void **state)
{
    (void)state;
    const char *values[] = {"false", "0", NULL};
    for (size_t i = 0; i < 3; i++) {
        write_bp_debug(values[i]);
        struct run r;
        run_build(true, NULL, &r);
        assert_ok(&r);
        run_free(&r);
        fixture_assert_dir_holds(ours, NULL, 0);
    }
    /* The platform env file wins over the process env. */
    write_bp_debug("false");
    struct run r;
    run_build(true, "BP_DEBUG=true", &r);
    assert_ok(&r);
    run_free(&r);
    fixture_assert_dir_holds(ours, NULL, 0);
}

/* ---- bad input: one line naming the culprit, nothing written ----------- */

static void test_malformed_earlier_launch_toml(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/example_go/launch.toml", layers_root);
    fixture_write(path, "[[processes]]\ntype = \"web\"\ncommand = [\"/x\"\n", 0644);
    struct run r;
    run_build(true, NULL, &r);
    assert_failed_naming(&r, path);
    assert_non_null(strstr(r.err, "launch.toml:3:"));
    run_free(&r);
    fixture_assert_dir_holds(ours, NULL, 0);
}

/* Issue 12 item 8: the default process left without a debugger is a
 * WARNING naming it and why; BP_DEBUG_STRICT=true makes it fail the build. */
static void test_undebuggable_default_warns_or_fails(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/example_go/launch.toml", layers_root);
    fixture_write(path, "[[processes]]\ntype = \"web\"\ncommand = [\"bash\", \"-c\", \"./run.sh | tee log\"]\n"
                     "default = true\n", 0644);
    struct run r;
    run_build(true, NULL, &r);
    assert_ok(&r);
    const char *warning = strstr(r.out, "WARNING");
    if (warning == NULL || strstr(warning, "'web'") == NULL || strstr(warning, "a pipe |") == NULL)
        fail_msg("no WARNING naming the process and the pipe:\n%s", r.out);
    run_free(&r);

    snprintf(path, sizeof path, "%s/env/BP_DEBUG_STRICT", platform);
    fixture_write(path, "true", 0644);
    run_build(true, NULL, &r);
    assert_failed_naming(&r, "default process 'web' cannot be debugged");
    run_free(&r);
}

/* Issue 12 item 2: `bash -c "exec BIN --port $PORT"` runs under dlv with
 * $PORT kept as a word, and the layer tells the wrapper which word to
 * expand at launch (env.launch/web/CNB_DEBUG_EXPAND.override). */
static void test_shell_expansion_is_kept_for_launch(void **state)
{
    (void)state;
    char path[1024], text[2048];
    snprintf(path, sizeof path, "%s/example_go/launch.toml", layers_root);
    snprintf(text, sizeof text, "[[processes]]\ntype = \"web\"\ncommand = [\"bash\", \"-c\", "
             "\"exec %s --port \\\"$PORT\\\"\"]\ndefault = true\n", server);
    fixture_write(path, text, 0644);
    struct run r;
    run_build(true, NULL, &r);
    assert_ok(&r);
    assert_non_null(strstr(r.out, "parameter expansions are kept"));
    run_free(&r);
    struct toml_value *launch = parse("%s/launch.toml", ours);
    const struct toml_value *web = toml_array_at(toml_table_get(launch, "processes"), 0);
    const struct toml_value *command = toml_table_get(web, "command");
    size_t n = toml_array_len(command);
    assert_string_equal(str(toml_array_at(command, n - 1)), "\"$PORT\"");
    assert_string_equal(str(toml_array_at(command, n - 2)), "--port");
    assert_int_equal(toml_array_len(toml_table_get(web, "args")), 0);
    snprintf(path, sizeof path, "%s/debug-tools/env.launch/web/CNB_DEBUG_EXPAND.override", ours);
    char *marks = fixture_read(path);
    char want[32];
    snprintf(want, sizeof want, "%zu", n - 1);
    assert_string_equal(marks, want);
    free(marks);
    toml_free(launch);
}

/* Issue 14 item 2: on Kubernetes the wrapper listens on loopback unless a
 * bind was chosen on purpose; an explicit BP_DEBUG_BIND at build is such a
 * choice, and the layer must say so (env.launch/CNB_DEBUG_BIND_EXPLICIT). */
static void test_explicit_build_bind_is_recorded(void **state)
{
    (void)state;
    char path[1024];
    struct run r;
    run_build(true, NULL, &r);
    assert_ok(&r);
    run_free(&r);
    snprintf(path, sizeof path, "%s/debug-tools/env.launch/CNB_DEBUG_BIND_EXPLICIT.default", ours);
    assert_int_not_equal(access(path, F_OK), 0);

    char env_path[1024];
    snprintf(env_path, sizeof env_path, "%s/env/BP_DEBUG_BIND", platform);
    fixture_write(env_path, "0.0.0.0", 0644);
    run_build(true, NULL, &r);
    assert_ok(&r);
    run_free(&r);
    char *value = fixture_read(path);
    assert_string_equal(value, "true");
    free(value);
}

static void test_bad_bp_debug_value(void **state)
{
    (void)state;
    write_bp_debug("yes-please");
    struct run r;
    run_build(true, NULL, &r);
    assert_failed_naming(&r, "BP_DEBUG");
    assert_non_null(strstr(r.err, "yes-please"));
    run_free(&r);
    fixture_assert_dir_holds(ours, NULL, 0);
}

static void test_missing_layers_dir(void **state)
{
    (void)state;
    struct run r;
    run_build(false, NULL, &r);
    assert_failed_naming(&r, "CNB_LAYERS_DIR");
    run_free(&r);
    fixture_assert_dir_holds(ours, NULL, 0);
}

static void test_wrong_checksum_writes_nothing(void **state)
{
    (void)state;
    char wrong[65];
    memset(wrong, 'a', 64);
    wrong[64] = '\0';
    write_buildpack_toml(wrong);
    struct run r;
    run_build(true, NULL, &r);
    assert_failed_naming(&r, tarball);
    assert_non_null(strstr(r.err, "sha256"));
    run_free(&r);
    /* No layer dir, no layer toml, no launch.toml, no temp leftovers. */
    fixture_assert_dir_holds(ours, NULL, 0);
}

/* A failed rebuild keeps the layer of the previous successful run. */
static void test_wrong_checksum_keeps_previous_layer(void **state)
{
    (void)state;
    struct run r;
    run_build(true, NULL, &r);
    assert_ok(&r);
    run_free(&r);
    char toml_path[1024], launch_path[1024], dlv_path[1024];
    snprintf(toml_path, sizeof toml_path, "%s/debug-tools.toml", ours);
    snprintf(launch_path, sizeof launch_path, "%s/launch.toml", ours);
    snprintf(dlv_path, sizeof dlv_path, "%s/debug-tools/dlv/dlv", ours);
    char *toml_before = fixture_read(toml_path);
    char *launch_before = fixture_read(launch_path);

    char wrong[65];
    memset(wrong, 'b', 64);
    wrong[64] = '\0';
    write_buildpack_toml(wrong);
    run_build(true, NULL, &r);
    assert_failed_naming(&r, tarball);
    run_free(&r);

    char *toml_after = fixture_read(toml_path);
    char *launch_after = fixture_read(launch_path);
    char *dlv = fixture_read(dlv_path);
    assert_string_equal(toml_after, toml_before);
    assert_string_equal(launch_after, launch_before);
    assert_string_equal(dlv, dlv_script);
    free(toml_before);
    free(toml_after);
    free(launch_before);
    free(launch_after);
    free(dlv);
    const char *names[] = {"launch.toml", "debug-tools", "debug-tools.toml",
                           "debug-tools.sbom.cdx.json"};
    fixture_assert_dir_holds(ours, names, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_go_app_becomes_debuggable, setup),
        cmocka_unit_test_setup(test_second_run_reuses_the_layer, setup),
        cmocka_unit_test_setup(test_disabled_does_nothing, setup),
        cmocka_unit_test_setup(test_malformed_earlier_launch_toml, setup),
        cmocka_unit_test_setup(test_undebuggable_default_warns_or_fails, setup),
        cmocka_unit_test_setup(test_shell_expansion_is_kept_for_launch, setup),
        cmocka_unit_test_setup(test_explicit_build_bind_is_recorded, setup),
        cmocka_unit_test_setup(test_bad_bp_debug_value, setup),
        cmocka_unit_test_setup(test_missing_layers_dir, setup),
        cmocka_unit_test_setup(test_wrong_checksum_writes_nothing, setup),
        cmocka_unit_test_setup(test_wrong_checksum_keeps_previous_layer, setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
