#!/usr/bin/env bash
# Builds the platform tools the integration tests run for real, from pinned
# module versions through the Go module proxy, and caches the binaries under
# .cache/ keyed by version (a cold build takes about 2 minutes on 2 cores).
#
# Usage: integration/build-tools.sh [lifecycle] [pack] [dlv] [skaffold]
#        (default: lifecycle pack dlv; skaffold only on request, it is the slow one)
# Prints nothing but progress on stderr; the layout it leaves:
#   .cache/lifecycle-v$LIFECYCLE_VERSION/{lifecycle,launcher,detector,...}
#   .cache/lifecycle-v$LIFECYCLE_VERSION+linux.$ARCH.tgz   (for pack's builder.toml)
#   .cache/pack-v$PACK_VERSION/pack
#   .cache/dlv-v$DELVE_VERSION/dlv
#   .cache/skaffold-v$SKAFFOLD_VERSION/skaffold
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${BP_DEBUG_CACHE:-$REPO/.cache}
LIFECYCLE_VERSION=${LIFECYCLE_VERSION:-0.21.0}
PACK_VERSION=${PACK_VERSION:-0.40.0}
DELVE_VERSION=${DELVE_VERSION:-1.27.2}
# The version integration/pack/testdata/platform-check/go.mod pins, so the CLI
# and the transform the Go tests run are the same Skaffold.
SKAFFOLD_VERSION=${SKAFFOLD_VERSION:-2.24.0}
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-local}

log() { echo "build-tools: $*" >&2; }

# Copies a module's source out of the read-only module cache into $2.
module_source() {
  local dir
  dir=$(go mod download -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$2"
  cp -r "$dir" "$2"
  chmod -R u+w "$2"
}

build_lifecycle() {
  local out=$CACHE/lifecycle-v$LIFECYCLE_VERSION arch
  arch=$(go env GOARCH); [ "$arch" = amd64 ] && arch=x86-64
  local tgz=$CACHE/lifecycle-v$LIFECYCLE_VERSION+linux.$arch.tgz
  if [ -x "$out/lifecycle" ] && [ -x "$out/launcher" ] && [ -f "$tgz" ]; then return; fi
  log "building lifecycle v$LIFECYCLE_VERSION (cached afterwards)"
  local src=$CACHE/src/lifecycle-v$LIFECYCLE_VERSION
  module_source "github.com/buildpacks/lifecycle@v$LIFECYCLE_VERSION" "$src"
  # The packager names the tarball's top directory after its input dir, and
  # release tarballs (which pack and lifecycle images expect) use lifecycle/.
  local stage=$CACHE/lifecycle-build.$$ tmp=$CACHE/lifecycle-build.$$/lifecycle
  rm -rf "$stage"; mkdir -p "$tmp"
  local ld="-s -w -X 'github.com/buildpacks/lifecycle/cmd.SCMRepository=github.com/buildpacks/lifecycle' -X 'github.com/buildpacks/lifecycle/cmd.Version=$LIFECYCLE_VERSION'"
  ( cd "$src"
    go build -ldflags "$ld" -o "$tmp/lifecycle" ./cmd/lifecycle
    go build -ldflags "$ld" -o "$tmp/launcher" ./cmd/launcher
    for p in detector analyzer restorer builder exporter rebaser creator extender; do ln -sf lifecycle "$tmp/$p"; done
    go run ./tools/packager -inputDir "$tmp" -archivePath "$tgz.tmp" -descriptorPath lifecycle.toml -version "$LIFECYCLE_VERSION" >&2 )
  rm -rf "$out"; mv "$tmp" "$out"; mv "$tgz.tmp" "$tgz"; rm -f "$tgz.tmp.sha256"; rm -rf "$stage"
  rm -rf "$src"
}

# build_module_binary NAME VERSION MODULE PACKAGE [GO BUILD FLAGS...]: builds
# PACKAGE of MODULE@vVERSION inside the module (its go.mod's replace lines
# apply) into $CACHE/NAME-vVERSION/NAME, once: cached afterwards.
build_module_binary() {
  local name=$1 version=$2 module=$3 package=$4
  shift 4
  local out=$CACHE/$name-v$version
  [ -x "$out/$name" ] && return
  log "building $name v$version (cached afterwards)"
  local src=$CACHE/src/$name-v$version
  module_source "$module@v$version" "$src"
  mkdir -p "$out"
  ( cd "$src" && go build -trimpath "$@" -o "$out/$name.tmp" "$package" )
  mv "$out/$name.tmp" "$out/$name"
  rm -rf "$src"
}

build_pack() {
  build_module_binary pack "$PACK_VERSION" github.com/buildpacks/pack . \
    -ldflags "-s -w -X 'github.com/buildpacks/pack/pkg/client.Version=$PACK_VERSION'"
}

build_dlv() {
  build_module_binary dlv "$DELVE_VERSION" github.com/go-delve/delve ./cmd/dlv
}

# Skaffold's own release build (its Makefile) uses these tags and the version
# variable. Cold: about 4-6 minutes on 2 cores (the module graph is large).
build_skaffold() {
  build_module_binary skaffold "$SKAFFOLD_VERSION" github.com/GoogleContainerTools/skaffold/v2 ./cmd/skaffold \
    -tags "timetzdata osusergo netgo release" \
    -ldflags "-s -w -X github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/version.version=v$SKAFFOLD_VERSION"
}

mkdir -p "$CACHE/src"
[ $# -gt 0 ] || set -- lifecycle pack dlv
for tool in "$@"; do
  case $tool in
    lifecycle) build_lifecycle ;;
    pack) build_pack ;;
    dlv) build_dlv ;;
    skaffold) build_skaffold ;;
    *) echo "build-tools: unknown tool '$tool' (lifecycle, pack, dlv, skaffold)" >&2; exit 2 ;;
  esac
done
