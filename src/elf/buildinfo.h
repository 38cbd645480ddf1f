/* Inside the elf module: the Go module-info text (the lines `go version -m`
 * prints), split out from the ELF reader so it can be tested and fuzzed alone. */
#ifndef BP_ELF_BUILDINFO_H
#define BP_ELF_BUILDINFO_H

#include <stddef.h>

#include "elf/elf.h"

/* Parses the module info text, sentinels already removed: lines "path\t...",
 * "mod\t...", "dep\t...", "=>\t...", "build\tKEY=VALUE" (quoted as Go's
 * strconv.Quote does). Fills main_path, main_module, trimpath, gcflags,
 * ldflags, cgo and optimized. On a malformed line returns -1 and writes the
 * reason (with its line number) to why. */
int elf_parse_modinfo(const char *text, size_t len, struct elf_go_info *info,
                      char *why, size_t why_size);

/* Whether a -gcflags value turns off optimisation (-N) and inlining (-l) for
 * the main package, given its package and module paths. */
bool elf_gcflags_disable_optimization(const char *gcflags, const char *main_path,
                                      const char *main_module);

#endif
