#!/usr/bin/env bash
# The kpack test on a real cluster: installs what it needs (Debian packages),
# builds Kubernetes and kpack from source (cached), makes a single-node
# cluster in private namespaces (cluster.sh), pushes the images (images.sh),
# deploys kpack, builds two kpack Images of the Go sample app with one
# ClusterBuilder (the debug buildpack optional after a Go buildpack), one with
# BP_DEBUG=true and one without, then runs kpack_test.go inside the cluster's
# namespaces: a Delve client hits a breakpoint through kubectl port-forward,
# and the plain image runs the app as PID 1. Then `skaffold debug` with the
# Kubernetes deployer runs on the same cluster (integration/pack/
# skaffold_k8s_test.go; BP_K8S_SKAFFOLD=0 leaves it out). The cluster is
# always torn down.
#
#   integration/k8s/run.sh            prints "N passed, N failed" last
# Env: BP_DEBUG_CACHE (cache root, default .cache), BP_K8S_STATE (cluster
# state dir), BP_K8S_KEEP=1 (leave the cluster up; `cluster.sh down` stops it),
# BP_K8S_DEBUG_CNB (an offline .cnb already made by tools/package.sh --offline),
# BP_K8S_SKAFFOLD=0 (no Skaffold run).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export BP_DEBUG_CACHE=${BP_DEBUG_CACHE:-$REPO/.cache}
export BP_K8S_STATE=${BP_K8S_STATE:-$REPO/integration/.work/k8s}
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-local}
WORK=$REPO/integration/.work/k8s-run
T0=$(date +%s); TL=$T0
phase() { local now; now=$(date +%s); echo "k8s/run: [+$((now - TL))s, $((now - T0))s total] $*"; TL=$now; }
die() { echo "k8s/run: $*" >&2; exit 1; }
kube() { "$HERE/cluster.sh" exec kubectl "$@"; }

# ---- Debian packages the node needs --------------------------------------------------
need=()
for p in containerd etcd-server docker-registry runc containernetworking-plugins skopeo debootstrap iptables openssl curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "k8s/run: apt-get install ${need[*]}"
  # Installing etcd-server, containerd or docker-registry must not start them
  # on the host: a policy-rc.d that forbids starting services, only for this.
  own_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own_policy=true
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
    $own_policy && rm -f /usr/sbin/policy-rc.d; die "apt-get install ${need[*]} failed"; }
  $own_policy && rm -f /usr/sbin/policy-rc.d
fi
phase "Debian packages"

# ---- builds (cached) -------------------------------------------------------------------
"$HERE/build.sh" all
eval "$("$HERE/build.sh" paths)"
export K8S_BIN KPACK_BIN LIFECYCLE_VERSION
phase "Kubernetes and kpack binaries ($K8S_BIN, $KPACK_BIN)"
STACK_ROOTFS=$("$HERE/stack.sh" | tail -1)
phase "stack rootfs ($STACK_ROOTFS)"
rm -rf "$WORK"; mkdir -p "$WORK"
if [ -n "${BP_K8S_DEBUG_CNB:-}" ]; then
  cp "$BP_K8S_DEBUG_CNB" "$WORK/debug.cnb"
  phase "debug buildpack from $BP_K8S_DEBUG_CNB"
else
  "$REPO/tools/package.sh" --offline "$WORK/debug.cnb" 2> "$WORK/package.log" || { tail -20 "$WORK/package.log"; die "tools/package.sh --offline failed"; }
  phase "debug buildpack packaged (tools/package.sh --offline)"
fi
(cd "$REPO/integration" && go test -c -tags kpack -o "$WORK/kpack.test" ./k8s)
phase "kpack_test.go compiled"

