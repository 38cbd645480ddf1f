#!/usr/bin/env bash
# Pushes every image the kpack test needs to the cluster's registry
# (10.77.0.1:5000; run it inside the cluster: cluster.sh exec images.sh).
# Nothing is pulled from a public registry: the images are made by ociput
# from binaries built here (kpack, the lifecycle, pause), Debian files (the
# stack), the repo's app, and the debug buildpack's .cnb (pushed by skopeo).
#
# Env: KPACK_BIN, LIFECYCLE_VERSION (build.sh paths), STACK_ROOTFS
# (stack.sh), DEBUG_CNB (tools/package.sh --offline), APP_DIR, WORK (scratch),
# GOROOT (the Go for the build image; `go env` cannot find it in here, where
# /proc belongs to the cluster's pid namespace).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
R=10.77.0.1:5000
STACK_ID=io.bpdebug.stacks.bookworm
: "${KPACK_BIN:?}" "${LIFECYCLE_VERSION:?}" "${STACK_ROOTFS:?}" "${DEBUG_CNB:?}" "${APP_DIR:?}" "${WORK:?}" "${GOROOT:?}"
OCIPUT=$KPACK_BIN/ociput
log() { echo "k8s/images: $*" >&2; }
put() { "$OCIPUT" "$@" > /dev/null; }

rm -rf "$WORK"; mkdir -p "$WORK"

# ---- the pod sandbox image ------------------------------------------------------
mkdir -p "$WORK/pause"; cp "$KPACK_BIN/pause" "$WORK/pause/pause"
put -tag $R/k8s/pause:1 -layer "$WORK/pause" -user 65535:65535 -entrypoint /pause

# ---- kpack's own images: a CA bundle, passwd, /tmp, the binary ------------------
base=$WORK/kpack-base
mkdir -p "$base/etc/ssl/certs" "$base/tmp"; chmod 1777 "$base/tmp"
cp /etc/ssl/certs/ca-certificates.crt "$base/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$base/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$base/etc/group"
for c in controller webhook build-init build-waiter completion rebase; do
  mkdir -p "$WORK/kpack-$c/cnb/process"; cp "$KPACK_BIN/$c" "$WORK/kpack-$c/cnb/process/$c"
  put -tag "$R/kpack/$c:test" -layer "$base" -layer "$WORK/kpack-$c" -user 65532:65532 \
    -entrypoint "/cnb/process/$c" -env PATH=/cnb/process:/usr/bin:/bin -env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
done
log "pushed pause and kpack's six images"

# ---- the lifecycle image kpack's ClusterLifecycle reads (/cnb/lifecycle) -------------
lc=$WORK/lifecycle
mkdir -p "$lc"; cp "$KPACK_BIN/lifecycle" "$KPACK_BIN/launcher" "$lc/"
for p in detector analyzer restorer builder exporter rebaser creator extender; do ln -sf lifecycle "$lc/$p"; done
bp_apis='"0.7", "0.8", "0.9", "0.10", "0.11"'
platform_apis='"0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14"'
cat > "$lc/lifecycle.toml" <<T
[apis]
[apis.buildpack]
  deprecated = []
  supported = [$bp_apis]
[apis.platform]
  deprecated = []
  supported = [$platform_apis]
[lifecycle]
  version = "$LIFECYCLE_VERSION"
T
echo "{\"buildpack\":{\"deprecated\":[],\"supported\":[$bp_apis]},\"platform\":{\"deprecated\":[],\"supported\":[$platform_apis]}}" | tr -d ' ' > "$WORK/lifecycle-apis.json"
echo "{\"lifecycle\":{\"version\":\"$LIFECYCLE_VERSION\"},\"api\":{\"buildpack\":\"0.7\",\"platform\":\"0.7\"}}" > "$WORK/lifecycle-builder.json"
put -tag "$R/cnb/lifecycle:$LIFECYCLE_VERSION" -layer "$lc:/cnb/lifecycle" -label "io.buildpacks.lifecycle.version=$LIFECYCLE_VERSION" \
  -label-file "io.buildpacks.lifecycle.apis=$WORK/lifecycle-apis.json" -label-file "io.buildpacks.builder.metadata=$WORK/lifecycle-builder.json"
log "pushed the lifecycle v$LIFECYCLE_VERSION image"

# ---- the stack: Debian bookworm; the build image also has this machine's Go ----------
goroot=$GOROOT
gotool=$WORK/go
mkdir -p "$gotool"
cp -a "$goroot/bin" "$goroot/src" "$goroot/go.env" "$goroot/VERSION" "$gotool/"
mkdir -p "$gotool/pkg"; cp -a "$goroot/pkg/tool" "$gotool/pkg/"; cp -a "$goroot/pkg/include" "$gotool/pkg/" 2>/dev/null || true
rm -rf "$gotool/src/cmd" "$gotool"/pkg/tool/*/{vet,cover,pprof,trace,fix,covdata,test2json,doc}
put -tag $R/stack/build:bookworm -layer "$STACK_ROOTFS" -layer "$gotool:/usr/local/go" -label "io.buildpacks.stack.id=$STACK_ID" \
  -env CNB_USER_ID=1000 -env CNB_GROUP_ID=1000 -env CNB_STACK_ID=$STACK_ID \
  -env PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin -user 1000:1000
put -tag $R/stack/run:bookworm -layer "$STACK_ROOTFS" -label "io.buildpacks.stack.id=$STACK_ID" \
  -env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin -user 1000:1000
log "pushed the stack (build image with Go $(cat "$goroot/VERSION" | head -1), run image)"

# ---- buildpacks: the test's Go buildpack, and the debug buildpack's .cnb as is -------
gobp=$WORK/go-buildpack/bpdebug-test_go-build/0.0.1
mkdir -p "$gobp"; cp -a "$HERE/go-buildpack/." "$gobp/"
put -tag $R/buildpacks/go-build:0.0.1 -layer "$WORK/go-buildpack:/cnb/buildpacks" -buildpack "bpdebug-test/go-build@0.0.1:0.7:*"
# The same command examples/kpack/README.md gives users.
skopeo copy -q --dest-tls-verify=false "oci-archive:$DEBUG_CNB" "docker://$R/buildpacks/debug:test"
log "pushed the Go buildpack and the debug buildpack"

# ---- the app's source, as kpack's source.registry image ------------------------------
put -tag $R/source/go-http:1 -layer "$APP_DIR"
log "pushed the source of $(basename "$APP_DIR")"
