#!/usr/bin/env bash
# Builds Delve VERSION for linux/ARCH from its Go module with the pinned Go and
# packs a byte-reproducible dlv-VERSION-linux-ARCH.tar.gz (dlv + LICENSE).
#
# Usage: tools/build-dlv.sh VERSION ARCH OUTDIR
#   VERSION  a Delve release without the v (1.27.2); ARCH amd64 or arm64
# Prints "<sha256>  OUTDIR/dlv-VERSION-linux-ARCH.tar.gz" on stdout, progress on stderr.
#
# The Go that builds dlv is pinned by the `go-version` of the matching dlv entry in
# buildpack.toml; a different `go env GOVERSION` fails, because another Go gives
# other bytes and so another checksum. To add a new entry, set DLV_GO_VERSION
# (e.g. 1.26.8) to name the pin before buildpack.toml has it.
# Results are cached in ${BP_DEBUG_CACHE:-.cache}/deps/go<GOVERSION>/ (a cold
# build takes about 25 s on 2 cores).
# BP_BUILDPACK_TOML names another buildpack.toml to read the pin from.
set -euo pipefail

TOOLS=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$TOOLS")
log() { echo "build-dlv: $*" >&2; }
die() { echo "build-dlv: $*" >&2; exit 1; }

[ $# -eq 3 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
VERSION=${1#v}
ARCH=$2
OUTDIR=$3
case $ARCH in amd64|arm64) ;; *) die "unsupported ARCH '$ARCH' (amd64, arm64)" ;; esac
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "VERSION '$VERSION' is not a release such as 1.27.2"

PINNED=${DLV_GO_VERSION:-}
PIN_FROM="DLV_GO_VERSION"
if [ -z "$PINNED" ]; then
  PIN_FROM="buildpack.toml go-version"
  PINNED=$(python3 "$TOOLS/deps.py" get dlv "$VERSION" "$ARCH" go-version) ||
    die "buildpack.toml has no dlv $VERSION $ARCH entry with go-version; set DLV_GO_VERSION to add one"
fi
PINNED=${PINNED#go}

# Every input that changes the output bytes is fixed here, whatever the caller's env.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOOS=linux GOARCH=$ARCH GOFLAGS="-buildvcs=false -mod=mod" \
       GOAMD64=v1 GOARM64=v8.0 GOEXPERIMENT= GO111MODULE=on
GOVERSION=$(go env GOVERSION)
[ "$GOVERSION" = "go$PINNED" ] ||
  die "Go is $GOVERSION but dlv $VERSION $ARCH is pinned to go$PINNED ($PIN_FROM): install go$PINNED, or rebuild every dlv entry and update go-version and checksum"

NAME=dlv-$VERSION-linux-$ARCH.tar.gz
CACHE=${BP_DEBUG_CACHE:-$REPO/.cache}/deps/$GOVERSION
mkdir -p "$CACHE" "$OUTDIR"

if [ ! -f "$CACHE/$NAME" ]; then
  log "building dlv $VERSION linux/$ARCH with $GOVERSION (cached afterwards)"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/build-dlv.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
  # The module cache is read-only; go build wants to write in the module dir.
  read -r dir sum < <( (cd "$WORK" && go mod download -json "github.com/go-delve/delve@v$VERSION") |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["Dir"], d["Sum"]) if "Dir" in d else sys.exit(d.get("Error", "no Dir"))') ||
    die "go mod download github.com/go-delve/delve@v$VERSION failed"
  [ -n "${dir:-}" ] || die "go mod download github.com/go-delve/delve@v$VERSION gave no source directory"
  # go already checks the module against the checksum database; this also ties
  # the source to the go-sum recorded in buildpack.toml.
  want_sum=$(python3 "$TOOLS/deps.py" get dlv "$VERSION" "$ARCH" go-sum 2>/dev/null || true)
  [ -z "$want_sum" ] || [ "$want_sum" = "$sum" ] ||
    die "github.com/go-delve/delve@v$VERSION has module hash $sum, buildpack.toml go-sum says $want_sum"
  cp -r "$dir" "$WORK/src"
  chmod -R u+w "$WORK/src"
  mkdir "$WORK/pkg"
  # -s -w: dlv needs no symbols of its own, and they are half its size.
  (cd "$WORK/src" && go build -trimpath -ldflags='-s -w' -o "$WORK/pkg/dlv" ./cmd/dlv) ||
    die "go build of dlv $VERSION for linux/$ARCH with $GOVERSION failed"
  cp "$WORK/src/LICENSE" "$WORK/pkg/LICENSE"
  chmod 0755 "$WORK/pkg/dlv"
  chmod 0644 "$WORK/pkg/LICENSE"
  # Fixed names order, times, owners and modes, and gzip without name or time:
  # the archive's sha256 then depends only on the two files' bytes.
  LC_ALL=C tar --format=ustar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
      -C "$WORK/pkg" -cf - LICENSE dlv | gzip -n -9 > "$WORK/$NAME"
  mv "$WORK/$NAME" "$CACHE/$NAME.tmp.$$"
  mv "$CACHE/$NAME.tmp.$$" "$CACHE/$NAME"
fi

cp "$CACHE/$NAME" "$OUTDIR/$NAME.tmp.$$"
mv "$OUTDIR/$NAME.tmp.$$" "$OUTDIR/$NAME"
sha256sum "$OUTDIR/$NAME"