# ---- the cluster (always torn down) ------------------------------------------------------
down() {
  local rc=$?
  if [ "$rc" != 0 ] && [ -e "$BP_K8S_STATE/init.pid" ]; then diagnose || true; fi
  if [ "${BP_K8S_KEEP:-0}" = 1 ]; then echo "k8s/run: cluster left up (BP_K8S_KEEP=1): integration/k8s/cluster.sh down stops it"
  else
    "$HERE/cluster.sh" down || true
    # The images (about 2 GB) go too; after a failure they stay for a look.
    [ "$rc" != 0 ] || rm -rf "$BP_K8S_STATE/containerd" "$BP_K8S_STATE/registry-data" "$BP_K8S_STATE/var-lib" "$WORK/images"
  fi
  exit "$rc"
}
# What failed, in kpack's words: resources, build pods' step logs.
diagnose() {
  echo "---- k8s/run: diagnostics"
  kube get clusterstore,clusterstack,clusterbuilder,clusterlifecycle,image,build -A -o wide 2>&1 | head -40
  kube get pods -A -o wide 2>&1 | head -40
  local pod c
  for pod in $(kube get pods -l kpack.io/build -o name 2>/dev/null); do
    for c in $(kube get "$pod" -o jsonpath='{.spec.initContainers[*].name} {.spec.containers[*].name}'); do
      echo "-- $pod $c"; kube logs "$pod" -c "$c" 2>&1 | tail -30
    done
  done
  for c in controller webhook; do echo "-- kpack $c"; kube -n kpack logs "deploy/kpack-$c" 2>&1 | grep -iE 'error|fail' | tail -15; done
}
trap down EXIT
"$HERE/cluster.sh" up
phase "cluster up, node Ready (Kubernetes $(kube version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])'))"

"$HERE/cluster.sh" exec env GOROOT="$(go env GOROOT)" KPACK_BIN="$KPACK_BIN" LIFECYCLE_VERSION="$LIFECYCLE_VERSION" STACK_ROOTFS="$STACK_ROOTFS" \
  DEBUG_CNB="$WORK/debug.cnb" APP_DIR="$REPO/integration/testdata/apps/go-http" WORK="$WORK/images" "$HERE/images.sh"
phase "images pushed to the cluster's registry"

