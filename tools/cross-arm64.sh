#!/usr/bin/env bash
# linux/arm64 beside amd64: cross-compiles bin/ and the unit tests with
# Debian's cross toolchain, runs every cmocka unit test program under
# qemu-user, and checks that bin/ is aarch64 ELF. With --package it also
# writes the per-arch .cnb files and pushes a two-platform image index.
#
# Usage: tools/cross-arm64.sh [--package DIR [--index IMAGE]]
#   --package DIR  write DIR/debug-linux-amd64.cnb and DIR/debug-linux-arm64.cnb
#                  (tools/package.sh --target), and check the arm64 one's bin/
#   --index IMAGE  also push each arch as IMAGE-<arch> (pack buildpack package
#                  --format image --publish) and IMAGE as an image index of both
#                  (podman manifest), then check the index lists linux/amd64 and
#                  linux/arm64 (needs a registry pack and podman can push to)
# Needs (Debian; integration/install-deps.sh installs them): gcc-aarch64-linux-gnu
# libc6-dev-arm64-cross qemu-user-static, and `dpkg --add-architecture arm64`
# with libc6-dev libcurl4-openssl-dev libarchive-dev libjansson-dev libssl-dev
# libcmocka-dev (and libarchive's static deps: libacl1-dev nettle-dev
# liblzma-dev libzstd-dev liblz4-dev libbz2-dev zlib1g-dev libxml2-dev) all
# :arm64; and Linux >= 6.7 (a private binfmt_misc, see below) unless the host
# registered qemu-aarch64 itself. It installs nothing; it names what is missing.
# Every unit test program runs; 5 cases skip under qemu-user, each printing
# the qemu limitation it meets (tests/test_qemu.h); the script lists them.
# The build dir is cached under $BP_DEBUG_CACHE/cross-arm64-<gcc version>
# (CMake rebuilds only what changed), or BP_CROSS_BUILD_DIR. Prints the time each step took.
set -euo pipefail

TOOLS=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$TOOLS")
CACHE=${BP_DEBUG_CACHE:-$REPO/.cache}
log() { echo "cross-arm64: $*" >&2; }
die() { echo "cross-arm64: $*" >&2; exit 1; }

PACKAGE_DIR=
INDEX=
while [ $# -gt 0 ]; do
  case $1 in
    --package) [ $# -ge 2 ] || die "--package needs DIR"; PACKAGE_DIR=$2; shift ;;
    --index) [ $# -ge 2 ] || die "--index needs IMAGE"; INDEX=$2; shift ;;
    -h|--help) sed -n '2,24p' "$0" >&2; exit 2 ;;
    *) die "unknown argument $1" ;;
  esac
  shift
done
[ -z "$INDEX" ] || [ -n "$PACKAGE_DIR" ] || die "--index needs --package"

# ---- what must be installed -------------------------------------------------
missing=()
for tool in aarch64-linux-gnu-gcc aarch64-linux-gnu-readelf; do
  command -v "$tool" >/dev/null || missing+=(gcc-aarch64-linux-gnu)
done
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
[ -n "$QEMU" ] || missing+=(qemu-user-static)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || missing+=(libc6-dev-arm64-cross)
# qemu runs the tests with libc6:arm64's loader and libc (the toolchain file)
[ -e /lib/ld-linux-aarch64.so.1 ] || missing+=(libc6:arm64)
[ -e /usr/lib/binfmt.d/qemu-aarch64.conf ] || missing+=(qemu-user-static)
command -v unshare >/dev/null || missing+=(util-linux)
for pc in libcurl libarchive jansson libcrypto cmocka; do
  [ -f "/usr/lib/aarch64-linux-gnu/pkgconfig/$pc.pc" ] || missing+=("$pc.pc:arm64")
