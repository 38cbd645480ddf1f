/* elf: Go version strings, module info text and its quoting, what -gcflags
 * means for the main package, and synthetic ELF images for the layouts no
 * installed Go produces any more (pre-1.18 pointer format, .zdebug_info). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/buildinfo.h"
#include "elf/elf.h"
#include "synth_elf.h"

static void test_go_versions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int major, minor, patch;
    } ok[] = {
        {"go1.26.8", 1, 26, 8},
        {"go1.22rc1", 1, 22, 0},
        {"go1.21", 1, 21, 0},
        {"go1.21.0", 1, 21, 0},
        {"go1.9beta2", 1, 9, 0},
        {"1.25.3", 1, 25, 3},
        {"go1.26.8 X:nocoverageredesign", 1, 26, 8},
        {"devel go1.27-4f8a3c2e Tue Nov 3 10:00:00 2026 +0000", 1, 27, 0},
        {"go1", 1, 0, 0},
        {"go2.0.1", 2, 0, 1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        int ma = -1, mi = -1, pa = -1;
        assert_int_equal(elf_parse_go_version(ok[i].text, &ma, &mi, &pa), 0);
        assert_int_equal(ma, ok[i].major);
        assert_int_equal(mi, ok[i].minor);
        assert_int_equal(pa, ok[i].patch);
    }
    static const char *bad[] = {"", "go", "devel +b4c1a2 Mon Jan 1", "gox1.2",
                                "go1.", "go1.22.", "go12345678901.1", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int ma = 7, mi = 7, pa = 7;
        assert_int_equal(elf_parse_go_version(bad[i], &ma, &mi, &pa), -1);
        /* A failed parse leaves the outputs alone. */
        assert_int_equal(ma, 7);
    }
}

static int parse(const char *text, struct elf_go_info *info, char *why, size_t why_size)
{
    memset(info, 0, sizeof *info);
    return elf_parse_modinfo(text, strlen(text), info, why, why_size);
}

static void test_modinfo_fields(void **state)
{
    (void)state;
    struct elf_go_info info;
    char why[128] = "";
    const char *text =
        "path\texample.com/shop/cmd/web\n"
        "mod\texample.com/shop\t(devel)\t\n"
        "dep\tgithub.com/x/y\tv1.2.3\th1:abc=\n"
        "=>\t../y\t(devel)\t\n"
        "build\t-buildmode=pie\n"
        "build\t-compiler=gc\n"
        "build\t-gcflags=\"all=-N -l\"\n"
        "build\t-ldflags=\"-X 'main.v=a\\\"b\\tc\\u00e9\\x41\\101\\\\'\"\n"
        "build\t-trimpath=true\n"
        "build\tCGO_ENABLED=1\n"
        "build\tGOARCH=amd64\n";
    assert_int_equal(parse(text, &info, why, sizeof why), 0);
    assert_string_equal(info.main_path, "example.com/shop/cmd/web");
    assert_string_equal(info.main_module, "example.com/shop");
    assert_string_equal(info.gcflags, "all=-N -l");
    assert_string_equal(info.ldflags, "-X 'main.v=a\"b\tc\xc3\xa9" "AA\\'");
    assert_true(info.trimpath);
    assert_true(info.cgo);
    assert_false(info.optimized);
}

static void test_modinfo_defaults_and_raw_quotes(void **state)
{
    (void)state;
    struct elf_go_info info;
    char why[128] = "";
    /* No settings at all: optimized, no cgo; an unterminated last line is
     * ignored as Go ignores it. A `raw` value keeps backslashes. */
    assert_int_equal(parse("path\tcmd/go\nbuild\tCGO_ENABLED=0\nbuild\t-trimpath=true", &info,
                           why, sizeof why), 0);
    assert_string_equal(info.main_path, "cmd/go");
    assert_string_equal(info.main_module, "");
    assert_false(info.cgo);
    assert_false(info.trimpath);
    assert_true(info.optimized);

    /* Every escape strconv.Quote may write, UTF-8 of each length included. */
    assert_int_equal(parse("build\t-ldflags=\"\\a\\b\\f\\n\\r\\t\\v\\\\"
                           "\\u4e16\\U0001F600\\xAB\\x0f\\177\"\n", &info, why, sizeof why), 0);
    assert_string_equal(info.ldflags, "\a\b\f\n\r\t\v\\\xe4\xb8\x96\xf0\x9f\x98\x80\xab\x0f\x7f");

    assert_int_equal(parse("build\t-ldflags=`-X main.a=b\\n c`\n"
                           "build\t\"odd key\"=v\n", &info, why, sizeof why), 0);
    assert_string_equal(info.ldflags, "-X main.a=b\\n c");

    /* Values longer than the field are cut, but -gcflags is judged whole:
     * -N -l at its far end still count. */
    char long_text[1024];
    char pad[600];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    snprintf(long_text, sizeof long_text, "build\t-gcflags=\"all=-d=%s -N -l\"\n", pad);
    assert_int_equal(parse(long_text, &info, why, sizeof why), 0);
    assert_int_equal(strlen(info.gcflags), sizeof info.gcflags - 1);
    assert_false(info.optimized);
}

