#!/usr/bin/env bash
# Packages the buildpack as a .cnb file (an OCI layout tar) with pack: builds
# bin/ with CMake, stages a clean buildpack directory with bin/build's shared
# libraries in lib/, and with --offline embeds every redistributable dependency
# under dependencies/<sha256>/<file>.
#
# Usage: tools/package.sh [--offline] [--publish IMAGE] [--target linux/ARCH] OUT.cnb
#   --offline  also embed dlv (built by tools/build-dlv.sh), debugpy and ptvsd
#              (fetched by tools/fetch-wheels.sh) for this machine's arch and
#              noarch; vsdbg never (its licence forbids redistribution)
#   --publish IMAGE  also push the same buildpack as an image (`pack buildpack
#              package --format image --publish`), as kpack's ClusterStore and
#              a builder.toml's [[buildpacks]] uri (the bare reference) take it; pack writes to the
#              registry itself (plain HTTP only for localhost/127.0.0.1)
#   --target linux/arm64|linux/amd64  the package's platform (default this
#              machine's). Another arch is cross-compiled with Debian's cross
#              toolchain (cmake/aarch64-linux-gnu.cmake; arm64 only) and its
#              libraries come from Debian's multiarch :arm64 packages, resolved
#              by the arm64 loader under qemu-user (tools/cross-arm64.sh installs
#              nothing; it says which packages are missing).
# The package needs a glibc at least as new as the one the log line "needs glibc" names.
# Env: PACK (pack binary; default .cache/pack-v0.40.0/pack, built on demand by
#      integration/build-tools.sh), BP_DEBUG_CACHE (cache root, default .cache),
#      BP_BUILDPACK_TOML (another buildpack.toml to package, default the repo's).
# Leaves the staged directory in build-package/stage for inspection.
set -euo pipefail

TOOLS=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$TOOLS")
PKG_NAME=package
# shellcheck source=lib/package-common.sh
. "$TOOLS/lib/package-common.sh"
usage() { sed -n '2,20p' "$0" >&2; exit 2; }

OFFLINE=false
OUT=
PUBLISH=
TARGET=
while [ $# -gt 0 ]; do
  case $1 in
    --offline) OFFLINE=true ;;
    --publish) [ $# -ge 2 ] || usage; PUBLISH=$2; shift ;;
    --target) [ $# -ge 2 ] || usage; TARGET=$2; shift ;;
    -h|--help) usage ;;
    -*) die "unknown option $1" ;;
    *) [ -z "$OUT" ] || usage; OUT=$1 ;;
  esac
  shift
done
[ -n "$OUT" ] || usage
OUT=$(pkg_out_path "$OUT")
HOST_ARCH=$(pkg_host_arch)
case ${TARGET:-linux/$HOST_ARCH} in
  linux/amd64) ARCH=amd64 ;;
  linux/arm64) ARCH=arm64 ;;
  *) die "unsupported --target $TARGET (linux/amd64, linux/arm64)" ;;
esac
# Cross tools: the compiler (through the toolchain file), strip, objdump, and
# the target's loader under qemu-user in place of ldd.
CMAKE_CROSS=()
STRIP=strip
OBJDUMP=objdump
LDD=(ldd)
BUILD=$REPO/build-package
if [ "$ARCH" != "$HOST_ARCH" ]; then
  [ "$ARCH" = arm64 ] || die "cross-packaging is supported for linux/arm64 only"
  for tool in aarch64-linux-gnu-gcc aarch64-linux-gnu-strip aarch64-linux-gnu-objdump; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install gcc-aarch64-linux-gnu)"
  done
  QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
  [ -n "$QEMU" ] || die "qemu-aarch64 is missing (apt-get install qemu-user-static)"
  LOADER=/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1
  [ -e "$LOADER" ] || die "$LOADER is missing (apt-get install libc6-dev-arm64-cross)"
  CMAKE_CROSS=(-DCMAKE_TOOLCHAIN_FILE="$REPO/cmake/aarch64-linux-gnu.cmake")
  STRIP=aarch64-linux-gnu-strip
  OBJDUMP=aarch64-linux-gnu-objdump
  # The loader's --list prints what ldd prints; -L makes qemu find it, and
  # the loader finds Debian's multiarch libraries in /usr/lib/aarch64-linux-gnu.
  LDD=("$QEMU" -L /usr/aarch64-linux-gnu "$LOADER" --list)
  BUILD=$REPO/build-package-$ARCH
fi
STAGE=$BUILD/stage
pkg_lock "$BUILD"

# RelWithDebInfo is what the tests build and run; the staged copies are stripped.
# BP_BUNDLED_RPATH points bin/build at the lib/ staged below.
log "building bin/ (cmake) in $BUILD"
cmake -S "$REPO" -B "$BUILD" "${CMAKE_CROSS[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBP_TESTS=OFF \
      -DBP_SANITIZE=OFF -DBP_FUZZ=OFF -DBP_BUNDLED_RPATH=ON -DBP_BIN_DIR="$BUILD/bin" >/dev/null
cmake --build "$BUILD" -j"${CMAKE_BUILD_PARALLEL_LEVEL:-2}" >&2

rm -rf "$STAGE"
pkg_stage_bin "$BUILD/bin" "$STAGE" detect build debug-launch
cp "${BP_BUILDPACK_TOML:-$REPO/buildpack.toml}" "$STAGE/buildpack.toml"

