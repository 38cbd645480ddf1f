#!/usr/bin/env bash
# Measures what the launch wrapper adds to a container start: the median
# start time of /bin/true run directly, and through bin/dlv (debug-launch)
# with the debugger on (forks real/dlv -> /bin/true and supervises it) and
# off (execs the bare "app", /bin/true). Prints figures; asserts nothing.
# Goal: < 2 ms added.
#
# Usage: bench/launch-startup.sh [path/to/debug-launch]
#   default: $DEBUG_LAUNCH, else bin/debug-launch, else a Release build in
#   build-bench/. RUNS (default 1000) and WARMUP (default 100) tune hyperfine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-1000}
warmup=${WARMUP:-100}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed to read hyperfine's JSON" >&2; exit 1; }

wrapper=${1:-${DEBUG_LAUNCH:-}}
if [[ -z $wrapper && -x $repo/bin/debug-launch ]]; then
  wrapper=$repo/bin/debug-launch
fi
if [[ -z $wrapper ]]; then
  build=$repo/build-bench
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBP_TESTS=OFF \
        -DBP_BIN_DIR="$build/bin" >/dev/null
  cmake --build "$build" -j2 --target debug-launch >/dev/null
  wrapper=$build/bin/debug-launch
fi
echo "wrapper: $wrapper ($(ldd "$wrapper" 2>/dev/null | grep -c '=>') shared libraries)"

work=$(mktemp -d /tmp/launch-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
layer=$work/layer
mkdir -p "$layer/bin" "$layer/real"
# A copy: the wrapper finds its layer from its own path.
cp "$wrapper" "$layer/bin/debug-launch"
ln -s debug-launch "$layer/bin/dlv"
ln -s /bin/true "$layer/real/dlv"

dlv_cmd="$layer/bin/dlv exec --headless --continue --accept-multiclient --api-version=2 \
--only-same-user=false --listen=0.0.0.0:56268 /bin/true -- arg"

# hyperfine -N execs the commands itself (no shell), so only process start
# and the wrapper's own work are measured. BPL_DEBUG_ENABLED comes from the
# environment hyperfine passes on, so each mode is its own run.
env -u BPL_DEBUG_ENABLED hyperfine -N --runs "$runs" --warmup "$warmup" --style basic \
  --export-json "$work/on.json" -n direct /bin/true -n enabled "$dlv_cmd" \
  >/dev/null 2>"$work/on.log" || { cat "$work/on.log" >&2; exit 1; }
BPL_DEBUG_ENABLED=false hyperfine -N --runs "$runs" --warmup "$warmup" --style basic \
  --export-json "$work/off.json" -n direct /bin/true -n disabled "$dlv_cmd" \
  >/dev/null 2>"$work/off.log" || { cat "$work/off.log" >&2; exit 1; }

python3 - "$work/on.json" "$work/off.json" <<'PY'
import json, sys
rows = {}
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        rows.setdefault(r["command"], []).append(r["median"] * 1000)
direct = min(rows["direct"])  # the better of the two baseline runs
print(f"{'command':<10} {'median':>10} {'added':>10}")
print(f"{'/bin/true':<10} {direct:>8.3f}ms {'':>10}")
for name in ("enabled", "disabled"):
    m = rows[name][0]
    print(f"{name:<10} {m:>8.3f}ms {m - direct:>+8.3f}ms")
PY
