/* bin/detect of cnbdebug/debug-flags: pass (0) when BP_DEBUG (or
 * BP_DEBUG_ENABLED) is true, read exactly as cnbdebug/debug reads it; skip
 * (100) otherwise. libc only: it runs on every build. */
#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"
#include "config/config.h"

enum { DETECT_PASS = 0, DETECT_SKIP = 100 };

int main(int argc, char **argv)
{
    struct bp_error err = {{0}};
    bool enabled = false;
    /* An invalid value is cnbdebug/debug's to report (its build fails with
     * the message); this optional helper just stays out of the build. */
    if (config_detect_enabled(argc, argv, &enabled, &err) != 0) {
        printf("SKIPPED: %s\n", err.message);
        return DETECT_SKIP;
    }
    if (!enabled) {
        puts("SKIPPED: BP_DEBUG is not true");
        return DETECT_SKIP;
    }
    puts("PASSED: BP_DEBUG is true: debug build flags for the buildpacks after this one");
    return DETECT_PASS;
}
