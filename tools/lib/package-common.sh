# The steps tools/package.sh and tools/package-companion.sh take alike:
# output path, arch, lock, stage/strip, the libc-only check, package.toml, pack.
# Sourced, not run. Set PKG_NAME (the log prefix) and REPO before sourcing.

log() { echo "$PKG_NAME: $*" >&2; }
die() { echo "$PKG_NAME: $*" >&2; exit 1; }

# pkg_out_path OUT: prints OUT's absolute path (OUT must end in .cnb), making
# its directory.
pkg_out_path() {
  case $1 in *.cnb) ;; *) die "OUT '$1' must end in .cnb" ;; esac
  mkdir -p "$(dirname "$1")"
  echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

# pkg_host_arch: this machine's arch as the package's platform names it.
pkg_host_arch() {
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64|arm64) echo arm64 ;;
    *) die "unsupported machine $(uname -m) (amd64, arm64)" ;;
  esac
}

# pkg_lock BUILD: one packaging of BUILD at a time, until this shell exits.
# Test packages run in parallel (go test ./...) and would otherwise share
# BUILD half-written.
pkg_lock() {
  mkdir -p "$1"
  exec 9>"$1/.lock"
  flock 9
}

# pkg_stage_bin FROM STAGE EXE...: copies each FROM/EXE to STAGE/bin/EXE,
# stripped with $STRIP (default strip). The tests run the RelWithDebInfo
# build; the package gets the stripped copies.
pkg_stage_bin() {
  local from=$1 stage=$2 exe
  shift 2
  mkdir -p "$stage/bin"
  for exe in "$@"; do
    [ -x "$from/$exe" ] || die "the build made no bin/$exe ($from)"
    cp "$from/$exe" "$stage/bin/$exe"
    "${STRIP:-strip}" "$stage/bin/$exe"
  done
}

# pkg_needed_libs EXE: prints "SONAME<TAB>path" for each library the loader
# resolves for EXE, with ${LDD[@]} (default ldd; a cross build sets the
# target's loader under qemu-user). LD_LIBRARY_PATH and LD_PRELOAD would
# resolve what this host happens to have. Fails on an unresolved library.
pkg_needed_libs() {
  local ldd=(ldd)
  [ -z "${LDD+set}" ] || ldd=("${LDD[@]}")
  env -u LD_LIBRARY_PATH -u LD_PRELOAD "${ldd[@]}" "$1" | awk -v exe="$1" -v name="$PKG_NAME" '
    $2 == "=>" && $3 == "not" { print name ": " exe " needs " $1 ", which is not found" > "/dev/stderr"; bad = 1; next }
    $2 == "=>" { print $1 "\t" $3 }
    END { exit bad }'
}

# pkg_check_libc_only EXE...: each EXE may load libc and the loader only.
# detect runs on every build and debug-launch on every start, and the
# companion's on every debug build: no library beyond libc (DESIGN.md).
pkg_check_libc_only() {
  local exe libs extra
  for exe in "$@"; do
    libs=$(pkg_needed_libs "$exe") || die "${exe##*/} has unresolved libraries on this host"
    # The target loader's --list (cross) names the interpreter by its path.
    extra=$(cut -f1 <<< "$libs" | while read -r lib; do
      case ${lib##*/} in ''|ld-linux*|linux-vdso.so.*|libc.so.*) ;; *) printf '%s ' "$lib" ;; esac
    done)
    [ -z "$extra" ] || die "bin/${exe##*/} must link only libc, it needs: ${extra% }"
  done
}

# pkg_write_package_toml FILE WHAT: pack's package.toml for the directory
# "stage" beside FILE. It sits beside the staged directory, not in it, so
# the buildpack layer holds only what was staged.
pkg_write_package_toml() {
  cat > "$1" <<TOML
# Written by tools/$PKG_NAME.sh: packages the staged $2.
[buildpack]
  uri = "stage"

[platform]
  os = "linux"
TOML
}

# pkg_pack: the pinned pack CLI's path (PACK, else the build-tools.sh cache),
# built by integration/build-tools.sh when missing.
pkg_pack() {
  local pack=${PACK:-${BP_DEBUG_CACHE:-$REPO/.cache}/pack-v0.40.0/pack}
  if [ ! -x "$pack" ]; then
    log "no pack at $pack: building it"
    "$REPO/integration/build-tools.sh" pack >&2
    [ -x "$pack" ] || die "integration/build-tools.sh pack left no $pack"
  fi
  echo "$pack"
}

# pkg_package_file PACK BUILD OUT ARCH: packages BUILD/package.toml as the
# .cnb file OUT for linux/ARCH. A private PACK_HOME (BUILD/pack-home) keeps
# pack from reading or writing the user's config.
pkg_package_file() {
  local pack=$1 build=$2 out=$3 arch=$4
  export PACK_HOME=$build/pack-home
  mkdir -p "$PACK_HOME"
  rm -f "$out"
  "$pack" buildpack package "$out" --config "$build/package.toml" --format file \
      --target "linux/$arch" --no-color >&2 ||
    die "pack buildpack package failed"
  [ -s "$out" ] || die "pack wrote no $out"
  log "wrote $out ($(du -h "$out" | cut -f1))"
}
