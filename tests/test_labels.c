/* labels: the JSON config label (parsed back with jansson) and the plain
 * per-port labels, as they land in launch.toml. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "labels/labels.h"
#include "toml/toml.h"

static const struct labels_process go_web = {
    .type = "web", .runtime = "go", .protocol = "dlv", .port = 56268, .bind = "0.0.0.0",
    .working_dir = "/workspace", .tool_path = "/layers/cnbdebug_debug/debug-tools/dlv/dlv",
    .runtime_version = "go1.26.8", .wait = false, .managed = true,
    .go_module = "example.com/app", .go_trimpath = true};

static const struct labels_process dotnet_worker = {
    .type = "worker", .runtime = "netcore", .protocol = NULL, .port = 0, .bind = "0.0.0.0",
    .working_dir = "/workspace/bin", .tool_path = "/layers/cnbdebug_debug/debug-tools/vsdbg/vsdbg",
    .runtime_version = "8.0.1", .wait = false, .managed = true};

/* Parses the config JSON of n processes; the caller decrefs. */
static json_t *config_of(const struct labels_process *procs, size_t n)
{
    char *text = labels_config_json(procs, n, NULL);
    assert_non_null(text);
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        fail_msg("not JSON (%s): %s", jerr.text, text);
    free(text);
    assert_true(json_is_object(root));
    return root;
}

static const char *string_at(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" is not a string", key);
    return json_string_value(v);
}

static void test_go_process_shape(void **state)
{
    (void)state;
    json_t *root = config_of(&go_web, 1);
    assert_int_equal(json_object_size(root), 1);
    json_t *web = json_object_get(root, "web");
    assert_true(json_is_object(web));
    assert_string_equal(string_at(web, "runtime"), "go");
    json_t *ports = json_object_get(web, "ports");
    assert_true(json_is_object(ports));
    assert_int_equal(json_object_size(ports), 1);
    assert_true(json_is_integer(json_object_get(ports, "dlv")));
    assert_int_equal(json_integer_value(json_object_get(ports, "dlv")), 56268);
    assert_string_equal(string_at(web, "workingDir"), "/workspace");
    assert_string_equal(string_at(web, "bind"), "0.0.0.0");
    json_t *tools = json_object_get(web, "tools");
    assert_true(json_is_object(tools));
    assert_string_equal(string_at(tools, "dlv"), "/layers/cnbdebug_debug/debug-tools/dlv/dlv");
    assert_true(json_is_false(json_object_get(web, "wait")));
    assert_true(json_is_true(json_object_get(web, "managed")));
    assert_string_equal(string_at(web, "runtimeVersion"), "go1.26.8");
    /* For IDE configs: where the sources are, and how Go recorded them. */
    json_t *source = json_object_get(web, "source");
    assert_true(json_is_object(source));
    assert_string_equal(string_at(source, "root"), "/workspace");
    assert_string_equal(string_at(source, "module"), "example.com/app");
    assert_true(json_is_true(json_object_get(source, "trimpath")));
    assert_int_equal(json_object_size(source), 3);
    /* Nothing beyond the documented keys. */
    assert_int_equal(json_object_size(web), 9);
    json_decref(root);
}

/* vsdbg opens no port: an empty ports object, no bind, the tool still named. */
static void test_vsdbg_process_has_no_port(void **state)
{
    (void)state;
    json_t *root = config_of(&dotnet_worker, 1);
    json_t *worker = json_object_get(root, "worker");
    assert_string_equal(string_at(worker, "runtime"), "netcore");
    json_t *ports = json_object_get(worker, "ports");
    assert_true(json_is_object(ports));
    assert_int_equal(json_object_size(ports), 0);
    assert_null(json_object_get(worker, "bind"));
    assert_string_equal(string_at(json_object_get(worker, "tools"), "vsdbg"),
                        "/layers/cnbdebug_debug/debug-tools/vsdbg/vsdbg");
    assert_string_equal(string_at(worker, "workingDir"), "/workspace/bin");
    json_decref(root);
}

