/* Cross builds run the unit tests under qemu-user; cmake/aarch64-linux-gnu.cmake
 * then sets BP_TEST_EMULATOR. A case that needs a kernel interface qemu-user
 * does not emulate skips there, printing which; nowhere else (a native arm64
 * build has no emulator, so every case runs). Include after cmocka.h. */
#ifndef TEST_QEMU_H
#define TEST_QEMU_H

#include <stdlib.h>
#include <string.h>

#define SKIP_UNDER_QEMU_USER(why)                                                         \
    do {                                                                                  \
        const char *emu_ = getenv("BP_TEST_EMULATOR");                                    \
        if (emu_ != NULL && strstr(emu_, "qemu") != NULL) {                               \
            print_message("[  SKIPPED ] %s: under qemu-user, %s\n", __func__, (why));       \
            skip();                                                                       \
        }                                                                                 \
    } while (0)

#endif
