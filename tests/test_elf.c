/* elf: real binaries built at test-build time by tests/elf.cmake (Go in
 * several flag and architecture variants, C with and without debug info),
 * non-ELF files, and real Go binaries truncated or corrupted. */
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
#include "elf/elf.h"

#ifndef BP_ELF_FIXTURES
#error "BP_ELF_FIXTURES is set by tests/elf.cmake"
#endif

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_elf.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return file_remove_tree(tmpdir, NULL);
}

static const char *fixture(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", BP_ELF_FIXTURES, name);
    return path;
}

static void read_ok(const char *path, struct elf_go_info *info)
{
    struct bp_error err = {{0}};
    if (elf_read_go_info(path, info, &err) != 0)
        fail_msg("%s: %s", path, err.message);
}

/* The facts every Go fixture shares: same toolchain, same program. */
static void read_go_fixture(const char *name, struct elf_go_info *info)
{
    read_ok(fixture(name), info);
    assert_true(info->is_elf);
    assert_true(info->is_go);
    assert_string_equal(info->go_version, BP_GO_VERSION);
    assert_string_equal(info->main_path, "example.com/hello");
    assert_string_equal(info->main_module, "example.com/hello");
}

static void test_go_default(void **state)
{
    (void)state;
    struct elf_go_info info;
    read_go_fixture("hello-default", &info);
    assert_string_equal(info.machine, BP_GO_HOSTARCH);
    assert_true(info.has_dwarf);
    assert_true(info.has_symtab);
    assert_false(info.trimpath);
    assert_true(info.optimized);
    assert_false(info.cgo);
    assert_string_equal(info.gcflags, "");
    assert_string_equal(info.ldflags, "");

    int major, minor, patch;
    assert_int_equal(elf_parse_go_version(info.go_version, &major, &minor, &patch), 0);
    char again[32];
    snprintf(again, sizeof again, "go%d.%d", major, minor);
    assert_memory_equal(again, BP_GO_VERSION, strlen(again));
}

static void test_go_without_dwarf(void **state)
{
    (void)state;
    struct elf_go_info info;
    read_go_fixture("hello-nodwarf", &info);
    assert_false(info.has_dwarf);
    assert_true(info.has_symtab);
    assert_string_equal(info.ldflags, "-w");

    read_go_fixture("hello-stripped", &info);
    assert_false(info.has_dwarf);
    assert_false(info.has_symtab);
    assert_string_equal(info.ldflags, "-s -w");
    assert_true(info.optimized);
}

static void test_go_uncompressed_dwarf(void **state)
{
    (void)state;
    struct elf_go_info info;
    read_go_fixture("hello-plaindwarf", &info);
    assert_true(info.has_dwarf);
    assert_string_equal(info.ldflags, "-compressdwarf=false");
}

static void test_go_trimpath(void **state)
{
    (void)state;
    struct elf_go_info info;
    read_go_fixture("hello-trimpath", &info);
    assert_true(info.trimpath);
    assert_true(info.has_dwarf);

    /* Paketo's go-build defaults: -buildmode=pie -trimpath. */
    read_go_fixture("hello-pie", &info);
    assert_true(info.trimpath);
    assert_true(info.has_dwarf);
    assert_true(info.optimized);
}

static void test_go_optimization_flags(void **state)
{
    (void)state;
    struct elf_go_info info;
    read_go_fixture("hello-noopt", &info);
    assert_string_equal(info.gcflags, "all=-N -l");
    assert_false(info.optimized);
    assert_true(info.has_dwarf);

    read_go_fixture("hello-noopt-main", &info);
    assert_string_equal(info.gcflags, "-N -l");
    assert_false(info.optimized);

    read_go_fixture("hello-noinline", &info);
    assert_string_equal(info.gcflags, "all=-l");
    assert_true(info.optimized);
}

static void test_go_cgo(void **state)
{
    (void)state;
#if BP_ELF_HAVE_CGO
    struct elf_go_info info;
    read_go_fixture("hello-cgo", &info);
    assert_true(info.cgo);
    assert_string_equal(info.machine, BP_GO_HOSTARCH);
    assert_true(info.has_dwarf);
    assert_true(info.has_symtab);
#else
    skip();
#endif
}

static void test_go_cross_architectures(void **state)
{
    (void)state;
    static const struct {
        const char *fixture, *machine;
    } archs[] = {
        {"hello-arm64", "arm64"},  /* ELF64 little endian */
        {"hello-386", "386"},      /* ELF32 little endian */
        {"hello-mips", "mips"},    /* ELF32 big endian */
        {"hello-s390x", "s390x"},  /* ELF64 big endian */
    };
    for (size_t i = 0; i < sizeof archs / sizeof *archs; i++) {
        struct elf_go_info info;
        read_go_fixture(archs[i].fixture, &info);
        assert_string_equal(info.machine, archs[i].machine);
        assert_true(info.has_dwarf);
        assert_true(info.has_symtab);
        assert_false(info.cgo);
        assert_true(info.optimized);
    }
}

