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
die() { echo "package-companion: $*" >&2; exit 1; }
log() { echo "package-companion: $*" >&2; }

[ $# -eq 1 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
OUT=$1
case $OUT in *.cnb) ;; *) die "OUT '$OUT' must end in .cnb" ;; esac
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
case $(uname -m) in
  x86_64) ARCH=amd64 ;;
  aarch64|arm64) ARCH=arm64 ;;
  *) die "unsupported machine $(uname -m) (amd64, arm64)" ;;
esac

BUILD=$REPO/build-package-companion
STAGE=$BUILD/stage
mkdir -p "$BUILD"
exec 9>"$BUILD/.lock"
flock 9
PACK=${PACK:-${BP_DEBUG_CACHE:-$REPO/.cache}/pack-v0.40.0/pack}

log "building the companion's bin/ (cmake) in $BUILD"
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBP_TESTS=OFF -DBP_SANITIZE=OFF \
      -DBP_FUZZ=OFF -DBP_BIN_DIR="$BUILD/bin" -DBP_COMPANION_BIN_DIR="$BUILD/companion-bin" >/dev/null
cmake --build "$BUILD" -j"${CMAKE_BUILD_PARALLEL_LEVEL:-2}" --target companion-detect companion-build >&2

rm -rf "$STAGE"
mkdir -p "$STAGE/bin"
for exe in detect build; do
  cp "$BUILD/companion-bin/$exe" "$STAGE/bin/$exe"
  strip "$STAGE/bin/$exe"
  # Both run on every debug build: libc only, like cnbdebug/debug's detect.
  extra=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd "$STAGE/bin/$exe" |
          awk '$2 == "=>" {print $1}' | grep -vE '^(libc\.so|ld-linux)' || true)
  [ -z "$extra" ] || die "bin/$exe must link only libc, it needs: $extra"
done
cp "$REPO/companion/debug-flags/buildpack.toml" "$STAGE/buildpack.toml"

cat > "$BUILD/package.toml" <<'TOML'
# Written by tools/package-companion.sh: packages the staged companion.
[buildpack]
  uri = "stage"

[platform]
  os = "linux"
TOML

if [ ! -x "$PACK" ]; then
  log "no pack at $PACK: building it"
  "$REPO/integration/build-tools.sh" pack
  [ -x "$PACK" ] || die "integration/build-tools.sh pack left no $PACK"
fi
export PACK_HOME=$BUILD/pack-home
mkdir -p "$PACK_HOME"
rm -f "$OUT"
"$PACK" buildpack package "$OUT" --config "$BUILD/package.toml" --format file \
    --target "linux/$ARCH" --no-color >&2 || die "pack buildpack package failed"
[ -s "$OUT" ] || die "pack wrote no $OUT"
log "wrote $OUT ($(du -h "$OUT" | cut -f1))"