# ---- lib/: bin/build's shared libraries -------------------------------------
# Build images need not have libcurl, libarchive, OpenSSL or jansson (nor what
# they pull in), so bin/build carries every library it loads except glibc's
# own: the loader and libc must come from one glibc, and every glibc image has
# them. bin/detect and bin/debug-launch link only libc and get nothing.
is_glibc() {
  # The target loader's --list (cross) names the interpreter by its path.
  case ${1##*/} in
    ld-linux*|linux-vdso.so.*|libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|\
    libresolv.so.*|libutil.so.*|libanl.so.*|libmvec.so.*|libBrokenLocale.so.*|\
    libthread_db.so.*|libc_malloc_debug.so.*|libnss_*.so.*) return 0 ;;
  esac
  return 1
}
soname_of() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p'; }
# The Debian package that installed a file (usrmerge: try both spellings).
package_of() {
  local real out
  real=$(readlink -f "$1")
  out=$(dpkg-query -S "$real" 2>/dev/null || dpkg-query -S "${real#/usr}" 2>/dev/null) ||
    die "no Debian package owns $real ($1): its licence cannot be shipped"
  echo "${out%%: *}"
}

command -v dpkg-query >/dev/null || die "dpkg-query is missing: the bundled libraries' packages and licences come from dpkg"
LIBS=$BUILD/libs.tsv
pkg_needed_libs "$STAGE/bin/build" > "$LIBS" || die "bin/build has unresolved libraries on this host"
mkdir -p "$STAGE/lib/copyright/common-licenses"
: > "$STAGE/lib/PACKAGES"
n=0
while IFS=$'\t' read -r name path; do
  is_glibc "$name" && continue
  soname=$(soname_of "$path")
  [ "$soname" = "$name" ] || die "$path has SONAME '$soname', bin/build asks for $name"
  # -L: the real file, under the name the loader looks for.
  cp -L "$path" "$STAGE/lib/$name"
  chmod 0644 "$STAGE/lib/$name"
  pkg=$(package_of "$path")
  bare=${pkg%%:*}
  printf '%s\t%s\t%s\n' "$name" "$bare" "$(dpkg-query -W -f='${Version}' "$pkg")" >> "$STAGE/lib/PACKAGES"
  copyright=/usr/share/doc/$bare/copyright
  [ -f "$copyright" ] || die "$bare (for $name) has no $copyright"
  cp -L "$copyright" "$STAGE/lib/copyright/$bare"
  n=$((n + 1))
done < "$LIBS"
[ "$n" -gt 0 ] || die "ldd found no library to bundle for bin/build"
LC_ALL=C sort -o "$STAGE/lib/PACKAGES" "$STAGE/lib/PACKAGES"
# The licence texts the copyright files refer to (LGPL, Apache-2.0, ...).
find "$STAGE/lib/copyright" -maxdepth 1 -type f -exec grep -ohE '/usr/share/common-licenses/[A-Za-z0-9.+_-]+' {} + |
  LC_ALL=C sort -u |
  while read -r text; do
    [ ! -f "$text" ] || cp -L "$text" "$STAGE/lib/copyright/common-licenses/"
  done
find "$STAGE/lib/copyright" -type f -exec chmod 0644 {} +

# The staged bin/build must now load every library from lib/ (RPATH), none
# from this host: what the build image lacks would otherwise go unnoticed.
while IFS=$'\t' read -r name path; do
  is_glibc "$name" && continue
  [ "$path" = "$STAGE/lib/$name" ] || [ "$(readlink -f "$path")" = "$(readlink -f "$STAGE/lib/$name")" ] ||
    die "staged bin/build loads $name from $path, not from lib/ (was it built with -DBP_BUNDLED_RPATH=ON?)"
done < <(pkg_needed_libs "$STAGE/bin/build")
pkg_check_libc_only "$STAGE/bin/detect" "$STAGE/bin/debug-launch"

# The oldest glibc that can run the bundle: the newest GLIBC_x.y version any
# of them requires (what the loader checks at start). GLIBC_PRIVATE would tie
# a library to this exact glibc.
glibc_needs=$(for f in "$STAGE/bin/build" "$STAGE"/lib/*.so*; do
  "$OBJDUMP" -p "$f" | awk -v f="${f##*/}" '/^Version References:/ {v = 1; next} v && /^[^ ]/ {v = 0}
    v && $NF ~ /^GLIBC_/ {print $NF "\t" f}'
done | LC_ALL=C sort -u)
private=$(awk '$1 == "GLIBC_PRIVATE" {print $2}' <<< "$glibc_needs" | sort -u | tr '\n' ' ')
[ -z "$private" ] || die "these need GLIBC_PRIVATE and would run only on this exact glibc: $private"
GLIBC_MIN=$(cut -f1 <<< "$glibc_needs" | sed 's/^GLIBC_//' | sort -uV | tail -1)
by=$(awk -v v="GLIBC_$GLIBC_MIN" '$1 == v {print $2}' <<< "$glibc_needs" | sort -u | tr '\n' ' ')
log "bundled $n libraries in lib/ ($(du -sh "$STAGE/lib" | cut -f1)); bin/build needs glibc >= $GLIBC_MIN (${by% })"

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

pkg_write_package_toml "$BUILD/package.toml" "buildpack directory"
PACK=$(pkg_pack)
pkg_package_file "$PACK" "$BUILD" "$OUT" "$ARCH"

if [ -n "$PUBLISH" ]; then
  # The same staged directory and package.toml: the image holds the .cnb's layer.
  "$PACK" buildpack package "$PUBLISH" --config "$BUILD/package.toml" --format image --publish \
      --target "linux/$ARCH" --no-color >&2 ||
    die "pack buildpack package --publish $PUBLISH failed"
  log "pushed $PUBLISH"
fi
