#!/usr/bin/env bash
# Builds, in the podman storage that integration/platform/podman.sh set up, the
# images pack needs: a Debian base from debootstrap, the CNB build and run
# images, the lifecycle image and a builder. Each image carries the hash of
# everything it was made from, so a second run rebuilds nothing (about 1 s).
#
# Usage: eval "$(integration/platform/images.sh)"
# Prints only `export NAME=value` lines on stdout (progress goes to stderr):
#   CNBDEBUG_BUILDER, CNBDEBUG_BUILD_IMAGE, CNBDEBUG_RUN_IMAGE, CNBDEBUG_STACK_ID,
#   CNBDEBUG_BASE_IMAGE (the bare debootstrap minbase both stack images start from),
#   CNBDEBUG_LIFECYCLE_IMAGE, CNBDEBUG_LIFECYCLE_TARBALL (for builders of your own),
#   PACK_HOME (a private pack config, so the user's is never read or written),
#   and the podman.sh exports (DOCKER_HOST, CONTAINERS_CONF, ...).
# The builder's order holds the paketo-go-build fixture (integration/testdata);
# tests add the buildpacks they test with `pack build --buildpack`.
# Env: BP_DEBUG_CACHE (cache root, default <repo>/.cache), CNBDEBUG_PODMAN_DIR (see podman.sh).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${BP_DEBUG_CACHE:-$REPO/.cache}
DIR=${CNBDEBUG_PODMAN_DIR:-$CACHE/podman}
LIFECYCLE_VERSION=${LIFECYCLE_VERSION:-0.21.0}
PACK_VERSION=${PACK_VERSION:-0.40.0}
KEY_LABEL=io.cnbdebug.images.key
# The app's binaries are compiled on this host, so the images must be the
# host's Debian release (same glibc or newer).
SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
STACK_ID=io.cnbdebug.$SUITE
FIXTURE=$REPO/integration/testdata/buildpacks/paketo-go-build
# The build image adds no package to the base: the packaged bin/build carries
# its libraries in the buildpack's lib/ (tools/package.sh), and bin/detect and
# the launcher need only libc. A builder on any glibc build image is tested so.

BASE=cnbdebug.local/base:$SUITE
BUILD=cnbdebug.local/build:$SUITE
RUN=cnbdebug.local/run:$SUITE
LIFECYCLE=docker.io/buildpacksio/lifecycle:$LIFECYCLE_VERSION
BUILDER=cnbdebug.local/builder:$SUITE

log() { echo "images.sh: $*" >&2; }
die() { echo "images.sh: $*" >&2; exit 1; }
T0=$(date +%s)

[ -n "$SUITE" ] || die "/etc/os-release has no VERSION_CODENAME (a Debian host is needed for debootstrap)"
command -v debootstrap >/dev/null || die "debootstrap is missing (run integration/install-deps.sh)"

# One build at a time: test binaries and benchmarks may start together.
mkdir -p "$DIR"
exec 9>"$DIR/images.lock"
flock 9

PODMAN_ENV=$(CNBDEBUG_LIFECYCLE_REPO=${LIFECYCLE%:*} "$HERE/podman.sh" start)
eval "$PODMAN_ENV"
"$REPO/integration/build-tools.sh" lifecycle pack
PACK=$CACHE/pack-v$PACK_VERSION/pack
ARCH=$(go env GOARCH); [ "$ARCH" = amd64 ] && ARCH=x86-64
TARBALL=$CACHE/lifecycle-v$LIFECYCLE_VERSION+linux.$ARCH.tgz
[ -f "$TARBALL" ] || die "build-tools.sh left no $TARBALL"
export PACK_HOME=$DIR/pack-home
mkdir -p "$PACK_HOME" "$DIR/context"

hash_text() { sha256sum | cut -c1-16; }
# A directory's content (names, modes, bytes), in a stable order.
hash_tree() {
  (cd "$1" && find . -type f -printf '%p %m\n' | LC_ALL=C sort | while read -r f m; do
    echo "$f $m $(sha256sum < "$f" | cut -d' ' -f1)"; done) | hash_text
}
image_key() { podman image inspect --format "{{ index .Labels \"$KEY_LABEL\" }}" "$1" 2>/dev/null || true; }
fresh() { [ "$(image_key "$1")" = "$2" ]; }

# The mirror is the host's own apt source (deb822 .sources, else sources.list):
# no host name is written down here.
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || die "no Debian mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
  echo "$uri"
}

# ---- base: debootstrap minbase, imported as one layer ----------------------
MIRROR=$(debian_mirror)
BASE_KEY=$(printf 'base-v1 %s minbase %s\n' "$SUITE" "$MIRROR" | hash_text)
if ! fresh "$BASE" "$BASE_KEY"; then
  log "debootstrap $SUITE (about 40 s)"
  ROOT=$DIR/rootfs.tmp
  rm -rf "$ROOT"
  debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" > "$DIR/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $DIR/debootstrap.log"
  rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
  tar -C "$ROOT" -c . | podman import -q --change "LABEL $KEY_LABEL=$BASE_KEY" - "$BASE" >/dev/null
  rm -rf "$ROOT"
fi

