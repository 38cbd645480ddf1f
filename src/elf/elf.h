/* Reads an executable (untrusted: it comes from the app) and reports whether
 * it is a Go binary and how debuggable it is: Go version, build settings,
 * DWARF and symbol table present or stripped. libc only. */
#ifndef BP_ELF_ELF_H
#define BP_ELF_ELF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct elf_go_info {
    bool is_elf;            /* ELF magic and a sane header */
    bool is_go;             /* Go build info found (a Go version in it) */
    char machine[16];       /* GOARCH spelling of e_machine: "amd64", "arm64",
                               "386", "arm", "s390x", "mips", ...;
                               "em<number>" for machines Go has no name for */
    char go_version[32];    /* "go1.26.8" as recorded (may carry " X:..." ) */
    char main_path[256];    /* main package path, e.g. "example.com/app/cmd/x" */
    char main_module[256];  /* main module path, e.g. "example.com/app" */
    bool has_dwarf;         /* non-empty .debug_info or .zdebug_info */
    bool has_symtab;        /* a SHT_SYMTAB section (.symtab) */
    bool trimpath;          /* build setting -trimpath=true */
    bool optimized;         /* false only when -gcflags gives both -N and -l
                               to all packages or to the main package */
    char gcflags[256];      /* build setting values, "" if absent; truncated */
    char ldflags[256];      /* if longer. Go omits -ldflags with -trimpath. */
    bool cgo;               /* build setting CGO_ENABLED=1 */
};

/* Reads the file at path. A file that is not ELF (a script, an empty file) is
 * not an error: is_elf=false. Errors (-1, message naming path) only for I/O
 * problems, a path that is not a regular file, a corrupt ELF that claims to
 * be ELF, or a corrupt .go.buildinfo section. info is zeroed first. */
int elf_read_go_info(const char *path, struct elf_go_info *info,
                     struct bp_error *err);

/* The same on bytes already in memory; name is used in messages. */
int elf_parse_go_info_mem(const void *data, size_t size, const char *name,
                          struct elf_go_info *info, struct bp_error *err);

/* Parses "go1.26.8", "go1.22rc1" (patch 0), "go1.21" (patch 0), "1.26.8",
 * "go1.26.8 X:exp" and "devel go1.27-abcdef ..." into numbers. Returns 0, or
 * -1 if no version can be read (e.g. "devel +abcdef"). */
int elf_parse_go_version(const char *text, int *major, int *minor, int *patch);

#endif
