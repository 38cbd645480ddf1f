/* debugtools: the reuse metadata of the debug-tools layer (every input
 * counts), and what populate puts in the layer: the launch wrapper and its
 * names, links to the real tools, the JVM's exec.d helper and defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "debugtools/debugtools.h"
#include "deps/deps.h"
#include "cnb/layer_contribute.h"
#include "toml/toml.h"
#include "support/fixture.h"

static char root[256];
static char launcher[512]; /* stands in for the buildpack's bin/debug-launch */
static char layers[512];   /* <root>/layers/cnbdebug_debug */
static char tool[512];     /* a single-file "debugger" for file:// installs */
static char tool_sha[65];
static struct deps_catalog catalog;

static void sha256_hex(const char *text, char hex[65])
{
    unsigned char digest[32];
    unsigned len = 0;
    EVP_Digest(text, strlen(text), digest, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

static const char tool_text[] = "#!/bin/sh\necho fake debugger\n";

/* The catalog: two dlv versions and a single-file tool whose bytes we know,
 * plus one entry whose checksum is wrong. */
static void load_catalog(void)
{
    char path[600], text[4096];
    snprintf(path, sizeof path, "%s/buildpack.toml", root);
    snprintf(text, sizeof text,
             "[buildpack]\nid = \"cnbdebug/debug\"\nversion = \"0.1.0\"\n"
             "[[metadata.dependencies]]\nid = \"dlv\"\nname = \"Delve\"\nversion = \"1.27.2\"\n"
             "uri = \"https://example.invalid/dlv-1.27.2.tar.gz\"\n"
             "checksum = \"sha256:%064d\"\n"
             "[[metadata.dependencies]]\nid = \"dlv\"\nname = \"Delve\"\nversion = \"1.25.2\"\n"
             "uri = \"https://example.invalid/dlv-1.25.2.tar.gz\"\n"
             "checksum = \"sha256:%064d\"\n"
             "[[metadata.dependencies]]\nid = \"fake\"\nname = \"Fake\"\nversion = \"1.0.0\"\n"
             "uri = \"file://%s\"\nchecksum = \"sha256:%s\"\n"
             "[[metadata.dependencies]]\nid = \"bad\"\nname = \"Bad\"\nversion = \"1.0.0\"\n"
             "uri = \"file://%s\"\nchecksum = \"sha256:%064d\"\n",
             1, 2, tool, tool_sha, tool, 3);
    fixture_write(path, text, 0644);
    struct bp_error err = {{0}};
    if (deps_catalog_load(path, &catalog, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(catalog.len, 4);
}

static int setup(void **state)
{
    (void)state;
    fixture_tempdir(root, sizeof root, "test_debugtools");
    snprintf(launcher, sizeof launcher, "%s/debug-launch", root);
    snprintf(layers, sizeof layers, "%s/layers/cnbdebug_debug", root);
    snprintf(tool, sizeof tool, "%s/fake-debugger", root);
    if (file_mkdirs(layers, NULL) != 0)
        return -1;
    /* 0644 on purpose: populate must make the copy executable. */
    fixture_write(launcher, "\x7f" "ELF pretend launcher v1\n", 0644);
    fixture_write(tool, tool_text, 0644);
    sha256_hex(tool_text, tool_sha);
    load_catalog();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    deps_catalog_free(&catalog);
    return file_remove_tree(root, NULL);
}

/* The shape bin/build makes for a Go web process and a JVM worker. */
static void make_layer(struct debugtools_layer *l)
{
    memset(l, 0, sizeof *l);
    l->launcher_path = launcher;
    struct bp_error err = {{0}};
    assert_int_equal(debugtools_add_tool(l, &catalog.items[0], "dlv", &err), 0);
    assert_int_equal(debugtools_add_wrapper(l, "dlv", &err), 0);
    assert_int_equal(debugtools_add_wrapper(l, "python", &err), 0);
    assert_int_equal(debugtools_add_link(l, "python", "/usr/bin/python3.11", &err), 0);
    assert_int_equal(debugtools_add_jdwp(l, "worker", "0.0.0.0", 5005, false, &err), 0);
}

static struct toml_value *metadata_of(const struct debugtools_layer *l)
{
    struct bp_error err = {{0}};
    struct toml_value *meta = debugtools_metadata(l, &err);
    if (meta == NULL)
        fail_msg("%s", err.message);
    return meta;
}

static void test_metadata_equal_for_equal_inputs(void **state)
{
    (void)state;
    struct debugtools_layer a, b;
    make_layer(&a);
    make_layer(&b);
    struct toml_value *ma = metadata_of(&a), *mb = metadata_of(&b);
    assert_true(cnb_layer_metadata_equal(ma, mb));
    struct bp_error err = {{0}};
    char *ta = toml_write(ma, &err), *tb = toml_write(mb, &err);
    assert_string_equal(ta, tb);
    /* What cnb_layer_contribute reads back from <layer>.toml still matches. */
    struct toml_value *parsed = toml_parse(ta, strlen(ta), "metadata", &err);
    assert_non_null(parsed);
    assert_true(cnb_layer_metadata_equal(parsed, ma));
    /* And it records the inputs by name. */
    int64_t layout = 0;
    assert_true(toml_get_integer(toml_table_get(ma, "layout"), &layout));
    assert_true(layout >= 1);
    const char *sha = NULL;
    assert_true(toml_get_string(toml_table_get(ma, "launcher-sha256"), &sha));
    char want_sha[65];
    sha256_hex("\x7f" "ELF pretend launcher v1\n", want_sha);
    assert_string_equal(sha, want_sha);
    assert_int_equal(toml_array_len(toml_table_get(ma, "wrappers")), 2);
    const char *target = NULL;
    assert_true(toml_get_string(toml_table_get(toml_table_get(ma, "links"), "python"), &target));
    assert_string_equal(target, "/usr/bin/python3.11");
    assert_int_equal(toml_array_len(toml_table_get(ma, "jdwp")), 1);
    assert_int_equal(toml_array_len(toml_table_get(ma, "dependencies")), 1);
    toml_free(parsed);
    free(ta);
    free(tb);
    toml_free(ma);
    toml_free(mb);
    debugtools_layer_free(&a);
    debugtools_layer_free(&b);
}

/* Each input changed alone must change the metadata, or an old layer
 * would be reused with the wrong content. */
static void test_metadata_changes_with_each_input(void **state)
{
    (void)state;
    struct debugtools_layer base;
    make_layer(&base);
    struct toml_value *want = metadata_of(&base);
    struct bp_error err = {{0}};
    const char *what[] = {"another dlv", "an extra tool", "an extra wrapper", "a link target",
                          "an extra link", "the jdwp port", "the jdwp bind", "jdwp suspend",
                          "the jdwp process", "an extra jdwp process", "no jdwp"};
    for (size_t i = 0; i < sizeof what / sizeof *what; i++) {
        struct debugtools_layer l;
        memset(&l, 0, sizeof l);
        l.launcher_path = launcher;
        assert_int_equal(debugtools_add_tool(&l, &catalog.items[i == 0 ? 1 : 0], "dlv", &err), 0);
        if (i == 1)
            assert_int_equal(debugtools_add_tool(&l, &catalog.items[2], "fake", &err), 0);
        assert_int_equal(debugtools_add_wrapper(&l, "dlv", &err), 0);
        assert_int_equal(debugtools_add_wrapper(&l, "python", &err), 0);
        if (i == 2)
            assert_int_equal(debugtools_add_wrapper(&l, "node", &err), 0);
        assert_int_equal(debugtools_add_link(&l, "python", i == 3 ? "/opt/python/bin/python3"
                                                                 : "/usr/bin/python3.11", &err), 0);
        if (i == 4)
            assert_int_equal(debugtools_add_link(&l, "node", "/usr/bin/node", &err), 0);
        if (i != 10)
            assert_int_equal(debugtools_add_jdwp(&l, i == 8 ? "web" : "worker",
                                                 i == 6 ? "127.0.0.1" : "0.0.0.0",
                                                 i == 5 ? 5006 : 5005, i == 7, &err), 0);
        if (i == 9)
            assert_int_equal(debugtools_add_jdwp(&l, "web", "0.0.0.0", 5005, false, &err), 0);
        struct toml_value *got = metadata_of(&l);
        if (cnb_layer_metadata_equal(got, want))
            fail_msg("metadata did not change with %s", what[i]);
        toml_free(got);
        debugtools_layer_free(&l);
    }

    /* The same launcher path with new bytes: a new wrapper must replace the layer. */
    fixture_write(launcher, "\x7f" "ELF pretend launcher v2\n", 0755);
    struct toml_value *got = metadata_of(&base);
    assert_false(cnb_layer_metadata_equal(got, want));
    toml_free(got);
    toml_free(want);
    debugtools_layer_free(&base);
}

static void test_metadata_names_missing_launcher(void **state)
{
    (void)state;
    struct debugtools_layer l;
    make_layer(&l);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/bin/debug-launch", root);
    l.launcher_path = missing;
    struct bp_error err = {{0}};
    assert_null(debugtools_metadata(&l, &err));
    assert_non_null(strstr(err.message, missing));
    debugtools_layer_free(&l);
}

static void test_adding_dedupes_and_conflicts(void **state)
{
    (void)state;
    struct debugtools_layer l;
    memset(&l, 0, sizeof l);
    struct bp_error err = {{0}};
    assert_int_equal(debugtools_add_tool(&l, &catalog.items[0], "dlv", &err), 0);
    assert_int_equal(debugtools_add_tool(&l, &catalog.items[0], "dlv", &err), 0);
    assert_int_equal(l.tools_len, 1);
    assert_int_equal(debugtools_add_wrapper(&l, "python", &err), 0);
    assert_int_equal(debugtools_add_wrapper(&l, "python", &err), 0);
    assert_int_equal(l.wrappers_len, 1);
    assert_int_equal(debugtools_add_link(&l, "python", "/usr/bin/python3.11", &err), 0);
    assert_int_equal(debugtools_add_link(&l, "python", "/usr/bin/python3.11", &err), 0);
    assert_int_equal(l.links_len, 1);

    /* Two processes wanting different real pythons behind one wrapper. */
    assert_int_equal(debugtools_add_link(&l, "python", "/layers/cpython/bin/python3.12", &err), -1);
    assert_non_null(strstr(err.message, "/usr/bin/python3.11"));
    assert_non_null(strstr(err.message, "/layers/cpython/bin/python3.12"));
    assert_non_null(strstr(err.message, "'python'"));
    assert_int_equal(l.links_len, 1);

    /* Bounded tables fail with a message, not an overflow. */
    char name[32];
    for (int i = 1; i < DEBUGTOOLS_MAX; i++) {
        snprintf(name, sizeof name, "w%d", i);
        assert_int_equal(debugtools_add_link(&l, name, "/bin/true", &err), 0);
    }
    assert_int_equal(debugtools_add_link(&l, "one-too-many", "/bin/true", &err), -1);
    assert_non_null(strstr(err.message, "too many"));
    for (int i = 0; i < DEBUGTOOLS_MAX; i++)
        assert_int_equal(debugtools_add_jdwp(&l, "t", "0.0.0.0", 5005, false, &err), 0);
    assert_int_equal(debugtools_add_jdwp(&l, "t", "0.0.0.0", 5005, false, &err), -1);
    debugtools_layer_free(&l);
    assert_int_equal(l.links_len, 0);
}

static void assert_link(const char *path, const char *target)
{
    char buf[1024];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0)
        fail_msg("%s is not a symlink", path);
    buf[n > 0 ? n : 0] = '\0'; /* GCC -O2 cannot see that fail_msg does not return */
    assert_string_equal(buf, target);
}

static void assert_file_text(const char *path, const char *text)
{
    char *data = NULL;
    struct bp_error err = {{0}};
    if (file_read_all(path, 1 << 20, &data, NULL, &err) != 0)
        fail_msg("%s", err.message);
    assert_string_equal(data, text);
    free(data);
}

static int contribute(struct debugtools_layer *l, enum cnb_layer_outcome *outcome, struct bp_error *err)
{
    /* Static: the layer keeps a pointer to it. */
    static struct deps_fetch_options fetch;
    fetch = (struct deps_fetch_options){.buildpack_dir = root, .platform_dir = root};
    l->fetch = &fetch;
    struct toml_value *meta = debugtools_metadata(l, err);
    if (meta == NULL)
        return -1;
    struct cnb_layer_request req = {.layers_dir = layers, .name = DEBUGTOOLS_LAYER, .launch = true,
                                .metadata = meta, .populate = debugtools_populate, .ctx = l};
    int rc = cnb_layer_contribute(&req, outcome, err);
    toml_free(meta);
    return rc;
}

/* No tools to install: the wrapper, its names, the real links and the JVM
 * helper, all resolving inside the layer where the lifecycle puts it. */
static void test_populate_without_dependencies(void **state)
{
    (void)state;
    struct debugtools_layer l;
    memset(&l, 0, sizeof l);
    l.launcher_path = launcher;
    struct bp_error err = {{0}};
    assert_int_equal(debugtools_add_wrapper(&l, "dlv", &err), 0);
    assert_int_equal(debugtools_add_wrapper(&l, "python", &err), 0);
    assert_int_equal(debugtools_add_link(&l, "python", "/usr/bin/python3.11", &err), 0);
    assert_int_equal(debugtools_add_jdwp(&l, "worker", "127.0.0.1", 5006, true, &err), 0);
    enum cnb_layer_outcome outcome;
    if (contribute(&l, &outcome, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(outcome, CNB_LAYER_CONTRIBUTED);

    char path[1024], dir[700];
    snprintf(dir, sizeof dir, "%s/%s", layers, DEBUGTOOLS_LAYER);
    snprintf(path, sizeof path, "%s/wrap/debug-launch", dir);
    struct stat st, launcher_st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0755);
    assert_file_text(path, "\x7f" "ELF pretend launcher v1\n");
    assert_int_equal(stat(launcher, &launcher_st), 0);
    assert_int_equal(st.st_size, launcher_st.st_size);

    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/wrap/%s", dir, i == 0 ? "dlv" : "python");
        assert_link(path, "debug-launch");
        struct stat via;
        assert_int_equal(stat(path, &via), 0);
        assert_int_equal(via.st_ino, st.st_ino);
    }
    snprintf(path, sizeof path, "%s/real/python", dir);
    assert_link(path, "/usr/bin/python3.11");

    /* exec.d/<type>/jdwp is the wrapper itself, reached relatively. */
    snprintf(path, sizeof path, "%s/exec.d/worker/jdwp", dir);
    struct stat helper;
    assert_int_equal(stat(path, &helper), 0);
    assert_int_equal(helper.st_ino, st.st_ino);
    snprintf(path, sizeof path, "%s/env.launch/worker/BPL_DEBUG_BIND_DEFAULT.default", dir);
    assert_file_text(path, "127.0.0.1");
    snprintf(path, sizeof path, "%s/env.launch/worker/BPL_DEBUG_PORT_DEFAULT.default", dir);
    assert_file_text(path, "5006");
    snprintf(path, sizeof path, "%s/env.launch/worker/BPL_DEBUG_SUSPEND_DEFAULT.default", dir);
    assert_file_text(path, "true");

    /* The lifecycle puts every launch layer's bin/ on PATH: no bin/ here. */
    snprintf(path, sizeof path, "%s/bin", dir);
    assert_false(file_exists(path));

    /* Same inputs: reused. New launcher bytes: rebuilt with them. */
    if (contribute(&l, &outcome, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(outcome, CNB_LAYER_REUSED);
    fixture_write(launcher, "\x7f" "ELF pretend launcher v2\n", 0644);
    if (contribute(&l, &outcome, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(outcome, CNB_LAYER_CONTRIBUTED);
    snprintf(path, sizeof path, "%s/wrap/debug-launch", dir);
    assert_file_text(path, "\x7f" "ELF pretend launcher v2\n");
    debugtools_layer_free(&l);
}

/* A layer with only wrappers has no real/ or exec.d/ at all. */
static void test_populate_only_what_is_asked(void **state)
{
    (void)state;
    struct debugtools_layer l;
    memset(&l, 0, sizeof l);
    l.launcher_path = launcher;
    struct bp_error err = {{0}};
    assert_int_equal(debugtools_add_wrapper(&l, "node", &err), 0);
    enum cnb_layer_outcome outcome;
    if (contribute(&l, &outcome, &err) != 0)
        fail_msg("%s", err.message);
    char path[1024];
    const char *absent[] = {"real", "exec.d", "env.launch", "wrap/dlv", "wrap/python", "node"};
    for (size_t i = 0; i < sizeof absent / sizeof *absent; i++) {
        snprintf(path, sizeof path, "%s/%s/%s", layers, DEBUGTOOLS_LAYER, absent[i]);
        struct stat st;
        if (lstat(path, &st) == 0)
            fail_msg("%s exists", path);
    }
    snprintf(path, sizeof path, "%s/%s/wrap/node", layers, DEBUGTOOLS_LAYER);
    assert_link(path, "debug-launch");
    debugtools_layer_free(&l);
}

/* A package-manager wrapper needs the node preload in node/preload.js, the
 * bytes of src/debugtools/node-preload.js; an explicit build-time bind is
 * recorded for the wrapper (it then wins over the Kubernetes default). */
static void test_populate_pm_preload_and_bind(void **state)
{
    (void)state;
    struct debugtools_layer l;
    memset(&l, 0, sizeof l);
    l.launcher_path = launcher;
    l.bind_explicit = true;
    struct bp_error err = {{0}};
    assert_int_equal(debugtools_add_wrapper(&l, "run", &err), 0);
    assert_int_equal(debugtools_add_wrapper(&l, "pnpm", &err), 0);
    enum cnb_layer_outcome outcome;
    if (contribute(&l, &outcome, &err) != 0)
        fail_msg("%s", err.message);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/wrap/pnpm", layers, DEBUGTOOLS_LAYER);
    assert_link(path, "debug-launch");
    snprintf(path, sizeof path, "%s/%s/wrap/run", layers, DEBUGTOOLS_LAYER);
    assert_link(path, "debug-launch");
    char *want = NULL, *got = NULL;
    size_t want_len = 0, got_len = 0;
    assert_int_equal(file_read_all(BP_SOURCE_DIR "/src/debugtools/node-preload.js", 1 << 20, &want,
                                   &want_len, &err), 0);
    snprintf(path, sizeof path, "%s/%s/node/preload.js", layers, DEBUGTOOLS_LAYER);
    assert_int_equal(file_read_all(path, 1 << 20, &got, &got_len, &err), 0);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    free(want);
    free(got);
    snprintf(path, sizeof path, "%s/%s/env.launch/CNB_DEBUG_BIND_EXPLICIT.default", layers,
             DEBUGTOOLS_LAYER);
    assert_file_text(path, "true");
    debugtools_layer_free(&l);

    /* the marks of the words the wrapper expands, for one process */
    memset(&l, 0, sizeof l);
    l.launcher_path = launcher;
    assert_int_equal(debugtools_add_wrapper(&l, "run", &err), 0);
    assert_int_equal(debugtools_add_launch_env(&l, "web", "CNB_DEBUG_EXPAND", "2,5", &err), 0);
    assert_int_equal(debugtools_add_launch_env(&l, "../x", "CNB_DEBUG_EXPAND", "1", &err), -1);
    if (contribute(&l, &outcome, &err) != 0)
        fail_msg("%s", err.message);
    snprintf(path, sizeof path, "%s/%s/env.launch/web/CNB_DEBUG_EXPAND.override", layers,
             DEBUGTOOLS_LAYER);
    assert_file_text(path, "2,5");
    debugtools_layer_free(&l);
}

/* A tool from a file:// URI lands in its own directory; a bad checksum
 * fails the contribution, names the source, and keeps the old layer. */
static void test_populate_installs_tools(void **state)
{
    (void)state;
    struct debugtools_layer l;
    memset(&l, 0, sizeof l);
    l.launcher_path = launcher;
    struct bp_error err = {{0}};
    assert_int_equal(debugtools_add_tool(&l, &catalog.items[2], "fake", &err), 0);
    assert_int_equal(debugtools_add_wrapper(&l, "dlv", &err), 0);
    enum cnb_layer_outcome outcome;
    if (contribute(&l, &outcome, &err) != 0)
        fail_msg("%s", err.message);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/fake/fake-debugger", layers, DEBUGTOOLS_LAYER);
    assert_file_text(path, tool_text);
    assert_int_equal(access(path, X_OK), 0);
    debugtools_layer_free(&l);

    memset(&l, 0, sizeof l);
    l.launcher_path = launcher;
    assert_int_equal(debugtools_add_tool(&l, &catalog.items[3], "bad", &err), 0);
    assert_int_equal(debugtools_add_wrapper(&l, "dlv", &err), 0);
    assert_int_equal(contribute(&l, &outcome, &err), -1);
    assert_non_null(strstr(err.message, tool));
    assert_non_null(strstr(err.message, "sha256"));
    /* The earlier layer is intact; nothing half-made is left beside it. */
    assert_file_text(path, tool_text);
    snprintf(path, sizeof path, "%s/%s/bad", layers, DEBUGTOOLS_LAYER);
    assert_false(file_exists(path));
    snprintf(path, sizeof path, "%s/%s.tmp.%ld", layers, DEBUGTOOLS_LAYER, (long)getpid());
    assert_false(file_exists(path));
    debugtools_layer_free(&l);
}

/* Choosing tools from the shared test catalog (dlv windows from FACTS.md):
 * the dlv that fits the Go, else the newest with the version check off
 * (which the runtime plan learns from debugtools_dlv_supports); the Python
 * debugger; and the wrappers each plan needs, nodemon included. */
static void test_choosing_tools_for_plans(void **state)
{
    (void)state;
    struct deps_catalog cat;
    struct bp_error err = {{0}};
    if (deps_catalog_load(BP_TEST_DATA "/deps/catalog.toml", &cat, &err) != 0)
        fail_msg("%s", err.message);
    struct debugtools_choice c = {.catalog = &cat, .os = "linux", .arch = "amd64", .distro = "ubuntu"};
    assert_true(debugtools_dlv_supports("go1.26.8", &c));
    assert_true(debugtools_dlv_supports("go1.23.4", &c));
    assert_false(debugtools_dlv_supports("go1.30.1", &c));
    assert_string_equal(debugtools_python_debugger("3.11.7", &c), "debugpy");

    const struct {
        const char *go;
        const char *dlv;
    } go[] = {{"go1.26.8", "1.27.2"}, {"go1.23.4", "1.25.2"}, {"go1.30.1", "1.27.2"}};
    for (size_t i = 0; i < sizeof go / sizeof *go; i++) {
        struct debugtools_layer l = {0};
        struct runtime_plan plan = {.needs = NEED_DLV, .runtime_version = (char *)go[i].go};
        assert_int_equal(debugtools_add_plan(&l, &c, &plan, "web", "0.0.0.0", &err), 0);
        assert_int_equal(l.tools_len, 1);
        assert_string_equal(l.tools[0].dep->version, go[i].dlv);
        assert_string_equal(l.tools[0].dir, "dlv");
        assert_int_equal(l.wrappers_len, 1);
        assert_string_equal(l.wrappers[0], "dlv");
        debugtools_layer_free(&l);
    }

    /* Python version unknown (issue 12): the debugpy with the widest range
     * that has no upper bound (this catalog's 1.5.1: ==2.7.* || >=3.5),
     * never the newest (>=3.10), which is known not to support older ones. */
    assert_string_equal(debugtools_python_debugger(NULL, &c), "debugpy");
    {
        struct debugtools_layer l = {0};
        struct runtime_plan py = {.needs = NEED_DEBUGPY};
        assert_int_equal(debugtools_add_plan(&l, &c, &py, "web", "0.0.0.0", &err), 0);
        assert_int_equal(l.tools_len, 1);
        assert_string_equal(l.tools[0].dep->version, "1.5.1");
        debugtools_layer_free(&l);
    }
    /* yarn/pnpm/npx and the generic wrapper */
    {
        struct debugtools_layer l = {0};
        struct runtime_plan pm = {.needs = NEED_PM | NEED_RUN, .links_len = 1,
                                  .links = {{"pnpm", "/layers/node/bin/pnpm"}}};
        assert_int_equal(debugtools_add_plan(&l, &c, &pm, "web", "0.0.0.0", &err), 0);
        assert_int_equal(l.wrappers_len, 2);
        assert_string_equal(l.wrappers[0], "pnpm");
        assert_string_equal(l.wrappers[1], "run");
        debugtools_layer_free(&l);
    }

    struct debugtools_layer l = {0};
    struct runtime_plan nodemon = {.needs = NEED_NODE, .links_len = 1,
                                   .links = {{"nodemon", "/layers/node/bin/nodemon"}}};
    struct runtime_plan jvm = {.needs = NEED_JDWP, .port = 5005, .wait = true};
    assert_int_equal(debugtools_add_plan(&l, &c, &nodemon, "web", "0.0.0.0", &err), 0);
    assert_int_equal(debugtools_add_plan(&l, &c, &jvm, "worker", "::", &err), 0);
    assert_int_equal(l.tools_len, 0);
    assert_int_equal(l.wrappers_len, 1);
    assert_string_equal(l.wrappers[0], "nodemon");
    assert_string_equal(l.links[0].name, "nodemon");
    assert_int_equal(l.jdwp_len, 1);
    assert_string_equal(l.jdwp[0].process_type, "worker");
    assert_string_equal(l.jdwp[0].bind, "::");
    assert_true(l.jdwp[0].suspend);
    debugtools_layer_free(&l);
    deps_catalog_free(&cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choosing_tools_for_plans),
        cmocka_unit_test_setup_teardown(test_metadata_equal_for_equal_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_changes_with_each_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_names_missing_launcher, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adding_dedupes_and_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_populate_without_dependencies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_populate_only_what_is_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_populate_installs_tools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_populate_pm_preload_and_bind, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
