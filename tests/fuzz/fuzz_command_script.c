/* libFuzzer target: start scripts read from disk (`sh SCRIPT args`, as
 * npm-start writes them) through command_unwrap_script never crash or leak,
 * and what they unwrap to is a non-empty argv. The input is the script. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_input.h"
#include "command/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char script_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (script_path[0] == '\0')
        snprintf(script_path, sizeof script_path, "/tmp/fuzz_command_script.%ld.sh",
                 (long)getpid());
    if (fuzz_input_file(script_path, data, size, 0644) != 0)
        return 0;

    struct command_argv argv = {0};
    command_argv_push(&argv, "sh");
    command_argv_push(&argv, script_path);
    command_argv_push(&argv, "--port");
    command_argv_push(&argv, "8080");
    struct bp_error err;
    int rc = command_unwrap_script(&argv, &err);
    if (rc == 1 && (argv.len == 0 || argv.items[0] == NULL || argv.items[argv.len] != NULL))
        abort();
    command_argv_free(&argv);
    return 0;
}