# kpack's release manifests are ytt templates whose only logic is image
# references; the module cache holds them at the version build.sh built.
config=$(cd "$HERE/modules/kpack" && go list -m -f '{{.Dir}}' github.com/pivotal/kpack)/config
R=10.77.0.1:5000
for f in "$config"/*.yaml; do
  [ "$(basename "$f")" = schema.yaml ] && continue
  printf '\n---\n'   # some of kpack's files end without a newline
  sed -e '/^#@ load(/d' -e "s|#@ data.values.kpack_version|v$KPACK_VERSION|" \
      -e "s|#@ data.values.lifecycle.image|$R/cnb/lifecycle:$LIFECYCLE_VERSION|" \
      -e "s|#@ data.values.\([a-z]*\)_\([a-z]*\).image|$R/kpack/\1-\2:test|" \
      -e "s|#@ data.values.\([a-z]*\).image|$R/kpack/\1:test|" "$f"
done > "$WORK/kpack-release.yaml"
! grep -n '#@' "$WORK/kpack-release.yaml" || die "kpack's config has a template line this script does not render"
kube apply -f "$WORK/kpack-release.yaml" >/dev/null
kube -n kpack rollout status deploy/kpack-webhook --timeout=300s >/dev/null
kube -n kpack rollout status deploy/kpack-controller --timeout=300s >/dev/null
# The controller's first reconcile can call the webhook before it serves
# (connection refused) and then backs off for minutes: every 15 s, touch
# the ClusterLifecycle so an update event reconciles it again at once.
for i in $(seq 1 300); do
  kube get clusterlifecycle default-lifecycle 2>/dev/null | grep -q True && break
  [ $((i % 15)) -ne 0 ] ||
    kube annotate clusterlifecycle default-lifecycle "cnbdebug.dev/reconcile=$i" --overwrite >/dev/null 2>&1 || true
  sleep 1
done
kube get clusterlifecycle default-lifecycle | grep -q True || die "kpack's default ClusterLifecycle is not Ready"
phase "kpack v$KPACK_VERSION deployed"

# The webhook answers a little after its rollout: retry the first apply.
for i in $(seq 1 30); do kube apply -f "$HERE/manifests/builder.yaml" >/dev/null 2>&1 && break; sleep 2; done
kube apply -f "$HERE/manifests/builder.yaml" >/dev/null
kube wait --for=condition=Ready clusterbuilder/cnbdebug-builder --timeout=300s >/dev/null ||
  die "ClusterBuilder not Ready: $(kube get clusterbuilder cnbdebug-builder -o jsonpath='{.status.conditions}')"
phase "ClusterBuilder Ready (Go buildpack, then cnbdebug/debug optional)"
kube apply -f "$HERE/manifests/images.yaml" >/dev/null
kube wait --for=condition=Ready image/go-http-debug image/go-http-plain --timeout=1200s >/dev/null ||
  die "kpack Images not Ready: $(kube get image -o wide)"
DEBUG_IMAGE=$(kube get image go-http-debug -o jsonpath='{.status.latestImage}')
PLAIN_IMAGE=$(kube get image go-http-plain -o jsonpath='{.status.latestImage}')
phase "kpack built $DEBUG_IMAGE and $PLAIN_IMAGE"

set +e
"$HERE/cluster.sh" exec env BP_K8S_DEBUG_IMAGE="$DEBUG_IMAGE" BP_K8S_PLAIN_IMAGE="$PLAIN_IMAGE" \
  BP_K8S_APP_DIR="$REPO/integration/testdata/apps/go-http" "$WORK/kpack.test" -test.v -test.count=1 -test.timeout=15m \
  > "$WORK/kpack-test.log" 2>&1
status=$?
set -e
cat "$WORK/kpack-test.log"
phase "kpack_test.go ran"
passed=$(grep -c -E '^\s*--- PASS' "$WORK/kpack-test.log" || true)
failed=$(grep -c -E '^\s*--- FAIL' "$WORK/kpack-test.log" || true)
[ "$status" = 0 ] || [ "$failed" != 0 ] || failed=1

# `skaffold debug` with the Kubernetes deployer on the same cluster
# (integration/pack/skaffold_k8s_test.go): Skaffold builds with podman on the
# host and runs in the cluster's network. BP_K8S_SKAFFOLD=0 leaves it out.
if [ "${BP_K8S_SKAFFOLD:-1}" != 0 ]; then
  set +e
  (cd "$REPO/integration" && BP_K8S_STATE="$BP_K8S_STATE" K8S_BIN="$K8S_BIN" \
     go test -count=1 -timeout 25m -run '^TestSkaffoldKubernetes$' -v ./pack/) > "$WORK/skaffold-test.log" 2>&1
  sk_status=$?
  set -e
  grep -E '^\s*(--- |skaffold_k8s_test.go:[0-9]+: (on the cluster|skaffold forwards|TestSkaffoldKubernetes ran))|^(ok|FAIL)' "$WORK/skaffold-test.log" || true
  phase "skaffold debug on the cluster ran (log: $WORK/skaffold-test.log)"
  sk_passed=$(grep -c -E '^--- PASS: TestSkaffoldKubernetes' "$WORK/skaffold-test.log" || true)
  sk_failed=$(grep -c -E '^--- FAIL: TestSkaffoldKubernetes' "$WORK/skaffold-test.log" || true)
  if [ "$sk_status" != 0 ] && [ "$sk_failed" = 0 ]; then sk_failed=1; tail -40 "$WORK/skaffold-test.log"; fi
  [ "$sk_failed" = 0 ] || tail -120 "$WORK/skaffold-test.log"
  passed=$((passed + sk_passed)); failed=$((failed + sk_failed))
fi
echo "kpack on Kubernetes: $passed passed, $failed failed"
[ "$failed" = 0 ]
