# CMake toolchain file: cross-compile for linux/arm64 with Debian's cross
# toolchain (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross) and, for bin/build,
# Debian's multiarch :arm64 -dev packages. tools/cross-arm64.sh uses it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
# The cross sysroot (Debian installs arm64 libc to /usr/aarch64-linux-gnu) and
# the multiarch dirs under /usr (lib/aarch64-linux-gnu, include/aarch64-linux-gnu).
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# pkg-config must read the arm64 .pc files only, never the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
# Tests run through qemu-user (ctest and CMake's try_run use this), with no
# -L: the guest's /lib/ld-linux-aarch64.so.1 is then libc6:arm64's, the same
# glibc build as the libc.so.6 it loads from /lib/aarch64-linux-gnu (through
# the host's ld.so.cache; the :arm64 -dev packages pull libc6:arm64 in).
# `-L /usr/aarch64-linux-gnu` took the loader from libc6-arm64-cross (an older
# 2.36 build) but libc.so.6 still from libc6:arm64; their private struct
# rtld_global differ, so after every fork() the child's reclaim_stacks()
# walked a list at the wrong offset forever (100% CPU, no syscalls).
# BP_TEST_EMULATOR tells a test it runs under qemu-user (tests/test_qemu.h):
# only then may it skip a case that needs what qemu-user does not emulate.
find_program(BP_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(BP_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/env BP_TEST_EMULATOR=${BP_QEMU_AARCH64}
      ${BP_QEMU_AARCH64})
endif()
