#!/usr/bin/env bash
# Measures what the debug buildpack adds to a warm `pack build` through
# podman: the Go sample app with the Go fixture alone, against the same with
# the debug buildpack (offline .cnb, BP_DEBUG=true; its layer reused after
# the first run, as on a developer's machine). Prints figures; asserts nothing.
#
# Usage: bench/pack-build.sh        RUNS (default 5) tunes hyperfine.
# Needs what integration/pack needs: root, podman, go; builds images on first use.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-5}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }

eval "$("$repo/integration/platform/images.sh")"
export PACK_VOLUME_KEY=cnbdebug-bench
pack=${BP_DEBUG_CACHE:-$repo/.cache}/pack-v0.40.0/pack
work=$(mktemp -d "${TMPDIR:-/tmp}/pack-bench.XXXXXX")
trap 'podman rmi -f cnbdebug.local/bench:plain cnbdebug.local/bench:debug >/dev/null 2>&1 || true; podman volume prune -f >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

"$repo/tools/package.sh" --offline "$work/debug.cnb" 2>/dev/null
cp -r "$repo/integration/testdata/apps/go-http" "$work/app"
(cd "$work/app" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -gcflags='all=-N -l' -o .fixture-go-bin/ .)
fixture=$repo/integration/testdata/buildpacks/paketo-go-build
common="--builder $CNBDEBUG_BUILDER --path $work/app --buildpack $fixture --pull-policy never --docker-host inherit --trust-builder --trust-extra-buildpacks -q"

hyperfine --runs "$runs" --warmup 1 --export-markdown "$work/result.md" \
  -n "pack build (Go fixture only)" "$pack build cnbdebug.local/bench:plain $common" \
  -n "pack build (+ debug buildpack, BP_DEBUG=true)" "$pack build cnbdebug.local/bench:debug $common --buildpack $work/debug.cnb --env BP_DEBUG=true"
cat "$work/result.md"