# ---- build and run images --------------------------------------------------
# Both are the base plus the CNB user and the stack labels, nothing else.
stack_containerfile() {
  cat <<EOF
FROM $BASE
RUN groupadd -g 1000 cnb && useradd -u 1000 -g 1000 -m -s /bin/bash cnb
ENV CNB_USER_ID=1000 CNB_GROUP_ID=1000
LABEL io.buildpacks.base.id=$STACK_ID io.buildpacks.stack.id=$STACK_ID \\
      io.buildpacks.base.distro.name=debian io.buildpacks.base.distro.version=$(cut -d. -f1 /etc/debian_version)
USER 1000:1000
EOF
}
build_stack_image() {
  local kind=$1 image=$2 file key
  file=$DIR/context/Containerfile.$kind
  stack_containerfile "$kind" > "$file"
  key=$( { echo "$BASE_KEY"; cat "$file"; } | hash_text)
  if ! fresh "$image" "$key"; then
    log "building $image"
    podman build -q --network host --label "$KEY_LABEL=$key" -f "$file" -t "$image" "$DIR/context" >/dev/null ||
      die "podman build $image failed"
  fi
  echo "$key"
}
BUILD_KEY=$(build_stack_image build "$BUILD")
RUN_KEY=$(build_stack_image run "$RUN")

# ---- lifecycle image: what an untrusted pack build runs its phases from ----
# The release tarball's top directory is named after the packager's input
# dir; the phases must sit in /cnb/lifecycle/ whatever that name is.
TARBALL_SUM=$(sha256sum < "$TARBALL" | cut -d' ' -f1)
cat > "$DIR/context/Containerfile.lifecycle" <<EOF
FROM $BASE
COPY lifecycle-root/ /cnb/
LABEL io.buildpacks.lifecycle.version="$LIFECYCLE_VERSION"
WORKDIR /layers
EOF
LIFECYCLE_KEY=$( { echo "$BASE_KEY $TARBALL_SUM"; cat "$DIR/context/Containerfile.lifecycle"; } | hash_text)
if ! fresh "$LIFECYCLE" "$LIFECYCLE_KEY"; then
  log "building $LIFECYCLE"
  ROOT=$DIR/context/lifecycle-root
  UNPACK=$DIR/context/lifecycle-unpack
  rm -rf "$ROOT" "$UNPACK"
  mkdir -p "$ROOT/lifecycle" "$UNPACK"
  tar -xzf "$TARBALL" -C "$UNPACK"
  PHASES=$(find "$UNPACK" -name lifecycle -type f -printf '%h\n' | head -1)
  [ -n "$PHASES" ] && [ -x "$PHASES/lifecycle" ] && [ -x "$PHASES/launcher" ] ||
    die "$TARBALL holds no lifecycle and launcher"
  cp -a "$PHASES"/. "$ROOT/lifecycle/"
  [ ! -f "$UNPACK/lifecycle.toml" ] || cp "$UNPACK/lifecycle.toml" "$ROOT/"
  podman build -q --label "$KEY_LABEL=$LIFECYCLE_KEY" -f "$DIR/context/Containerfile.lifecycle" \
    -t "$LIFECYCLE" "$DIR/context" >/dev/null || die "podman build $LIFECYCLE failed"
  rm -rf "$ROOT" "$UNPACK"
fi

# ---- builder ---------------------------------------------------------------
cat > "$DIR/builder.toml" <<EOF
# Written by integration/platform/images.sh.
[[buildpacks]]
  uri = "$FIXTURE"

[[order]]
  [[order.group]]
    id = "paketo-buildpacks/go-build"
    version = "1.0.0"

[build]
  image = "$BUILD"

[run]
  [[run.images]]
    image = "$RUN"

[stack]
  id = "$STACK_ID"
  build-image = "$BUILD"
  run-image = "$RUN"

[lifecycle]
  uri = "$TARBALL"
EOF
BUILDER_KEY=$( { echo "$BUILD_KEY $RUN_KEY $TARBALL_SUM $PACK_VERSION"; hash_tree "$FIXTURE";
                 cat "$DIR/builder.toml"; } | hash_text)
if ! fresh "$BUILDER" "$BUILDER_KEY"; then
  log "pack builder create $BUILDER"
  "$PACK" builder create "$BUILDER" --config "$DIR/builder.toml" --pull-policy never \
    --label "$KEY_LABEL=$BUILDER_KEY" --no-color >&2 || die "pack builder create $BUILDER failed"
fi

echo "$PODMAN_ENV"
echo "export PACK_HOME=$PACK_HOME"
echo "export CNBDEBUG_BUILDER=$BUILDER"
echo "export CNBDEBUG_BASE_IMAGE=$BASE"
echo "export CNBDEBUG_BUILD_IMAGE=$BUILD"
echo "export CNBDEBUG_RUN_IMAGE=$RUN"
echo "export CNBDEBUG_STACK_ID=$STACK_ID"
echo "export CNBDEBUG_LIFECYCLE_IMAGE=$LIFECYCLE"
echo "export CNBDEBUG_LIFECYCLE_TARBALL=$TARBALL"
log "images ready in $(( $(date +%s) - T0 ))s"
