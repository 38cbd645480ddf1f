/* bin/detect: pass (0) when BP_DEBUG (or BP_DEBUG_ENABLED) is true, skip
 * (100) otherwise. Links only libc: it runs on every build. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "config/config.h"

enum { DETECT_PASS = 0, DETECT_ERROR = 1, DETECT_SKIP = 100 };

int main(int argc, char **argv)
{
    /* Buildpack API 0.10 passes CNB_PLATFORM_DIR; older platforms pass it as argv[1]. */
    const char *platform_dir = getenv("CNB_PLATFORM_DIR");
    if (platform_dir == NULL && argc > 1)
        platform_dir = argv[1];

    struct bp_error err = {{0}};
    bool enabled = false;
    if (config_debug_enabled(platform_dir, &enabled, &err) != 0) {
        fprintf(stderr, "cnbdebug/debug: %s\n", err.message);
        return DETECT_ERROR;
    }
    if (!enabled) {
        puts("SKIPPED: BP_DEBUG is not true (set BP_DEBUG=true to make the app debuggable)");
        return DETECT_SKIP;
    }
    puts("PASSED: BP_DEBUG is true");
    return DETECT_PASS;
}
