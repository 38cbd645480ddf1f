/* libFuzzer target: the #! line of a file on disk (runtime_read_shebang)
 * never crashes or leaks, and what it returns is a non-empty word. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_input.h"
#include "runtime/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (path[0] == '\0')
        snprintf(path, sizeof path, "/tmp/fuzz_runtime_shebang.%ld", (long)getpid());
    if (fuzz_input_file(path, data, size, 0755) != 0)
        return 0;
    char *interp = runtime_read_shebang(path);
    if (interp != NULL && interp[0] == '\0')
        abort();
    free(interp);
    return 0;
}
