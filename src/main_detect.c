/* bin/detect: pass (0) when BP_DEBUG (or BP_DEBUG_ENABLED) is true, skip
 * (100) when it is false or unset. Links only libc: it runs on every build.
 *
 * A value that is neither true nor false (BP_DEBUG=yes-please) is a user
 * error that must stop the build. Failing detect does not do that: builders
 * list this buildpack as optional, and the lifecycle silently drops an
 * optional buildpack whose detect errors, so the image would simply come out
 * without a debugger. detect therefore passes and says why, and bin/build
 * fails with the same message, which every platform shows. */
#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"
#include "config/config.h"

enum { DETECT_PASS = 0, DETECT_SKIP = 100 };

int main(int argc, char **argv)
{
    struct bp_error err = {{0}};
    bool enabled = false;
    if (config_detect_enabled(argc, argv, &enabled, &err) != 0) {
        fprintf(stderr, "cnbdebug/debug: %s (the build will stop with this error)\n", err.message);
        return DETECT_PASS;
    }
    if (!enabled) {
        puts("SKIPPED: BP_DEBUG is not true (set BP_DEBUG=true to make the app debuggable)");
        return DETECT_SKIP;
    }
    puts("PASSED: BP_DEBUG is true");
    return DETECT_PASS;
}
