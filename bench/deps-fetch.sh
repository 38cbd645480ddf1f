#!/usr/bin/env bash
# Times the dependency path of bp_deps against the plain shell pipeline on
# a ~20 MB tar.gz served from a loopback `python3 -m http.server`:
#   cold: deps-cli install into a fresh layer (download + sha256 while
#         streaming + safe extraction + layer swap + SBOM)
#   curl: curl -o + sha256sum -c + tar -xzf of the same file
#   warm: deps-cli install again with the layer in place (reuse: no bytes)
# Prints medians and ratios (goal: cold within 1.2x of curl). Asserts nothing.
#
# Usage: bench/deps-fetch.sh [runs]      (default 10)
# Env:   BP_DEPS_CLI (default <repo>/build/tests/deps-cli; build with
#        cmake -S . -B build && cmake --build build --target deps-cli)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-10}
CLI=${BP_DEPS_CLI:-$REPO/build/tests/deps-cli}
[ -x "$CLI" ] || { echo "deps-fetch: $CLI not found; build the deps-cli target or set BP_DEPS_CLI" >&2; exit 2; }
for tool in curl sha256sum tar python3 hyperfine; do
  command -v "$tool" >/dev/null || { echo "deps-fetch: $tool is required" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/deps-fetch.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# ~18 MB that does not compress plus ~7 MB of text that does: a ~20 MB
# archive shaped like a debugger release (one big binary, some text).
mkdir -p "$WORK/payload/tool-1.0/bin" "$WORK/srv"
head -c $((18 * 1024 * 1024)) /dev/urandom > "$WORK/payload/tool-1.0/bin/tool"
chmod 755 "$WORK/payload/tool-1.0/bin/tool"
seq 1 1000000 > "$WORK/payload/tool-1.0/numbers.txt"
tar -C "$WORK/payload" -czf "$WORK/srv/tool-1.0.tar.gz" tool-1.0
SIZE=$(stat -c %s "$WORK/srv/tool-1.0.tar.gz")
SHA=$(sha256sum "$WORK/srv/tool-1.0.tar.gz" | cut -d' ' -f1)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK/srv" >/dev/null 2>&1 &
SERVER_PID=$!
URL=http://127.0.0.1:$PORT/tool-1.0.tar.gz
for _ in $(seq 50); do curl -fsI "$URL" >/dev/null 2>&1 && break; sleep 0.1; done

cat > "$WORK/buildpack.toml" <<TOML
api = "0.10"
[buildpack]
  id = "bench/deps"
  version = "0.0.1"
[[metadata.dependencies]]
  id = "tool"
  version = "1.0"
  uri = "$URL"
  checksum = "sha256:$SHA"
  strip-components = 1
TOML

L=$WORK/layers
INSTALL="$CLI install --buildpack-toml $WORK/buildpack.toml --id tool --layers $L --launch"
CURL="curl -fsS -o $WORK/dl.tgz $URL && echo '$SHA  $WORK/dl.tgz' | sha256sum -c --quiet && tar -xzf $WORK/dl.tgz -C $WORK/x"

echo "payload: $((SIZE / 1024 / 1024)) MiB tar.gz ($SIZE bytes), $RUNS runs each, served from $URL"
hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$WORK/cold.json" \
  --prepare "rm -rf $L $WORK/x $WORK/dl.tgz && mkdir -p $L $WORK/x" \
  -n cold "$INSTALL" -n curl "$CURL" >/dev/null

rm -rf "$L" && mkdir -p "$L" && $INSTALL >/dev/null
WARM_OUT=$($INSTALL | tail -n 1)
hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$WORK/warm.json" -n warm "$INSTALL" >/dev/null

python3 - "$WORK/cold.json" "$WORK/warm.json" "$WARM_OUT" <<'PY'
import json, statistics, sys
times = {}
for path in sys.argv[1:3]:
    for r in json.load(open(path))["results"]:
        times[r["command"]] = r
def med(name):
    return statistics.median(times[name]["times"]) * 1000
cold, curl, warm = med("cold"), med("curl"), med("warm")
print(f"cold install (deps-cli)        median {cold:8.1f} ms")
print(f"curl + sha256sum + tar -xz     median {curl:8.1f} ms")
print(f"warm rebuild (layer reuse)     median {warm:8.1f} ms")
print(f"cold / curl pipeline           {cold / curl:8.2f}x   (goal <= 1.2x)")
print(f"warm / cold                    {warm / cold:8.3f}x")
print(f"warm rebuild result: {sys.argv[3]}")
PY