done
[ ${#missing[@]} -eq 0 ] || die "missing: $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')(see the header of $0)"

T_ALL=$(date +%s)
step() { echo "$(( $(date +%s) - $1 ))s"; }

GCC_VERSION=$(aarch64-linux-gnu-gcc -dumpfullversion)
BUILD=${BP_CROSS_BUILD_DIR:-$CACHE/cross-arm64-gcc$GCC_VERSION}
mkdir -p "$BUILD"
exec 9>"$BUILD/.lock"
flock 9

# ---- cross-compile bin/ and the tests ---------------------------------------
t=$(date +%s)
cmake -S "$REPO" -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$REPO/cmake/aarch64-linux-gnu.cmake" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBP_WERROR=ON -DBP_BIN_DIR="$BUILD/bin" >/dev/null
cmake --build "$BUILD" -j"${CMAKE_BUILD_PARALLEL_LEVEL:-2}" >"$BUILD/build.log" 2>&1 ||
  { tail -30 "$BUILD/build.log" >&2; die "the arm64 build failed (log: $BUILD/build.log)"; }
log "cross-compiled bin/ and the unit tests in $(step "$t")"

# Every executable in bin/ must be an aarch64 ELF, and detect and
# debug-launch must need only glibc (libc, and on arm64 the loader, which
# exports the stack protector's guard).
for exe in detect build debug-launch; do
  f=$BUILD/bin/$exe
  [ -x "$f" ] || die "no $f"
  machine=$(aarch64-linux-gnu-readelf -h "$f" | awk -F: '/Machine:/ {gsub(/^ +/, "", $2); print $2}')
  [ "$machine" = AArch64 ] || die "$f is for '$machine', not AArch64"
done
for exe in detect debug-launch; do
  extra=$(aarch64-linux-gnu-readelf -d "$BUILD/bin/$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | grep -vE '^(libc\.so\.6|ld-linux-aarch64\.so\.1)$' || true)
  [ -z "$extra" ] || die "bin/$exe (arm64) needs more than libc: $extra"
done
log "bin/detect, bin/build, bin/debug-launch are AArch64 ELF; detect and debug-launch need only libc"

# ---- the unit tests under qemu-user -----------------------------------------
# The toolchain file sets CMAKE_CROSSCOMPILING_EMULATOR, so ctest runs each
# cmocka test binary through qemu-aarch64, and tells it so (BP_TEST_EMULATOR).
# Only the cmocka tests (test_*): the others run host tools (go test, python,
# the toml-test runner). The tests also exec arm64 programs themselves
# (bin/build, debug-launch, copies of the test), which the kernel runs only
# through binfmt_misc: so ctest runs in a new user and mount namespace with its
# own binfmt_misc instance (Linux >= 6.7 gives each user namespace one), where
# qemu-user-static's own registration hands aarch64 ELF files to qemu. Nothing
# on the host changes. As root, uids and gids map 1:1 in full, so root stays
# root and a test can still drop to nobody. A host that already registered
# qemu-aarch64 is used as it is.
# Under qemu-user a few cases skip, each printing why (tests/test_qemu.h);
# they are listed below once the tests ran.
BINFMT_CONF=/usr/lib/binfmt.d/qemu-aarch64.conf
in_arm64_binfmt() {
  if grep -qsx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64; then
    "$@"
    return
  fi
  local reg dir pid i rc=0
  reg=$(grep -m1 '^:qemu-aarch64:' "$BINFMT_CONF") || die "no qemu-aarch64 line in $BINFMT_CONF"
  dir=$(mktemp -d)
  mkfifo "$dir/go"
  local map=(--user)
  [ "$(id -u)" = 0 ] || map=(--map-current-user)
  unshare "${map[@]}" --mount --propagation private -- "$BASH" -c '
    read -r _ <"$0/go"
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null &&
      printf "%s\n" "$1" >/proc/sys/fs/binfmt_misc/register ||
      { echo "cross-arm64: cannot register qemu-aarch64 with a private binfmt_misc (needs Linux >= 6.7; or register it on the host: systemd-binfmt)" >&2; exit 97; }
    shift
    exec "$@"' "$dir" "$reg" "$@" &
  pid=$!
  # Root maps every id onto itself once unshare has made the namespace.
  if [ "$(id -u)" = 0 ]; then
    for ((i = 0; i < 500; i++)); do
      [ "$(readlink /proc/$pid/ns/user 2>/dev/null)" != "$(readlink /proc/self/ns/user)" ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.01
    done
    echo "0 0 4294967295" >"/proc/$pid/uid_map"
    echo "0 0 4294967295" >"/proc/$pid/gid_map"
  fi
  echo go >"$dir/go"
  wait "$pid" || rc=$?
  rm -rf "$dir"
  return "$rc"
}

# A forked child must run under the emulator before anything else does: when
# qemu's loader and libc.so.6 came from different glibc builds (qemu -L with
# libc6-arm64-cross's loader, libc6:arm64's libc) every child hung at 100% CPU.
cat >"$BUILD/qemu-fork-check.c" <<'C'
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
    int status = 0;
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                   WEXITSTATUS(status) == 7 ? 0 : 1;
}
C
aarch64-linux-gnu-gcc -O2 -o "$BUILD/qemu-fork-check" "$BUILD/qemu-fork-check.c"
unset QEMU_LD_PREFIX
t=$(date +%s)
rc=0
in_arm64_binfmt "$BASH" -c '
  timeout 30 "$0/qemu-fork-check" || { echo "cross-arm64: a fork()ed arm64 child did not exit under qemu within 30 s (see the toolchain file: one glibc for loader and libc)" >&2; exit 98; }
  cd "$0" && exec ctest -R "^test_" -j"$1" --timeout 120 --output-on-failure' \
  "$BUILD" "${CMAKE_BUILD_PARALLEL_LEVEL:-2}" >"$BUILD/ctest.log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
  tail -40 "$BUILD/ctest.log" >&2
  die "unit tests failed under qemu (log: $BUILD/ctest.log)"
fi
log "$(grep -E 'tests passed' "$BUILD/ctest.log") under $(basename "$QEMU") in $(step "$t")"
grep -h 'under qemu-user' "$BUILD/Testing/Temporary/LastTest.log" | sed 's/^\[  SKIPPED \] /cross-arm64: skipped /' >&2 || true

# ---- per-arch packages and an image index ------------------------------------
if [ -n "$PACKAGE_DIR" ]; then
  mkdir -p "$PACKAGE_DIR"
  PACKAGE_DIR=$(cd "$PACKAGE_DIR" && pwd)
  for arch in amd64 arm64; do
    t=$(date +%s)
    args=(--target "linux/$arch")
    [ -z "$INDEX" ] || args+=(--publish "$INDEX-$arch")
    "$TOOLS/package.sh" "${args[@]}" "$PACKAGE_DIR/debug-linux-$arch.cnb"
    log "packaged linux/$arch in $(step "$t")"
  done
  # The arm64 .cnb's buildpack layer must hold aarch64 binaries: unpack it.
  t=$(date +%s)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tar -xf "$PACKAGE_DIR/debug-linux-arm64.cnb" -C "$tmp"
  found=0
  for blob in "$tmp"/blobs/sha256/*; do
    tar -tzf "$blob" >/dev/null 2>&1 || continue
    mkdir -p "$tmp/layer"
    tar -xzf "$blob" -C "$tmp/layer"
  done
  for exe in detect build debug-launch; do
    f=$(find "$tmp/layer" -path "*/bin/$exe" -type f | head -1)
    [ -n "$f" ] || die "the arm64 .cnb holds no bin/$exe"
    machine=$(aarch64-linux-gnu-readelf -h "$f" | awk -F: '/Machine:/ {gsub(/^ +/, "", $2); print $2}')
    [ "$machine" = AArch64 ] || die "the arm64 .cnb's bin/$exe is for '$machine'"
    found=$((found + 1))
  done
  grep -q '"architecture": *"arm64"' <(cat "$tmp"/blobs/sha256/* 2>/dev/null | tr -d '\n' | grep -ao '"architecture": *"[a-z0-9]*"' ) ||
    die "the arm64 .cnb's image config does not say architecture arm64"
  log "the arm64 .cnb holds $found AArch64 executables and says architecture arm64 ($(step "$t"))"

  if [ -n "$INDEX" ]; then
    command -v podman >/dev/null || die "podman is missing (for the image index)"
    t=$(date +%s)
    podman manifest rm "$INDEX" >/dev/null 2>&1 || true
    podman manifest create "$INDEX" >/dev/null
    for arch in amd64 arm64; do
      podman manifest add --tls-verify=false "$INDEX" "docker://$INDEX-$arch" >/dev/null
    done
    podman manifest push --tls-verify=false --all "$INDEX" "docker://$INDEX" >/dev/null
    podman manifest rm "$INDEX" >/dev/null
    platforms=$(skopeo inspect --tls-verify=false --raw "docker://$INDEX" |
      python3 -c 'import json,sys; m=json.load(sys.stdin); print(" ".join(sorted(p["platform"]["os"]+"/"+p["platform"]["architecture"] for p in m["manifests"])))')
    [ "$platforms" = "linux/amd64 linux/arm64" ] || die "the index $INDEX lists '$platforms', want linux/amd64 linux/arm64"
    log "pushed $INDEX: an image index of $platforms ($(step "$t"))"
  fi
fi
log "done in $(step "$T_ALL")"
