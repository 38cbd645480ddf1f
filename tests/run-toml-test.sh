#!/bin/sh
# Runs the official toml-test suite (TOML 1.0) against our toml-decoder and
# toml-encoder: every valid and invalid file as decoder, every valid one as
# encoder. Usage: tests/run-toml-test.sh [build-dir]   (default: build/)
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
version=v2.2.0
gobin=$repo/.cache/toml-test-$version
toml_test=$gobin/toml-test

if [ ! -x "$toml_test" ]; then
    echo "installing toml-test $version into $gobin"
    # Through the Go module proxy configured for this machine (go env GOPROXY).
    GOBIN=$gobin go install "github.com/toml-lang/toml-test/v2/cmd/toml-test@$version"
fi

for tool in toml-decoder toml-encoder; do
    if [ ! -x "$build/tests/$tool" ]; then
        echo "missing $build/tests/$tool: build the tests first" >&2
        exit 2
    fi
done

# The sanitizer build is slower to start: allow more than the default 1 s.
# toml-test exits 1 when any test fails; set -e passes that on.
"$toml_test" test -toml 1.0 -color never -timeout 10s -parallel 2 \
    -decoder="$build/tests/toml-decoder" \
    -encoder="$build/tests/toml-encoder"