static void test_modinfo_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *reason;
    } bad[] = {
        {"path\tx\nbuild\tnovalue\n", "line 2: build line missing '=' after key"},
        {"build\t=v\n", "line 1: build line with missing key"},
        {"build\t\n", "line 1: build line missing '='"},
        {"build\t-ldflags=-s -w\n", "line 1: unquoted value must be quoted"},
        {"build\tbad key=v\n", "line 1: unquoted key must be quoted"},
        {"build\t-ldflags=\"\\q\"\n", "line 1: invalid quoted value in build line"},
        {"build\t-ldflags=\"abc\n", "line 1: invalid quoted value in build line"},
        {"build\t-ldflags=\"a\"b\n", "line 1: invalid quoted value in build line"},
        {"build\t-ldflags=\"\\ud800\"\n", "line 1: invalid quoted value in build line"},
        {"build\t-ldflags=\"\\400\"\n", "line 1: invalid quoted value in build line"},
        {"build\t\"key\n", "line 1: invalid quoted key in build line"},
        {"build\t\"key\"\n", "line 1: build line missing '=' after quoted key"},
        {"build\t\"key\"x=1\n", "line 1: unexpected character after quoted key"},
        {"mod\ta\tb\tc\td\n", "line 1: expected 2 or 3 columns; got 4"},
        {"dep\tonly\n", "line 1: expected 2 or 3 columns; got 1"},
        {"=>\ta\tb\tc\n", "line 1: replacement with no module on previous line"},
        {"dep\ta\tv1\n=>\ta\tb\n", "line 2: expected 3 columns for replacement; got 2"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct elf_go_info info;
        char why[128] = "";
        assert_int_equal(parse(bad[i].text, &info, why, sizeof why), -1);
        assert_string_equal(why, bad[i].reason);
    }
}

