#!/bin/sh
# Runs every libFuzzer target (fuzz_*) built in a -DBP_FUZZ=ON build dir for
# N seconds each. Seeds for fuzz_<module> come from tests/data/<module>/ and,
# for fuzz_toml, from the toml-test suite's files when toml-test is cached.
# A dictionary tests/fuzz/<module>.dict is used when present.
#
# Usage:
#   tests/fuzz/run-fuzz.sh <build-dir> <seconds>          smoke (CI: a few s/target)
#   tests/fuzz/run-fuzz.sh --long <build-dir> [<seconds>] long mode (default 1800 s/target)
#
# Long mode keeps each target's corpus in .cache/fuzz-corpus/<target>/ so
# runs build on each other, writes crash inputs to .cache/fuzz-crashes/,
# and allows 4 GiB RSS. Build first:
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DBP_FUZZ=ON -DBP_BIN_DIR=$PWD/build-fuzz/bin
#   cmake --build build-fuzz -j2
# libarchive is not instrumented: Debian's source package needs deb-src
# entries, which this machine's apt sources lack; fuzz_deps_extract drives
# the uninstrumented system libarchive through our checks.
set -eu

long=0
if [ "${1:-}" = --long ]; then
    long=1
    shift
    [ $# -ge 1 ] || { echo "usage: $0 --long <build-dir> [<seconds>]" >&2; exit 2; }
    set -- "$1" "${2:-1800}"
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 <build-dir> <seconds> | $0 --long <build-dir> [<seconds>]" >&2
    exit 2
fi
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
seconds=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/run-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
rss=2048
if [ $long = 1 ]; then
    rss=4096
    mkdir -p "$repo/.cache/fuzz-crashes"
    cd "$repo/.cache/fuzz-crashes"
fi

targets=$(find "$build" -type f -name 'fuzz_*' -perm -u+x ! -name '*.*' | sort)
if [ -z "$targets" ]; then
    echo "no fuzz_* targets in $build (configure with -DCMAKE_C_COMPILER=clang -DBP_FUZZ=ON)" >&2
    exit 2
fi

# BP_FUZZ builds UBSan in recoverable mode: make its reports fatal here.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS

failed=0
for target in $targets; do
    name=$(basename "$target")
    module=$(echo "$name" | sed -E 's/^fuzz_([a-z]+).*$/\1/')
    corpus=$work/$name
    if [ $long = 1 ]; then
        corpus=$repo/.cache/fuzz-corpus/$name
    fi
    mkdir -p "$corpus"
    seeds=""
    if [ -d "$repo/tests/data/$module" ]; then
        seeds="$repo/tests/data/$module"
    fi
    if [ "$module" = toml ] && [ -x "$repo/.cache/toml-test-v2.2.0/toml-test" ]; then
        "$repo/.cache/toml-test-v2.2.0/toml-test" copy -toml 1.0 "$work/toml-test" >/dev/null
        seeds="$seeds $work/toml-test/valid $work/toml-test/invalid"
    fi
    dict=""
    if [ -f "$repo/tests/fuzz/$module.dict" ]; then
        dict="-dict=$repo/tests/fuzz/$module.dict"
    fi
    echo "== $name: ${seconds}s, seeds: ${seeds:-none}"
    # Crash inputs land in the current directory as crash-<sha1>.
    # shellcheck disable=SC2086  # seeds and dict are word lists on purpose
    if ! "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=$rss \
            -print_final_stats=1 $dict "$corpus" $seeds 2>"$work/$name.log"; then
        tail -n 60 "$work/$name.log" >&2
        echo "== $name FAILED" >&2
        failed=1
    else
        grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$work/$name.log" || true
        echo "== $name ok"
    fi
done
exit $failed
