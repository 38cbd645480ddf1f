#!/usr/bin/env bash
# Builds the Kubernetes node/control-plane commands and kpack (with the CNB
# lifecycle it ships, our image tool ociput and the sandbox's pause) from pinned module versions
# through the Go module proxy; binaries are cached under the cache dir by version.
#
# Layout it leaves (CACHE = ${BP_DEBUG_CACHE:-<repo>/.cache}):
#   $CACHE/kubernetes-v$K8S_VERSION/{kube-apiserver,...,kubectl}
#   $CACHE/kpack-v$KPACK_VERSION/{controller,webhook,...,lifecycle,launcher,ociput,pause}
# Versions are pinned by modules/*/go.mod (with committed go.sum: no tidy here).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${BP_DEBUG_CACHE:-$REPO/.cache}
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod" GOTOOLCHAIN=${GOTOOLCHAIN:-local}

log() { echo "k8s/build: $*" >&2; }
# The version a wrapper module pins for one dependency.
module_version() { (cd "$HERE/modules/$1" && go list -m -f '{{.Version}}' "$2"); }

K8S_VERSION=$(module_version kubernetes k8s.io/kubernetes); K8S_VERSION=${K8S_VERSION#v}
KPACK_VERSION=$(module_version kpack github.com/pivotal/kpack); KPACK_VERSION=${KPACK_VERSION#v}
LIFECYCLE_VERSION=$(module_version kpack github.com/buildpacks/lifecycle); LIFECYCLE_VERSION=${LIFECYCLE_VERSION#v}

build_kubernetes() {
  local out=$CACHE/kubernetes-v$K8S_VERSION cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
  local c missing=0
  for c in "${cmds[@]}"; do [ -x "$out/$c" ] || missing=1; done
  [ "$missing" = 0 ] && return
  log "building Kubernetes v$K8S_VERSION (about 5 min cold on 2 cores; cached afterwards)"
  # kubectl version / the apiserver's /version report what the linker sets here.
  local v=v$K8S_VERSION major minor ld="-s -w" pkg
  major=${K8S_VERSION%%.*}; minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  local tmp=$out.tmp.$$
  rm -rf "$tmp"; mkdir -p "$tmp"
  # providerless: no cloud-provider code, the node is a plain Linux box.
  (cd "$HERE/modules/kubernetes" && go build -trimpath -tags providerless -ldflags "$ld" -o "$tmp/" \
     $(printf 'k8s.io/kubernetes/cmd/%s ' "${cmds[@]}"))
  rm -rf "$out"; mv "$tmp" "$out"
}

build_kpack() {
  local out=$CACHE/kpack-v$KPACK_VERSION cmds=(controller webhook build-init build-waiter completion rebase)
  local c missing=0
  for c in "${cmds[@]}" lifecycle launcher ociput pause; do [ -x "$out/$c" ] || missing=1; done
  [ "$missing" = 0 ] && return
  log "building kpack v$KPACK_VERSION + lifecycle v$LIFECYCLE_VERSION (about 4 min cold; cached afterwards)"
  local tmp=$out.tmp.$$
  rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$HERE/modules/kpack"
   go build -trimpath -ldflags '-s -w' -o "$tmp/" $(printf 'github.com/pivotal/kpack/cmd/%s ' "${cmds[@]}") ./ociput ./pause
   go build -trimpath -ldflags "-s -w -X github.com/buildpacks/lifecycle/cmd.Version=$LIFECYCLE_VERSION" -o "$tmp/" \
     github.com/buildpacks/lifecycle/cmd/lifecycle github.com/buildpacks/lifecycle/cmd/launcher)
  echo "$LIFECYCLE_VERSION" > "$tmp/lifecycle.version"
  rm -rf "$out"; mv "$tmp" "$out"
}

case "${1:-all}" in
  kubernetes) build_kubernetes ;;
  kpack) build_kpack ;;
  all) build_kubernetes; build_kpack ;;
  paths) echo "K8S_BIN=$CACHE/kubernetes-v$K8S_VERSION"; echo "KPACK_BIN=$CACHE/kpack-v$KPACK_VERSION"
         echo "LIFECYCLE_VERSION=$LIFECYCLE_VERSION"; echo "KPACK_VERSION=$KPACK_VERSION" ;;
  *) echo "usage: $0 [all|kubernetes|kpack|paths]" >&2; exit 2 ;;
esac
