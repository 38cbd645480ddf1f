/* libFuzzer target: the Go module info text parser (quoting, build lines)
 * and the -gcflags reading, which the ELF target reaches only rarely. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "elf/buildinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_go_info info;
    char why[256];
    memset(&info, 0, sizeof info);
    if (elf_parse_modinfo((const char *)data, size, &info, why, sizeof why) == -1 &&
        memchr(why, '\0', sizeof why) == NULL)
        abort();
    /* The version parser and -gcflags reader take C strings. */
    char *text = fuzz_input_string(data, size);
    if (text == NULL)
        return 0;
    int major, minor, patch;
    (void)elf_parse_go_version(text, &major, &minor, &patch);
    (void)elf_gcflags_disable_optimization(text, info.main_path, info.main_module);
    free(text);
    return 0;
}
