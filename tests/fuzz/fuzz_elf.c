/* libFuzzer target: any bytes through the ELF / Go build info reader. Seeds:
 * build elf_fuzz_seeds (tests/elf.cmake) and run it on the corpus dir. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_go_info info;
    struct bp_error err = {{0}};
    int rc = elf_parse_go_info_mem(data, size, "fuzz", &info, &err);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == -1 && err.message[0] == '\0')
        abort(); /* every failure must say why */
    /* Fields are C strings within their arrays whatever the input. */
    if (memchr(info.go_version, '\0', sizeof info.go_version) == NULL ||
        memchr(info.main_path, '\0', sizeof info.main_path) == NULL ||
        memchr(info.gcflags, '\0', sizeof info.gcflags) == NULL ||
        memchr(info.ldflags, '\0', sizeof info.ldflags) == NULL ||
        memchr(info.machine, '\0', sizeof info.machine) == NULL)
        abort();
    int major, minor, patch;
    (void)elf_parse_go_version(info.go_version, &major, &minor, &patch);
    return 0;
}
