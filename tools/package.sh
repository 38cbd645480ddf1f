#!/usr/bin/env bash
# Packages the buildpack as a .cnb file (an OCI layout tar) with pack: builds
# bin/ with CMake, stages a clean buildpack directory, and with --offline embeds
# every redistributable dependency under dependencies/<sha256>/<file>.
#
# Usage: tools/package.sh [--offline] OUT.cnb
#   --offline  also embed dlv (built by tools/build-dlv.sh), debugpy and ptvsd
#              (fetched by tools/fetch-wheels.sh) for this machine's arch and
#              noarch; vsdbg never (its licence forbids redistribution)
# bin/ is compiled for this machine, so the package is linux/<this arch> only.
# Env: PACK (pack binary; default .cache/pack-v0.40.0/pack, built on demand by
#      integration/build-tools.sh), BP_DEBUG_CACHE (cache root, default .cache),
#      BP_BUILDPACK_TOML (another buildpack.toml to package, default the repo's).
# Leaves the staged directory in build-package/stage for inspection.
set -euo pipefail

TOOLS=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$TOOLS")
log() { echo "package: $*" >&2; }
die() { echo "package: $*" >&2; exit 1; }
usage() { sed -n '2,13p' "$0" >&2; exit 2; }

OFFLINE=false
OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --offline) OFFLINE=true ;;
    -h|--help) usage ;;
    -*) die "unknown option $1" ;;
    *) [ -z "$OUT" ] || usage; OUT=$1 ;;
  esac
  shift
done
[ -n "$OUT" ] || usage
case $OUT in *.cnb) ;; *) die "OUT '$OUT' must end in .cnb" ;; esac
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")

case $(uname -m) in
  x86_64) ARCH=amd64 ;;
  aarch64|arm64) ARCH=arm64 ;;
  *) die "unsupported machine $(uname -m) (amd64, arm64)" ;;
esac
BUILD=$REPO/build-package
STAGE=$BUILD/stage
PACK=${PACK:-${BP_DEBUG_CACHE:-$REPO/.cache}/pack-v0.40.0/pack}

# RelWithDebInfo is what the tests build and run; the staged copies are stripped.
log "building bin/ (cmake) in $BUILD"
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBP_TESTS=OFF \
      -DBP_SANITIZE=OFF -DBP_FUZZ=OFF -DBP_BIN_DIR="$BUILD/bin" >/dev/null
cmake --build "$BUILD" -j"${CMAKE_BUILD_PARALLEL_LEVEL:-2}" >&2

rm -rf "$STAGE"
mkdir -p "$STAGE/bin"
for exe in detect build debug-launch; do
  [ -x "$BUILD/bin/$exe" ] || die "the build made no bin/$exe ($BUILD/bin)"
  cp "$BUILD/bin/$exe" "$STAGE/bin/$exe"
  strip "$STAGE/bin/$exe"
done
cp "${BP_BUILDPACK_TOML:-$REPO/buildpack.toml}" "$STAGE/buildpack.toml"
for doc in README.md LICENSE NOTICE; do
  [ ! -f "$REPO/$doc" ] || cp "$REPO/$doc" "$STAGE/"
done

if $OFFLINE; then
  DL=$BUILD/downloads
  mkdir -p "$DL"
  while IFS=$'\t' read -r version arch; do
    [ "$arch" = "$ARCH" ] || continue
    "$TOOLS/build-dlv.sh" "$version" "$arch" "$DL" >&2 || die "dlv $version $arch did not build"
  done < <(python3 "$TOOLS/deps.py" list --id dlv --fields version,arch)
  "$TOOLS/fetch-wheels.sh" "$DL" >&2 || die "fetching the wheels failed"
  n=0
  while IFS=$'\t' read -r id version arch file sha; do
    [ "$arch" = "$ARCH" ] || [ "$arch" = noarch ] || continue
    [ -f "$DL/$file" ] || die "$id $version $arch: $file was not built or fetched"
    actual=$(sha256sum "$DL/$file" | cut -d' ' -f1)
    [ "$actual" = "$sha" ] || die "$file has sha256 $actual, buildpack.toml says $sha"
    mkdir -p "$STAGE/dependencies/$sha"
    cp "$DL/$file" "$STAGE/dependencies/$sha/$file"
    n=$((n + 1))
  done < <(python3 "$TOOLS/deps.py" list --no-id vsdbg)
  [ "$n" -gt 0 ] || die "buildpack.toml lists no dependency to embed for $ARCH"
  log "embedded $n dependencies (vsdbg stays at its URI)"
fi

# package.toml sits beside the staged directory, not in it, so the buildpack
# layer holds only what was staged.
cat > "$BUILD/package.toml" <<'EOF'
# Written by tools/package.sh: packages the staged buildpack directory.
[buildpack]
  uri = "stage"

[platform]
  os = "linux"
EOF

if [ ! -x "$PACK" ]; then
  log "no pack at $PACK: building it"
  "$REPO/integration/build-tools.sh" pack
  [ -x "$PACK" ] || die "integration/build-tools.sh pack left no $PACK"
fi

# A private PACK_HOME keeps pack from reading or writing the user's config.
export PACK_HOME=$BUILD/pack-home
mkdir -p "$PACK_HOME"
rm -f "$OUT"
"$PACK" buildpack package "$OUT" --config "$BUILD/package.toml" --format file \
    --target "linux/$ARCH" --no-color >&2 ||
  die "pack buildpack package failed"
[ -s "$OUT" ] || die "pack wrote no $OUT"
log "wrote $OUT ($(du -h "$OUT" | cut -f1))"
