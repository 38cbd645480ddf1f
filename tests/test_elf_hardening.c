/* Reads the ELF of bin/detect, bin/build and bin/debug-launch and checks the
 * hardening the build promises: PIE (ET_DYN with DF_1_PIE), BIND_NOW, a
 * GNU_RELRO segment, a stack protector, and, in optimised builds,
 * _FORTIFY_SOURCE (__*_chk imports). bin/build parses untrusted archives and
 * TOML; the wrapper runs in every container. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"

#ifndef BP_HARDENED_BIN_DIR
#error "BP_HARDENED_BIN_DIR must name the bin/ directory under test"
#endif

struct facts {
    bool dyn, pie_flag, bind_now, relro, stack_chk, fortify, nx_stack;
    int chk_imports;
};

/* ELF64 little-endian only: the platforms the buildpack ships for. */
static void read_facts(const char *path, struct facts *f)
{
    memset(f, 0, sizeof *f);
    char *img = NULL;
    size_t len = 0;
    struct bp_error err = {{0}};
    if (file_read_all(path, 256u << 20, &img, &len, &err) != 0)
        fail_msg("%s", err.message);
    assert_true(len >= sizeof(Elf64_Ehdr));
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
    assert_int_equal(eh->e_ident[EI_CLASS], ELFCLASS64);
    f->dyn = eh->e_type == ET_DYN;
    assert_true(eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr) <= len);
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    size_t ndyn = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_GNU_RELRO)
            f->relro = true;
        if (ph[i].p_type == PT_GNU_STACK && !(ph[i].p_flags & PF_X))
            f->nx_stack = true;
        if (ph[i].p_type == PT_DYNAMIC) {
            assert_true(ph[i].p_offset + ph[i].p_filesz <= len);
            dyn = (const Elf64_Dyn *)(img + ph[i].p_offset);
            ndyn = ph[i].p_filesz / sizeof(Elf64_Dyn);
        }
    }
    assert_non_null(dyn);
    for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
        if (dyn[i].d_tag == DT_BIND_NOW)
            f->bind_now = true;
        if (dyn[i].d_tag == DT_FLAGS && (dyn[i].d_un.d_val & DF_BIND_NOW))
            f->bind_now = true;
        if (dyn[i].d_tag == DT_FLAGS_1) {
            if (dyn[i].d_un.d_val & DF_1_NOW)
                f->bind_now = true;
            if (dyn[i].d_un.d_val & DF_1_PIE)
                f->pie_flag = true;
        }
    }
    /* Imported symbol names: .dynsym with its .dynstr, from the sections. */
    assert_true(eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) <= len);
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNSYM)
            continue;
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        const Elf64_Sym *syms = (const Elf64_Sym *)(img + sh[i].sh_offset);
        size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
        for (size_t k = 0; k < n; k++) {
            if (syms[k].st_name >= strs->sh_size)
                continue;
            const char *name = img + strs->sh_offset + syms[k].st_name;
            if (strcmp(name, "__stack_chk_fail") == 0)
                f->stack_chk = true;
            size_t nl = strlen(name);
            if (nl > 6 && strncmp(name, "__", 2) == 0 && strcmp(name + nl - 4, "_chk") == 0 &&
                strcmp(name, "__stack_chk_fail") != 0) {
                f->fortify = true;
                f->chk_imports++;
            }
        }
    }
    free(img);
}

static void check(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", BP_HARDENED_BIN_DIR, name);
    struct facts f;
    read_facts(path, &f);
    print_message("%s: ET_DYN=%d DF_1_PIE=%d BIND_NOW=%d GNU_RELRO=%d NX stack=%d "
                  "__stack_chk_fail=%d __*_chk imports=%d\n",
                  name, f.dyn, f.pie_flag, f.bind_now, f.relro, f.nx_stack, f.stack_chk,
                  f.chk_imports);
    if (!f.dyn || !f.pie_flag)
        fail_msg("%s is not a PIE", path);
    if (!f.bind_now)
        fail_msg("%s lacks BIND_NOW (-Wl,-z,now)", path);
    if (!f.relro)
        fail_msg("%s lacks PT_GNU_RELRO (-Wl,-z,relro)", path);
    if (!f.nx_stack)
        fail_msg("%s has an executable stack", path);
    if (!f.stack_chk)
        fail_msg("%s imports no __stack_chk_fail (-fstack-protector-strong)", path);
#if BP_EXPECT_FORTIFY
    if (!f.fortify)
        fail_msg("%s imports no __*_chk function (_FORTIFY_SOURCE)", path);
#endif
}

static void test_detect(void **state)
{
    (void)state;
    check("detect");
}

static void test_build(void **state)
{
    (void)state;
    check("build");
}

static void test_debug_launch(void **state)
{
    (void)state;
    check("debug-launch");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_debug_launch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
