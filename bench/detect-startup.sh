#!/usr/bin/env bash
# Measures bin/detect's wall time per run (it runs on every build) against
# /bin/true, with BP_DEBUG set to pass and unset to skip. Prints medians;
# asserts nothing. Usage: bench/detect-startup.sh [path/to/detect]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DETECT=${1:-$REPO/bin/detect}
if [ ! -x "$DETECT" ]; then
  cmake -S "$REPO" -B "$REPO/build-bench" -DBP_TESTS=OFF -DBP_BIN_DIR="$REPO/build-bench/bin" >/dev/null
  cmake --build "$REPO/build-bench" -j2 --target detect >/dev/null
  DETECT=$REPO/build-bench/bin/detect
fi
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pass/env" "$work/skip/env"
printf true > "$work/pass/env/BP_DEBUG"

echo "linked libraries of $DETECT:"; ldd "$DETECT" | sed 's/^/  /'
# The platform dir goes through the environment of hyperfine itself, so no
# `env` process is timed with detect.
run() { # name, platform dir, json
  CNB_PLATFORM_DIR=$2 hyperfine -N --warmup 50 --runs 1000 --export-json "$3" -i \
    -n true /bin/true -n "$1" "$DETECT" >/dev/null
}
run "detect (BP_DEBUG=true: pass)" "$work/pass" "$work/pass.json"
run "detect (BP_DEBUG unset: skip)" "$work/skip" "$work/skip.json"
python3 - "$work/pass.json" "$work/skip.json" <<'PY'
import json, statistics, sys
for path in sys.argv[1:]:
    results = {r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(path))["results"]}
    base = results.pop("true")
    for name, ms in results.items():
        print(f"{name:34s} median {ms:6.3f} ms  (/bin/true {base:.3f} ms; detect adds {ms - base:+.3f} ms; goal < 2 ms)")
PY
