/* deps sources: mirrors (env and bindings, {originalHost}, skip-path),
 * dependency-mapping bindings, ca-certificates bindings, URL redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "support/fixture.h"
#include "deps/internal.h"

static char root[256];

static struct deps_fetch_options options(const char *const *env)
{
    struct deps_fetch_options o = {0};
    o.getenv_fn = fixture_getenv; /* env: "NAME=value" pairs, NULL-terminated */
    o.getenv_ctx = (void *)env;
    o.platform_dir = root;
    return o;
}

static void put_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(file_mkdirs(dir, NULL), 0);
    assert_int_equal(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
}

static int setup(void **state)
{
    (void)state;
    fixture_tempdir(root, sizeof root, "test_deps_source");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return file_remove_tree(root, NULL);
}

static char *mirror(const char *const *env, const char *uri)
{
    struct deps_fetch_options o = options(env);
    char *bindings = deps_bindings_root(&o);
    char *out = NULL;
    struct bp_error err = {{0}};
    if (deps_mirror_uri(&o, bindings, uri, &out, &err) != 0)
        fail_msg("%s", err.message);
    free(bindings);
    return out;
}

static void expect_mirror(const char *const *env, const char *uri, const char *want)
{
    char *got = mirror(env, uri);
    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_mirror_env(void **state)
{
    (void)state;
    const char *uri = "https://github.com/cnbdebug/debug-buildpack/releases/download/deps/dlv.tgz?x=1";
    expect_mirror((const char *const[]){NULL}, uri, NULL);
    /* The default mirror replaces scheme and host, keeps path and query. */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR=https://mirror.test", NULL}, uri,
                  "https://mirror.test/cnbdebug/debug-buildpack/releases/download/deps/dlv.tgz?x=1");
    /* {originalHost} and a path prefix; a trailing '/' does not double. */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR=https://u:p@mirror.test:8443/cache/{originalHost}/", NULL},
                  "https://github.com/a/b.tgz", "https://u:p@mirror.test:8443/cache/github.com/a/b.tgz");
    /* Host-specific beats the default; dots and dashes are '_' or '__'. */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR=https://default.test",
                                        "BP_DEPENDENCY_MIRROR_GITHUB_COM=http://gh.test/m", NULL},
                  "https://github.com/a/b.tgz", "http://gh.test/m/a/b.tgz");
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR_MY_HOST_EXAMPLE_COM=https://one.test", NULL},
                  "https://my-host.example.com/f.zip", "https://one.test/f.zip");
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR_MY__HOST_EXAMPLE_COM=https://two.test", NULL},
                  "https://my-host.example.com/f.zip", "https://two.test/f.zip");
    /* Another host's mirror does not apply. */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR_GITLAB_COM=https://gl.test", NULL},
                  "https://github.com/a/b.tgz", NULL);
    /* skip-path drops a part of the original path; args are %-decoded. */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR=mirror=https://m.test/x,skip-path=/cnbdebug%2Fdebug-buildpack", NULL},
                  "https://github.com/cnbdebug/debug-buildpack/releases/f.tgz", "https://m.test/x/releases/f.tgz");
    /* A file:// mirror works for an offline directory tree. */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR=file:///srv/mirror/{originalHost}", NULL},
                  "https://github.com/a/b.tgz", "file:///srv/mirror/github.com/a/b.tgz");
    /* file:// URIs are never mirrored. */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR=https://m.test", NULL}, "file:///x/y.tgz", NULL);
    /* The port of the original is not part of the host name. */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR_127_0_0_1=http://m.test", NULL},
                  "http://127.0.0.1:8080/a.tgz", "http://m.test/a.tgz");
}

static void test_mirror_errors(void **state)
{
    (void)state;
    struct deps_fetch_options o = options((const char *const[]){"BP_DEPENDENCY_MIRROR=ftp://user:secret@m.test", NULL});
    char *out = NULL;
    struct bp_error err = {{0}};
    assert_int_equal(deps_mirror_uri(&o, NULL, "https://github.com/a", &out, &err), -1);
    assert_null(out);
    assert_non_null(strstr(err.message, "dependency mirror"));
    assert_null(strstr(err.message, "secret"));
}

static void test_mirror_binding(void **state)
{
    (void)state;
    put_file("bindings/mirrors/type", "Dependency-Mirror\n");
    put_file("bindings/mirrors/default", "https://binding-default.test\n");
    put_file("bindings/mirrors/github.com", "https://binding-gh.test/{originalHost}");
    expect_mirror((const char *const[]){NULL}, "https://github.com/a.tgz", "https://binding-gh.test/github.com/a.tgz");
    expect_mirror((const char *const[]){NULL}, "https://example.org/a.tgz", "https://binding-default.test/a.tgz");
    /* The environment beats a binding for the same host. */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR_GITHUB_COM=https://env.test", NULL},
                  "https://github.com/a.tgz", "https://env.test/a.tgz");
    /* A host-specific binding beats the default env mirror (Paketo). */
    expect_mirror((const char *const[]){"BP_DEPENDENCY_MIRROR=https://env-default.test", NULL},
                  "https://github.com/a.tgz", "https://binding-gh.test/github.com/a.tgz");
    /* SERVICE_BINDING_ROOT moves the bindings away from <platform>/bindings. */
    char other[300];
    snprintf(other, sizeof other, "SERVICE_BINDING_ROOT=%s/elsewhere", root);
    expect_mirror((const char *const[]){other, NULL}, "https://github.com/a.tgz", NULL);
    assert_int_equal(file_remove_tree(root, NULL), 0);
    assert_int_equal(mkdir(root, 0700), 0);
}

