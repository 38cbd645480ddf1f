#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the buildpack (plain and
# with ASan+UBSan), runs the unit tests (ctest, cmocka; the toml-test suite),
# a short fuzzing smoke, and the integration tests against the real lifecycle.
#
#   integration/test.sh            everything
#   FUZZ_SECONDS=0 integration/test.sh    skip the fuzzing smoke
#   BP_TEST_KPACK=0 integration/test.sh   skip kpack on Kubernetes (integration/k8s)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-local}
FUZZ_SECONDS=${FUZZ_SECONDS:-8} # 13 targets: about 2 min; tests/fuzz/run-fuzz.sh --long for real runs
T0=$(date +%s)
step() { echo; echo "==> [$(( $(date +%s) - T0 ))s] $*"; }
summary=()

step "Installing dependencies"
integration/install-deps.sh

step "Building the buildpack (bin/detect, bin/build, bin/debug-launch)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBP_WERROR=ON >/dev/null
cmake --build build -j2

step "Unit tests"
( cd build && ctest --output-on-failure -j2 ) | tee build/ctest.log
summary+=("unit (ctest): $(grep -E 'tests passed|tests failed' build/ctest.log | tail -1)")

step "Reliability fault matrix (bench/reliability.sh: hostile files, archives, servers)"
bench/reliability.sh bin | tee build/reliability.log
summary+=("reliability: $(tail -1 build/reliability.log)")

step "Static analysis (cppcheck)"
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
  --inline-suppr -I src src tests
summary+=("cppcheck: clean (warning, performance, portability)")

step "Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DBP_SANITIZE=ON -DBP_BIN_DIR="$REPO/build-asan/bin" >/dev/null
cmake --build build-asan -j2
( cd build-asan && ctest --output-on-failure -j2 -E toml_test_suite ) | tee build-asan/ctest.log
summary+=("unit (ctest, asan+ubsan): $(grep -E 'tests passed|tests failed' build-asan/ctest.log | tail -1)")

if [ "$FUZZ_SECONDS" != 0 ] && [ -x tests/fuzz/run-fuzz.sh ]; then
  step "Fuzzing smoke (${FUZZ_SECONDS}s per target)"
  cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DBP_FUZZ=ON -DBP_BIN_DIR="$REPO/build-fuzz/bin" >/dev/null
  cmake --build build-fuzz -j2
  tests/fuzz/run-fuzz.sh build-fuzz "$FUZZ_SECONDS"
  summary+=("fuzz: every target ran ${FUZZ_SECONDS}s without a crash")
fi

step "Platform tools (lifecycle, pack, dlv, skaffold; cached in .cache/)"
integration/build-tools.sh lifecycle pack dlv skaffold

step "Integration tests (real lifecycle, real debuggers)"
set +e
( cd integration && go test -count=1 -timeout 60m -v ./... 2>&1 ) > build/integration.log
status=$?
set -e
grep -E '^\s*(--- |FAIL|ok |panic)' build/integration.log || true
passed=$(grep -c -E '^\s*--- PASS' build/integration.log || true)
failed=$(grep -c -E '^\s*--- FAIL' build/integration.log || true)
skipped=$(grep -c -E '^\s*--- SKIP' build/integration.log || true)
summary+=("integration (go test): $passed passed, $failed failed, $skipped skipped")

# ---- kpack on a real Kubernetes (integration/k8s/README.md) ---- BP_TEST_KPACK=0 skips
# Builds Kubernetes and kpack from source (cached in .cache/), runs a cluster in
# private namespaces, and has kpack build debug and plain images of the Go app.
if [ "${BP_TEST_KPACK:-1}" != 0 ]; then
  step "kpack on a single-node Kubernetes (integration/k8s/run.sh)"
  set +e
  integration/k8s/run.sh > build/kpack.log 2>&1
  kpack_status=$?
  set -e
  grep -E '^k8s/run: \[|^\s*--- |passed, [0-9]+ failed' build/kpack.log || true
  summary+=("kpack on Kubernetes: $(grep -oE '[0-9]+ passed, [0-9]+ failed' build/kpack.log | tail -1 || echo 'did not run to the end, see build/kpack.log')")
  if [ "$kpack_status" != 0 ]; then echo "kpack test failed (see build/kpack.log)" >&2; status=1; fi
else
  summary+=("kpack on Kubernetes: skipped (BP_TEST_KPACK=0)")
fi
# ---- end of the kpack step

step "Summary ($(( $(date +%s) - T0 ))s)"
printf '  %s\n' "${summary[@]}"
if [ "$status" != 0 ] || [ "$failed" != 0 ]; then
  echo "integration tests failed (see build/integration.log)" >&2
  exit 1
fi
echo "integration: $passed passed, $failed failed"
