#!/usr/bin/env bash
# Fetches the debugpy and ptvsd wheels that buildpack.toml lists, with pip (the
# registry's own client), into OUTDIR and checks each against its sha256.
#
# Usage: tools/fetch-wheels.sh OUTDIR
# Prints "<sha256>  OUTDIR/<wheel>" per wheel on stdout, progress on stderr.
# The pip options come from each entry's python-tag, so pip picks exactly the
# listed file (py2.py3-none-any, or e.g. cp311-cp311-manylinux_2_34_x86_64)
# whatever the host's Python and platform are. BP_BUILDPACK_TOML names
# another buildpack.toml to read.
set -euo pipefail

TOOLS=$(cd "$(dirname "$0")" && pwd)
log() { echo "fetch-wheels: $*" >&2; }
die() { echo "fetch-wheels: $*" >&2; exit 1; }

[ $# -eq 1 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
OUTDIR=$1
mkdir -p "$OUTDIR"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fetch-wheels.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Translates a wheel tag (interpreter-abi-platform) into pip download options.
pip_tag_options() {
  local interp abi plats p
  IFS=- read -r interp abi plats <<<"$1"
  [ -n "$plats" ] || die "python-tag '$1' is not interpreter-abi-platform"
  if [ "$plats" = any ]; then
    echo "--platform any --implementation py"
    return
  fi
  [[ $interp =~ ^cp([0-9])([0-9]+)$ ]] || die "python-tag '$1': only cpXY interpreters are supported for platform wheels"
  local opts="--implementation cp --python-version ${BASH_REMATCH[1]}.${BASH_REMATCH[2]} --abi $abi"
  for p in ${plats//./ }; do opts="$opts --platform $p"; done
  echo "$opts"
}

count=0
while IFS=$'\t' read -r id version tag file sha; do
  [ "$tag" != - ] || die "buildpack.toml: $id $version ($file) has no python-tag"
  out=$OUTDIR/$file
  if [ -f "$out" ] && [ "$(sha256sum "$out" | cut -d' ' -f1)" = "$sha" ]; then
    sha256sum "$out"; count=$((count + 1)); continue
  fi
  log "pip download $id==$version ($tag)"
  dir=$WORK/$count
  mkdir -p "$dir"
  # shellcheck disable=SC2046 # the options are words by design
  pip download --quiet --no-deps --only-binary=:all: --no-cache-dir \
      $(pip_tag_options "$tag") --dest "$dir" "$id==$version" >&2 ||
    die "pip download $id==$version ($tag) failed"
  got=$(ls "$dir")
  [ "$got" = "$file" ] || die "pip download $id==$version ($tag) gave '$got', buildpack.toml lists '$file'"
  actual=$(sha256sum "$dir/$file" | cut -d' ' -f1)
  [ "$actual" = "$sha" ] ||
    die "$file has sha256 $actual, buildpack.toml says $sha: the upstream wheel changed or the entry is wrong"
  mv "$dir/$file" "$out.tmp.$$"
  mv "$out.tmp.$$" "$out"
  sha256sum "$out"
  count=$((count + 1))
done < <(python3 "$TOOLS/deps.py" list --id debugpy --id ptvsd --fields id,version,python-tag,file,sha256)

[ "$count" -gt 0 ] || die "buildpack.toml lists no debugpy or ptvsd wheel"
log "$count wheels in $OUTDIR"