static void test_mapping_binding(void **state)
{
    (void)state;
    const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char bindings[300];
    snprintf(bindings, sizeof bindings, "%s/bindings", root);
    char *out = (char *)1;
    struct bp_error err = {{0}};
    /* No bindings directory at all. */
    assert_int_equal(deps_mapping_uri(bindings, sha, &out, &err), 0);
    assert_null(out);

    put_file("bindings/other/type", "ca-certificates");
    put_file("bindings/other/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ignored");
    put_file("bindings/map/type", "dependency-mapping");
    put_file("bindings/map/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
             "  file:///offline/dlv.tgz \n");
    put_file("bindings/.hidden/type", "dependency-mapping");
    assert_int_equal(deps_mapping_uri(bindings, sha, &out, &err), 0);
    assert_non_null(out);
    assert_string_equal(out, "file:///offline/dlv.tgz");
    free(out);
    assert_int_equal(deps_mapping_uri(bindings, "ffff", &out, &err), 0);
    assert_null(out);

    /* Two bindings mapping one digest: ambiguous, named. */
    put_file("bindings/map2/type", "dependency-mapping");
    put_file("bindings/map2/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "https://x.test/y");
    assert_int_equal(deps_mapping_uri(bindings, sha, &out, &err), -1);
    assert_non_null(strstr(err.message, "map"));
    assert_non_null(strstr(err.message, "map2"));
    assert_int_equal(file_remove_tree(root, NULL), 0);
    assert_int_equal(mkdir(root, 0700), 0);
}

static void test_ca_binding(void **state)
{
    (void)state;
    const char *pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    put_file("bindings/ca/type", "ca-certificates");
    put_file("bindings/ca/corp.pem", pem);
    put_file("bindings/ca/second.crt", pem);
    put_file("bindings/ca/provider", "paketo");
    char bindings[300];
    snprintf(bindings, sizeof bindings, "%s/bindings", root);
    struct strbuf sb = STRBUF_INIT;
    int count = 0;
    struct bp_error err = {{0}};
    assert_int_equal(deps_binding_ca_certs(bindings, &sb, &count, &err), 0);
    assert_int_equal(count, 2);
    assert_non_null(strstr(sb.data, "MIIB"));
    strbuf_free(&sb);

    put_file("bindings/ca/not-a-cert", "hello");
    assert_int_equal(deps_binding_ca_certs(bindings, &sb, &count, &err), -1);
    assert_non_null(strstr(err.message, "bindings/ca/not-a-cert"));
    strbuf_free(&sb);
    assert_int_equal(file_remove_tree(root, NULL), 0);
    assert_int_equal(mkdir(root, 0700), 0);
}

static void test_redact(void **state)
{
    (void)state;
    char out[256];
    deps_redact_url("https://user:pa@ss@host.test:1/p?q", out, sizeof out);
    assert_string_equal(out, "https://***@host.test:1/p?q");
    deps_redact_url("https://host.test/p", out, sizeof out);
    assert_string_equal(out, "https://host.test/p");
    deps_redact_url("/local/path", out, sizeof out);
    assert_string_equal(out, "/local/path");
}

static void test_bindings_root(void **state)
{
    (void)state;
    struct deps_fetch_options o = options((const char *const[]){NULL});
    char *r = deps_bindings_root(&o);
    char want[300];
    snprintf(want, sizeof want, "%s/bindings", root);
    assert_string_equal(r, want);
    free(r);
    o = options((const char *const[]){"CNB_BINDINGS=/cnb", NULL});
    r = deps_bindings_root(&o);
    assert_string_equal(r, "/cnb");
    free(r);
    o = options((const char *const[]){"CNB_BINDINGS=/cnb", "SERVICE_BINDING_ROOT=/sbr", NULL});
    r = deps_bindings_root(&o);
    assert_string_equal(r, "/sbr");
    free(r);
    o.platform_dir = NULL;
    o = options((const char *const[]){NULL});
    o.platform_dir = NULL;
    assert_null(deps_bindings_root(&o));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mirror_env),
        cmocka_unit_test(test_mirror_errors),
        cmocka_unit_test(test_mirror_binding),
        cmocka_unit_test(test_mapping_binding),
        cmocka_unit_test(test_ca_binding),
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_bindings_root),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