/* A process already under its debugger: unmanaged, no tool, no bind of ours,
 * and optional fields left out rather than null. */
static void test_unmanaged_process_and_optional_fields(void **state)
{
    (void)state;
    struct labels_process p = {.type = "debug", .runtime = "nodejs", .protocol = "devtools",
                               .port = 9230, .bind = NULL, .wait = true, .managed = false};
    json_t *root = config_of(&p, 1);
    json_t *debug = json_object_get(root, "debug");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(debug, "ports"), "devtools")),
                     9230);
    assert_true(json_is_false(json_object_get(debug, "managed")));
    assert_true(json_is_true(json_object_get(debug, "wait")));
    assert_null(json_object_get(debug, "bind"));
    assert_null(json_object_get(debug, "workingDir"));
    assert_null(json_object_get(debug, "runtimeVersion"));
    assert_int_equal(json_object_size(json_object_get(debug, "tools")), 0);
    json_decref(root);
}

/* "source" for every runtime: the working dir made absolute against the app
 * dir (the app dir itself when the process names none); module and trimpath
 * only where a Go build info said them. */
static void test_source_root_for_every_runtime(void **state)
{
    (void)state;
    struct labels_process procs[3] = {
        {.type = "py", .runtime = "python", .protocol = "dap", .port = 5678, .working_dir = "src",
         .app_dir = "/workspace", .managed = true},
        {.type = "node", .runtime = "nodejs", .protocol = "devtools", .port = 9229,
         .app_dir = "/workspace", .managed = true},
        {.type = "go", .runtime = "go", .protocol = "dlv", .port = 56268, .working_dir = "/srv",
         .app_dir = "/workspace", .go_module = "example.com/x", .go_trimpath = false}};
    json_t *root = config_of(procs, 3);
    json_t *py = json_object_get(json_object_get(root, "py"), "source");
    assert_string_equal(string_at(py, "root"), "/workspace/src");
    assert_int_equal(json_object_size(py), 1);
    json_t *node = json_object_get(json_object_get(root, "node"), "source");
    assert_string_equal(string_at(node, "root"), "/workspace");
    json_t *go = json_object_get(json_object_get(root, "go"), "source");
    assert_string_equal(string_at(go, "root"), "/srv");
    assert_string_equal(string_at(go, "module"), "example.com/x");
    assert_true(json_is_false(json_object_get(go, "trimpath")));
    json_decref(root);
}

/* A port outside 1..65535 never becomes a label (issue 13: atoi gave 70000
 * and 1215752191), and a string JSON cannot hold is an error, not a gap. */
static void test_bad_ports_and_bad_text(void **state)
{
    (void)state;
    struct labels_process p = {.type = "web", .runtime = "go", .protocol = "dlv", .port = 70000,
                               .managed = false};
    json_t *root = config_of(&p, 1);
    assert_int_equal(json_object_size(json_object_get(json_object_get(root, "web"), "ports")), 0);
    json_decref(root);
    struct cnb_launch launch = {0};
    struct bp_error err = {{0}};
    assert_int_equal(labels_add(&launch, &p, 1, &err), 0);
    assert_int_equal(launch.labels_len, 1);
    cnb_launch_free(&launch);

    p.port = 56268;
    p.working_dir = "/w/\xff";
    assert_null(labels_config_json(&p, 1, &err));
    assert_non_null(strstr(err.message, "workingDir"));
    assert_non_null(strstr(err.message, "'web'"));
    assert_int_equal(labels_add(&launch, &p, 1, &err), -1);
    cnb_launch_free(&launch);
}

