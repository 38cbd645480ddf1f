/* libFuzzer target: BP_/BPL_ values (booleans, ports, bind addresses)
 * never crash, and an accepted port is 1..65535. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = fuzz_input_string(data, size);
    if (value == NULL)
        return 0;
    struct bp_error err;
    bool b;
    config_parse_bool("BP_DEBUG", value, &b, &err);
    int port = -1;
    if (config_parse_port("BPL_DEBUG_PORT", value, &port, &err) == 0 && (port < 1 || port > 65535))
        abort();
    char *bind = NULL;
    if (config_parse_bind("BPL_DEBUG_BIND", value, &bind, &err) == 0 && bind == NULL)
        abort(); /* accepted means a normalised address to use */
    free(bind);
    free(value);
    return 0;
}