static void test_gcflags_meaning(void **state)
{
    (void)state;
    static const struct {
        const char *gcflags, *main_path, *main_module;
        bool disables;
    } cases[] = {
        {"all=-N -l", "example.com/app", "example.com/app", true},
        {"-N -l", "example.com/app", "example.com/app", true},
        {"-l -N", "example.com/app", "example.com/app", true},
        {"  all = -N -l  ", "example.com/app", "example.com/app", true},
        {"all=--N --l", "example.com/app", "example.com/app", true},
        {"all='-N' \"-l\"", "example.com/app", "example.com/app", true},
        {"all=-N=true -l=1", "example.com/app", "example.com/app", true},
        {"all=-N", "example.com/app", "example.com/app", false},
        {"all=-l", "example.com/app", "example.com/app", false},
        {"all=-N=false -l", "example.com/app", "example.com/app", false},
        {"all=-N -l -l", "example.com/app", "example.com/app", false},
        {"all=-N -l=0", "example.com/app", "example.com/app", false},
        {"all='-N -l", "example.com/app", "example.com/app", false},
        {"example.com/app=-N -l", "example.com/app", "example.com/app", true},
        {"example.com/...=-N -l", "example.com/app/cmd/x", "example.com/app", true},
        {"example.com/app/...=-N -l", "example.com/app", "example.com/app", true},
        {"example.com/other=-N -l", "example.com/app", "example.com/app", false},
        {"example.com/app/internal/...=-N -l", "example.com/app", "example.com/app", false},
        {"std=-N -l", "example.com/app", "example.com/app", false},
        {"cmd/...=-dwarf=false", "cmd/go", "", false},
        {".=-N -l", "example.com/app", "example.com/app", true},
        {".=-N -l", "example.com/app/cmd/x", "example.com/app", false},
        {"./...=-N -l", "example.com/app/cmd/x", "example.com/app", true},
        {"./...=-N -l", "example.com/app", "example.com/app", true},
        {"./cmd/x=-N -l", "example.com/app/cmd/x", "example.com/app", true},
        {"./cmd/...=-N -l", "example.com/app/cmd/x", "example.com/app", true},
        {"./cmd/y=-N -l", "example.com/app/cmd/x", "example.com/app", false},
        {"../other=-N -l", "example.com/app", "example.com/app", false},
        {"/abs/dir=-N -l", "example.com/app", "example.com/app", false},
        {"", "example.com/app", "example.com/app", false},
        {"noequals", "example.com/app", "example.com/app", false},
        {"a...b...c...d...e...f...g=-N -l", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bool got = elf_gcflags_disable_optimization(cases[i].gcflags, cases[i].main_path,
                                                    cases[i].main_module);
        if (got != cases[i].disables)
            fail_msg("case %zu: -gcflags=%s main %s: got %d", i, cases[i].gcflags,
                     cases[i].main_path, got);
    }
}

static const char MODINFO[] =
    "path\texample.com/old\n"
    "mod\texample.com/old\tv1.0.0\th1:xyz=\n"
    "build\t-gcflags=\"-N -l\"\n"
    "build\t-ldflags=-w\n";

static size_t make(const struct synth_opts *o, unsigned char *buf, size_t cap)
{
    size_t n = synth_elf(o, buf, cap);
    assert_true(n > 0);
    return n;
}

/* Pre-1.18 pointer layout, in every class and byte order, with and without
 * section headers (then found by scanning the writable segment). */
static void test_synthetic_pointer_format(void **state)
{
    (void)state;
    static const struct {
        bool is64, big;
        uint16_t machine;
        const char *arch;
    } kinds[] = {
        {true, false, 62, "amd64"},
        {false, false, 3, "386"},
        {false, true, 8, "mips"},
        {true, true, 22, "s390x"},
        {true, true, 21, "ppc64"},
        {true, false, 21, "ppc64le"},
        {true, false, 0x1234, "em4660"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        for (int sections = 0; sections < 2; sections++) {
            unsigned char buf[4096];
            struct synth_opts o = {.is64 = kinds[k].is64, .big = kinds[k].big,
                                   .machine = kinds[k].machine, .sections = sections,
                                   .pointer_format = true, .version = "go1.17.13",
                                   .modinfo = MODINFO};
            size_t n = make(&o, buf, sizeof buf);
            struct elf_go_info info;
            struct bp_error err = {{0}};
            assert_int_equal(elf_parse_go_info_mem(buf, n, "synthetic", &info, &err), 0);
            assert_true(info.is_elf);
            assert_true(info.is_go);
            assert_string_equal(info.machine, kinds[k].arch);
            assert_string_equal(info.go_version, "go1.17.13");
            assert_string_equal(info.main_path, "example.com/old");
            assert_string_equal(info.main_module, "example.com/old");
            assert_string_equal(info.gcflags, "-N -l");
            assert_string_equal(info.ldflags, "-w");
            assert_false(info.optimized);
            assert_false(info.has_dwarf);
            assert_false(info.has_symtab);
        }
    }
}

static void test_synthetic_inline_format(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        unsigned char buf[4096];
        struct synth_opts o = {.is64 = false, .big = big, .machine = 40, .sections = false,
                               .version = "go1.26.8", .modinfo = "path\tx\nbuild\tCGO_ENABLED=1\n"};
        size_t n = make(&o, buf, sizeof buf);
        struct elf_go_info info;
        struct bp_error err = {{0}};
        assert_int_equal(elf_parse_go_info_mem(buf, n, "synthetic", &info, &err), 0);
        assert_true(info.is_go);
        assert_string_equal(info.machine, "arm");
        assert_string_equal(info.go_version, "go1.26.8");
        assert_string_equal(info.main_path, "x");
        assert_true(info.cgo);
        assert_true(info.optimized);
    }
    /* A Go binary built outside module mode has a version and no module info. */
    unsigned char buf[4096];
    struct synth_opts o = {.is64 = true, .machine = 62, .sections = true, .version = "go1.16"};
    size_t n = make(&o, buf, sizeof buf);
    struct elf_go_info info;
    struct bp_error err = {{0}};
    assert_int_equal(elf_parse_go_info_mem(buf, n, "synthetic", &info, &err), 0);
    assert_true(info.is_go);
    assert_string_equal(info.go_version, "go1.16");
    assert_string_equal(info.main_path, "");
}

static void test_synthetic_dwarf_and_symtab(void **state)
{
    (void)state;
    unsigned char buf[4096];
    struct elf_go_info info;
    struct bp_error err = {{0}};
    struct synth_opts o = {.is64 = true, .machine = 183, .sections = true, .zdebug = true,
                           .zdebug_size = 4096, .symtab = true};
    size_t n = make(&o, buf, sizeof buf);
    assert_int_equal(elf_parse_go_info_mem(buf, n, "synthetic", &info, &err), 0);
    assert_true(info.is_elf);
    assert_false(info.is_go);
    assert_string_equal(info.machine, "arm64");
    assert_true(info.has_dwarf);
    assert_true(info.has_symtab);

    /* A .zdebug_info that decompresses to nothing is no DWARF. */
    o.zdebug_size = 0;
    n = make(&o, buf, sizeof buf);
    assert_int_equal(elf_parse_go_info_mem(buf, n, "synthetic", &info, &err), 0);
    assert_false(info.has_dwarf);
    assert_true(info.has_symtab);
}

static void expect_corrupt(const unsigned char *buf, size_t n, const char *needle)
{
    struct elf_go_info info;
    struct bp_error err = {{0}};
    assert_int_equal(elf_parse_go_info_mem(buf, n, "img.bin", &info, &err), -1);
    if (strstr(err.message, "img.bin") == NULL || strstr(err.message, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_synthetic_corrupt_build_info(void **state)
{
    (void)state;
    unsigned char buf[4096];
    struct synth_opts o = {.is64 = true, .machine = 62, .sections = true,
                           .pointer_format = true, .version = "go1.17", .modinfo = MODINFO};
    size_t n = make(&o, buf, sizeof buf);
    /* The version pointer aims outside every segment. */
    memset(buf + SYNTH_DATA_OFF + 16, 0xee, 8);
    expect_corrupt(buf, n, "version pointer");

    n = make(&o, buf, sizeof buf);
    buf[SYNTH_DATA_OFF + 14] = 3; /* pointer size */
    expect_corrupt(buf, n, "pointer size 3");

    /* Inline layout: a length that overflows 64 bits, then one past the end. */
    o.pointer_format = false;
    n = make(&o, buf, sizeof buf);
    memset(buf + SYNTH_DATA_OFF + 32, 0xff, 10);
    expect_corrupt(buf, n, "bad string length");
    n = make(&o, buf, sizeof buf);
    buf[SYNTH_DATA_OFF + 32] = 0xff; /* 16383 bytes */
    buf[SYNTH_DATA_OFF + 33] = 0x7f;
    expect_corrupt(buf, n, "runs past its section");

    /* Module info with a line cmd/go would never write. */
    o.modinfo = "path\tx\nbuild\t-ldflags=-s -w\n";
    n = make(&o, buf, sizeof buf);
    expect_corrupt(buf, n, "corrupt Go build info: line 2: unquoted value must be quoted");

    /* An empty version means "not Go" for Go's own reader, so for us too. */
    o.version = "";
    o.modinfo = NULL;
    n = make(&o, buf, sizeof buf);
    struct elf_go_info info;
    struct bp_error err = {{0}};
    assert_int_equal(elf_parse_go_info_mem(buf, n, "img.bin", &info, &err), 0);
    assert_true(info.is_elf);
    assert_false(info.is_go);
}

/* Every prefix of a valid image is either read or refused, never misread:
 * the sanitizer build turns any out-of-bounds read here into a failure. */
static void test_synthetic_every_truncation(void **state)
{
    (void)state;
    for (int variant = 0; variant < 4; variant++) {
        unsigned char buf[4096];
        struct synth_opts o = {.is64 = variant & 1, .big = variant & 2, .machine = 62,
                               .sections = true, .pointer_format = variant & 1,
                               .version = "go1.20.1", .modinfo = MODINFO,
                               .zdebug = true, .zdebug_size = 9, .symtab = true};
        size_t n = make(&o, buf, sizeof buf);
        for (size_t len = 0; len <= n; len++) {
            unsigned char *copy = malloc(len ? len : 1);
            assert_non_null(copy);
            memcpy(copy, buf, len);
            struct elf_go_info info;
            struct bp_error err = {{0}};
            int rc = elf_parse_go_info_mem(copy, len, "t", &info, &err);
            free(copy);
            if (len < 4)
                assert_false(info.is_elf);
            if (len == n) {
                assert_int_equal(rc, 0);
                assert_true(info.is_go);
                assert_true(info.has_dwarf);
            } else if (rc == 0) {
                assert_true(len < 4);
            } else {
                assert_int_equal(rc, -1);
                assert_true(err.message[0] != '\0');
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_versions),
        cmocka_unit_test(test_modinfo_fields),
        cmocka_unit_test(test_modinfo_defaults_and_raw_quotes),
        cmocka_unit_test(test_modinfo_malformed),
        cmocka_unit_test(test_gcflags_meaning),
        cmocka_unit_test(test_synthetic_pointer_format),
        cmocka_unit_test(test_synthetic_inline_format),
        cmocka_unit_test(test_synthetic_dwarf_and_symtab),
        cmocka_unit_test(test_synthetic_corrupt_build_info),
        cmocka_unit_test(test_synthetic_every_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