static void test_several_processes_and_escaping(void **state)
{
    (void)state;
    struct labels_process procs[3] = {go_web, dotnet_worker,
                                      {.type = "py", .runtime = "python", .protocol = "dap",
                                       .port = 5678, .bind = "::", .managed = true,
                                       .working_dir = "/w/\"quoted\" \\ dir \xc3\xa9\n"}};
    json_t *root = config_of(procs, 3);
    assert_int_equal(json_object_size(root), 3);
    assert_non_null(json_object_get(root, "web"));
    assert_non_null(json_object_get(root, "worker"));
    json_t *py = json_object_get(root, "py");
    assert_string_equal(string_at(py, "workingDir"), "/w/\"quoted\" \\ dir \xc3\xa9\n");
    assert_string_equal(string_at(py, "bind"), "::");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(py, "ports"), "dap")), 5678);
    json_decref(root);

    /* The text is stable: sorted keys, so equal inputs give equal labels. */
    char *a = labels_config_json(procs, 3, NULL);
    char *b = labels_config_json(procs, 3, NULL);
    assert_string_equal(a, b);
    /* One line: a label value, the newline in workingDir escaped. */
    assert_null(strchr(a, '\n'));
    free(a);
    free(b);

    /* No processes: an empty object. */
    char *empty = labels_config_json(NULL, 0, NULL);
    assert_string_equal(empty, "{}");
    free(empty);
}

static const char *label_value(const struct cnb_launch *launch, const char *key)
{
    for (size_t i = 0; i < launch->labels_len; i++)
        if (strcmp(launch->labels[i].key, key) == 0)
            return launch->labels[i].value;
    return NULL;
}

/* The config label plus one plain label per port; none for vsdbg. */
static void test_labels_add(void **state)
{
    (void)state;
    struct labels_process procs[3] = {go_web, dotnet_worker,
                                      {.type = "jvm-web", .runtime = "jvm", .protocol = "jdwp",
                                       .port = 5005, .bind = "0.0.0.0", .managed = true}};
    struct cnb_launch launch = {0};
    struct bp_error err = {{0}};
    assert_int_equal(labels_add(&launch, procs, 3, &err), 0);
    assert_int_equal(launch.labels_len, 3);
    const char *config = label_value(&launch, LABELS_CONFIG_KEY);
    assert_non_null(config);
    assert_string_equal(LABELS_CONFIG_KEY, "dev.cnbdebug.debug.config");
    char *want = labels_config_json(procs, 3, NULL);
    assert_string_equal(config, want);
    free(want);
    assert_string_equal(label_value(&launch, "dev.cnbdebug.debug.port.web.dlv"), "56268");
    assert_string_equal(label_value(&launch, "dev.cnbdebug.debug.port.jvm-web.jdwp"), "5005");
    for (size_t i = 0; i < launch.labels_len; i++)
        assert_null(strstr(launch.labels[i].key, "worker"));

    /* And they reach launch.toml as [[labels]] key/value. */
    char dir[] = "/tmp/test_labels.XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(cnb_launch_write(dir, &launch, &err), 0);
    char path[300];
    snprintf(path, sizeof path, "%s/launch.toml", dir);
    struct toml_value *doc = toml_parse_file(path, &err);
    assert_non_null(doc);
    const struct toml_value *labels = toml_table_get(doc, "labels");
    assert_int_equal(toml_array_len(labels), 3);
    const char *key = NULL, *value = NULL;
    assert_true(toml_get_string(toml_table_get(toml_array_at(labels, 0), "key"), &key));
    assert_true(toml_get_string(toml_table_get(toml_array_at(labels, 0), "value"), &value));
    assert_string_equal(key, LABELS_CONFIG_KEY);
    assert_string_equal(value, config);
    toml_free(doc);
    cnb_launch_free(&launch);
    assert_int_equal(file_remove_tree(dir, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_process_shape),
        cmocka_unit_test(test_vsdbg_process_has_no_port),
        cmocka_unit_test(test_unmanaged_process_and_optional_fields),
        cmocka_unit_test(test_source_root_for_every_runtime),
        cmocka_unit_test(test_bad_ports_and_bad_text),
        cmocka_unit_test(test_several_processes_and_escaping),
        cmocka_unit_test(test_labels_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
