#!/usr/bin/env bash
# The README's first command: installs and builds what it needs (Debian
# packages, the buildpack with CMake into build/ -> bin/, the lifecycle),
# then builds the go-http sample with the real lifecycle and the debug
# buildpack, starts it under dlv through the launcher, prints how to attach
# and proves it by hitting a breakpoint in the HTTP handler.
#
#   integration/demo.sh                   run it, then exit
#   DEMO_SECONDS=600 integration/demo.sh   stay up 10 minutes to attach yourself
#   BP_DEBUG_BUILDPACK_DIR=DIR ...         demo a built buildpack dir instead
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-local}
step() { echo; echo "==> $*"; }

if [ "$(id -u)" != 0 ]; then
  echo "demo.sh: run as root: the lifecycle phases switch to the build user (uid 1000)" >&2
  exit 1
fi

step "Installing what is missing (integration/install-deps.sh)"
integration/install-deps.sh

if [ -n "${BP_DEBUG_BUILDPACK_DIR:-}" ]; then
  step "Using the buildpack in BP_DEBUG_BUILDPACK_DIR=$BP_DEBUG_BUILDPACK_DIR"
else
  step "Building the buildpack (cmake: build/ -> bin/detect, bin/build, bin/debug-launch)"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j2 >/dev/null
  ls -l bin/detect bin/build bin/debug-launch
fi

step "The lifecycle v0.21.0, built from source and cached in .cache/ (integration/build-tools.sh)"
integration/build-tools.sh lifecycle

step "Running the demo"
cd integration
BP_DEBUG_DEMO=1 DEMO_SECONDS=${DEMO_SECONDS:-} go test -run '^TestDemo$' -v -count=1 -timeout 60m . 2>&1 |
  grep -v -E '^(=== (RUN|PAUSE|CONT)|    [a-z_]+\.go:[0-9]+: (analyzer|detector|restorer|builder|exporter): exit)'
