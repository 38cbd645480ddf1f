#!/usr/bin/env bash
# Packages the companion buildpack cnbdebug/debug-flags (companion/debug-flags)
# as its own .cnb, beside the debug buildpack's (tools/package.sh). It is a
# second buildpack, not part of cnbdebug/debug, because it must run FIRST in
# the group (before the language buildpacks) and cnbdebug/debug LAST; a
# builder lists both as optional:
#   [[order]]
#     [[order.group]] id = "cnbdebug/debug-flags"  optional = true
#     [[order.group]] id = "paketo-buildpacks/go"
#     [[order.group]] id = "cnbdebug/debug"        optional = true
# and `pack build` takes both: --buildpack debug-flags.cnb --buildpack <lang>
# --buildpack debug.cnb.
#
# Usage: tools/package-companion.sh OUT.cnb
# Env: PACK (default .cache/pack-v0.40.0/pack), BP_DEBUG_CACHE (cache root).
# bin/ is compiled for this machine: the package is linux/<this arch> only.
set -euo pipefail

TOOLS=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$TOOLS")
PKG_NAME=package-companion
# shellcheck source=lib/package-common.sh
. "$TOOLS/lib/package-common.sh"

[ $# -eq 1 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
OUT=$(pkg_out_path "$1")
ARCH=$(pkg_host_arch)

BUILD=$REPO/build-package-companion
STAGE=$BUILD/stage
pkg_lock "$BUILD"

log "building the companion's bin/ (cmake) in $BUILD"
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBP_TESTS=OFF -DBP_SANITIZE=OFF \
      -DBP_FUZZ=OFF -DBP_BIN_DIR="$BUILD/bin" -DBP_COMPANION_BIN_DIR="$BUILD/companion-bin" >/dev/null
cmake --build "$BUILD" -j"${CMAKE_BUILD_PARALLEL_LEVEL:-2}" --target companion-detect companion-build >&2

rm -rf "$STAGE"
pkg_stage_bin "$BUILD/companion-bin" "$STAGE" detect build
# Both run on every debug build: libc only, like cnbdebug/debug's detect.
pkg_check_libc_only "$STAGE/bin/detect" "$STAGE/bin/build"
cp "$REPO/companion/debug-flags/buildpack.toml" "$STAGE/buildpack.toml"

pkg_write_package_toml "$BUILD/package.toml" companion
PACK=$(pkg_pack)
pkg_package_file "$PACK" "$BUILD" "$OUT" "$ARCH"