/* The C fixtures come from this build's C compiler, so they are for the
 * machine this test was built for (arm64 in a cross build run under qemu),
 * while the Go fixtures are for Go's host arch. In GOARCH spelling. */
#if defined(__x86_64__)
#define C_MACHINE "amd64"
#elif defined(__aarch64__)
#define C_MACHINE "arm64"
#elif defined(__i386__)
#define C_MACHINE "386"
#elif defined(__s390x__)
#define C_MACHINE "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define C_MACHINE "riscv64"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define C_MACHINE "ppc64le"
#endif

static void test_c_binaries(void **state)
{
    (void)state;
    struct elf_go_info info;
    read_ok(fixture("notgo"), &info);
    assert_true(info.is_elf);
    assert_false(info.is_go);
#ifdef C_MACHINE /* else a machine not named above: the name is not checked */
    assert_string_equal(info.machine, C_MACHINE);
#endif
    assert_true(info.has_dwarf);
    assert_true(info.has_symtab);
    assert_string_equal(info.go_version, "");

    read_ok(fixture("notgo-stripped"), &info);
    assert_true(info.is_elf);
    assert_false(info.is_go);
    assert_false(info.has_dwarf);
    assert_false(info.has_symtab);
}

static void write_file(const char *path, const void *data, size_t len)
{
    struct bp_error err = {{0}};
    if (file_write_atomic(path, data, len, 0644, &err) != 0)
        fail_msg("%s", err.message);
}

static void test_not_elf(void **state)
{
    (void)state;
    struct elf_go_info info;
    char path[128];

    read_ok(BP_TEST_DATA "/elf/script.sh", &info);
    assert_false(info.is_elf);
    assert_false(info.is_go);

    snprintf(path, sizeof path, "%s/empty", tmpdir);
    write_file(path, "", 0);
    read_ok(path, &info);
    assert_false(info.is_elf);

    snprintf(path, sizeof path, "%s/three", tmpdir);
    write_file(path, "\x7f" "EL", 3);
    read_ok(path, &info);
    assert_false(info.is_elf);
}

static void expect_error(const char *path, const char *needle)
{
    struct elf_go_info info;
    struct bp_error err = {{0}};
    assert_int_equal(elf_read_go_info(path, &info, &err), -1);
    if (strstr(err.message, path) == NULL || strstr(err.message, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\" or the path", err.message, needle);
}

static void test_unreadable_paths(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/missing", tmpdir);
    expect_error(path, "No such file");
    expect_error(tmpdir, "not a regular file");
}

static void load(const char *name, char **data, size_t *len)
{
    struct bp_error err = {{0}};
    if (file_read_all(fixture(name), 256u << 20, data, len, &err) != 0)
        fail_msg("%s", err.message);
}

static void test_truncated(void **state)
{
    (void)state;
    char *data = NULL;
    size_t len = 0;
    load("hello-default", &data, &len);
    static const struct {
        size_t keep;
        const char *needle;
    } cuts[] = {
        {10, "ends inside the ELF identification"},
        {40, "ends inside the ELF header"},
        {4096, "beyond the end of the file"},
    };
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/cut-%zu", tmpdir, cuts[i].keep);
        write_file(path, data, cuts[i].keep);
        expect_error(path, cuts[i].needle);
    }
    /* Losing only the tail (here the last byte) is still noticed. */
    char path[128];
    snprintf(path, sizeof path, "%s/cut-tail", tmpdir);
    write_file(path, data, len - 1);
    expect_error(path, "beyond the end of the file");
    free(data);
}

static void put(char *p, size_t width, uint64_t v)
{
    for (size_t i = 0; i < width; i++)
        p[i] = (char)(v >> (8 * i)); /* the host fixture is little endian */
}

static uint64_t get(const char *p, size_t width)
{
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++)
        v |= (uint64_t)(unsigned char)p[i] << (8 * i);
    return v;
}

static void expect_mem_error(const char *data, size_t len, const char *needle)
{
    struct elf_go_info info;
    struct bp_error err = {{0}};
    if (elf_parse_go_info_mem(data, len, "patched", &info, &err) != -1)
        fail_msg("no error; expected one saying \"%s\"", needle);
    if (strstr(err.message, "patched") == NULL || strstr(err.message, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

/* Offsets that point outside the file, in each place the reader follows one. */
static void test_corrupt_offsets(void **state)
{
    (void)state;
    char *orig = NULL;
    size_t len = 0;
    load("hello-default", &orig, &len);
    /* The patches below use ELF64 little-endian offsets. */
    assert_int_equal(orig[4], 2);
    assert_int_equal(orig[5], 1);
    char *d = malloc(len);
    assert_non_null(d);
    uint64_t shoff = get(orig + 40, 8), phoff = get(orig + 32, 8);
    uint64_t shnum = get(orig + 60, 2);
    assert_true(shnum > 4);

#define RESET() memcpy(d, orig, len)
    RESET();
    put(d + 40, 8, UINT64_MAX - 8); /* e_shoff */
    expect_mem_error(d, len, "section header table lies beyond");

    RESET();
    put(d + 60, 2, 0xfff0); /* e_shnum */
    expect_mem_error(d, len, "section header table lies beyond");

    RESET();
    put(d + 58, 2, 1); /* e_shentsize */
    expect_mem_error(d, len, "section header entry size too small");

    RESET();
    put(d + 62, 2, shnum + 3); /* e_shstrndx */
    expect_mem_error(d, len, "section name table index out of range");

    RESET();
    put(d + 32, 8, len - 8); /* e_phoff */
    expect_mem_error(d, len, "program header table lies beyond");

    RESET();
    put(d + 4, 1, 7); /* EI_CLASS */
    expect_mem_error(d, len, "unknown ELF class");

    RESET();
    put(d + 6, 1, 0); /* EI_VERSION */
    expect_mem_error(d, len, "unknown ELF version");

    RESET();
    put(d + 54, 2, 8); /* e_phentsize */
    expect_mem_error(d, len, "program header entry size too small");

    RESET();
    put(d + 5, 1, 9); /* EI_DATA */
    expect_mem_error(d, len, "unknown byte order");

    /* Section 3's offset, then its size, past the end of the file. */
    RESET();
    put(d + shoff + 3 * 64 + 24, 8, len + 1);
    expect_mem_error(d, len, "section 3 (");
    RESET();
    put(d + shoff + 3 * 64 + 32, 8, UINT64_MAX);
    expect_mem_error(d, len, "section 3 (");

    /* The first PT_LOAD's file size past the end. */
    RESET();
    uint64_t i;
    for (i = 0; i < get(orig + 56, 2); i++)
        if (get(orig + phoff + i * 56, 4) == 1)
            break;
    put(d + phoff + i * 56 + 32, 8, len - get(orig + phoff + i * 56 + 8, 8) + 1);
    expect_mem_error(d, len, "segment");

    /* A section name offset past the name table is no name, not a crash. */
    RESET();
    put(d + shoff + 3 * 64, 4, 0xffffff00);
    struct elf_go_info info;
    struct bp_error err = {{0}};
    assert_int_equal(elf_parse_go_info_mem(d, len, "patched", &info, &err), 0);
    assert_true(info.is_go);

    /* The Go build info's inline version length, made absurd. */
    RESET();
    char *magic = memmem(d, len, "\xff Go buildinf:", 14);
    assert_non_null(magic);
    memset(magic + 32, 0xff, 9);
    magic[41] = 0x01;
    expect_mem_error(d, len, "runs past its section");
#undef RESET
    free(d);
    free(orig);
}

/* Extended numbering keeps the section count and the name table index in
 * section 0 when they do not fit 16 bits; the reader must follow it there. */
static void test_extended_numbering(void **state)
{
    (void)state;
    char *d = NULL;
    size_t len = 0;
    load("hello-default", &d, &len);
    uint64_t shoff = get(d + 40, 8), shnum = get(d + 60, 2), shstrndx = get(d + 62, 2);
    put(d + shoff + 32, 8, shnum);    /* section 0 sh_size */
    put(d + shoff + 40, 4, shstrndx); /* section 0 sh_link */
    put(d + 60, 2, 0);
    put(d + 62, 2, 0xffff);
    struct elf_go_info info;
    struct bp_error err = {{0}};
    assert_int_equal(elf_parse_go_info_mem(d, len, "extended", &info, &err), 0);
    assert_true(info.is_go);
    assert_true(info.has_dwarf);
    assert_true(info.has_symtab);
    assert_string_equal(info.go_version, BP_GO_VERSION);

    /* A count in section 0 larger than the file can hold. */
    put(d + shoff + 32, 8, UINT64_MAX / 2);
    assert_int_equal(elf_parse_go_info_mem(d, len, "extended", &info, &err), -1);
    assert_non_null(strstr(err.message, "section header table lies beyond"));
    free(d);
}

/* Section headers gone (as after sstrip): the build info is then found by
 * scanning the first writable segment, as Go's own reader does. */
static void test_no_section_headers(void **state)
{
    (void)state;
    char *d = NULL;
    size_t len = 0;
    load("hello-default", &d, &len);
    put(d + 40, 8, 0); /* e_shoff */
    put(d + 60, 2, 0); /* e_shnum */
    put(d + 62, 2, 0); /* e_shstrndx */
    struct elf_go_info info;
    struct bp_error err = {{0}};
    assert_int_equal(elf_parse_go_info_mem(d, len, "sstripped", &info, &err), 0);
    assert_true(info.is_go);
    assert_string_equal(info.go_version, BP_GO_VERSION);
    assert_string_equal(info.main_path, "example.com/hello");
    assert_false(info.has_dwarf);
    assert_false(info.has_symtab);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_default),
        cmocka_unit_test(test_go_without_dwarf),
        cmocka_unit_test(test_go_uncompressed_dwarf),
        cmocka_unit_test(test_go_trimpath),
        cmocka_unit_test(test_go_optimization_flags),
        cmocka_unit_test(test_go_cgo),
        cmocka_unit_test(test_go_cross_architectures),
        cmocka_unit_test(test_c_binaries),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_unreadable_paths),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt_offsets),
        cmocka_unit_test(test_extended_numbering),
        cmocka_unit_test(test_no_section_headers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
