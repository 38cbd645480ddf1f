#!/usr/bin/env bash
# A single-node Kubernetes inside private namespaces: `unshare --net --mount
# --pid --fork` runs this script's `init` as PID 1 of a new pid namespace, with
# its own network (a veth pair, node address 10.77.0.1) and mounts (tmpfs
# /run, /var/lib and /var/log bound from the state dir). The host keeps no
# trace but a cgroup subtree per v1 hierarchy, which `down` removes.
#
#   cluster.sh up      start etcd, the control plane, containerd, kubelet,
#                      kube-proxy and a registry on 10.77.0.1:5000; wait Ready
#   cluster.sh exec CMD...  run CMD in the cluster's namespaces (kubectl works)
#   cluster.sh down    SIGKILL the namespace's PID 1: every process and
#                      container goes with it, and so do mounts, veths, iptables
#
# Env: K8S_BIN (the Kubernetes binaries, see build.sh paths), BP_K8S_STATE
# (state dir, default integration/.work/k8s; wiped by `up`).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE=${BP_K8S_STATE:-$REPO/integration/.work/k8s}
NODE=bpdebug-node
NODE_IP=10.77.0.1
POD_CIDR=10.78.0.0/24
SERVICE_CIDR=10.79.0.0/24
REGISTRY=$NODE_IP:5000
log() { echo "k8s/cluster: $*" >&2; }
die() { echo "k8s/cluster: $*" >&2; exit 1; }

# ---- host side ---------------------------------------------------------------

# The pod cgroup root's name, one per state dir, so that two clusters (two
# worktrees) never share it.
cgroup_name() { echo "bpdebug-k8s-$(echo "$STATE" | sha256sum | cut -c1-8)"; }

write_pki() {
  local p=$STATE/pki
  mkdir -p "$p"
  openssl genrsa -out "$p/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -nodes -key "$p/ca.key" -subj "/CN=bpdebug-k8s-ca" -days 2 -out "$p/ca.crt"
  # cert NAME CN [O] [SANs]: a client cert, or a server+client one with SANs
  cert() {
    local name=$1 cn=$2 org=${3:-} san=${4:-}
    openssl genrsa -out "$p/$name.key" 2048 2>/dev/null
    openssl req -new -key "$p/$name.key" -subj "/CN=$cn${org:+/O=$org}" -out "$p/$name.csr"
    if [ -n "$san" ]; then printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" > "$p/$name.ext"
    else printf 'extendedKeyUsage=clientAuth\n' > "$p/$name.ext"; fi
    openssl x509 -req -in "$p/$name.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 2 \
      -extfile "$p/$name.ext" -out "$p/$name.crt" 2>/dev/null
  }
  cert apiserver kube-apiserver "" "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:10.79.0.1"
  cert admin admin system:masters
  cert kubelet "system:node:$NODE" system:nodes
  cert kube-proxy system:kube-proxy
  cert controller-manager system:kube-controller-manager
  cert scheduler system:kube-scheduler
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  local who
  for who in admin kubelet kube-proxy controller-manager scheduler; do
    cat > "$STATE/$who.kubeconfig" <<K
apiVersion: v1
kind: Config
clusters:
- name: bpdebug
  cluster: {certificate-authority: $p/ca.crt, server: "https://$NODE_IP:6443"}
users:
- name: $who
  user: {client-certificate: $p/$who.crt, client-key: $p/$who.key}
contexts:
- name: bpdebug
  context: {cluster: bpdebug, user: $who}
current-context: bpdebug
K
  done
}

write_configs() {
  local s=$STATE cg
  cg=$(cgroup_name)
  mkdir -p "$s/cni/net.d" "$s/certs.d/$REGISTRY" "$s/registry-data"
  cat > "$s/containerd.toml" <<T
version = 2
root = "$s/containerd/root"
state = "$s/containerd/state"
[grpc]
  address = "$s/run/containerd.sock"
[ttrpc]
  address = "$s/run/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$REGISTRY/k8s/pause:1"
  enable_unprivileged_ports = true
  # Without CAP_SYS_RESOURCE (sandboxed CI), runc cannot set an
  # oom_score_adj below containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$s/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$s/certs.d"
[plugins."io.containerd.internal.v1.opt"]
  path = "$s/containerd/opt"
T
  cat > "$s/certs.d/$REGISTRY/hosts.toml" <<T
server = "http://$REGISTRY"
[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve", "push"]
T
  cat > "$s/cni/net.d/10-bridge.conflist" <<T
{"cniVersion": "1.0.0", "name": "bpdebug", "plugins": [
 {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
  "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$s/cni/ipam"}},
 {"type": "portmap", "capabilities": {"portMappings": true}},
 {"type": "loopback"}]}
T
  cat > "$s/kubelet.yaml" <<T
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $s/pki/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
cgroupRoot: /$cg
containerRuntimeEndpoint: unix://$s/run/containerd.sock
podCIDR: $POD_CIDR
resolvConf: $s/resolv.conf
failSwapOn: false
podLogsDir: $s/pod-logs
# The disk is shared with everything else on a CI machine: never evict for it.
evictionHard: {memory.available: "200Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
maxPods: 50
T
  cat > "$s/kube-proxy.yaml" <<T
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $s/kube-proxy.kubeconfig}
mode: iptables
clusterCIDR: $POD_CIDR
# conntrack sysctls are host-wide: leave them alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
T
  cat > "$s/registry.yml" <<T
version: 0.1
storage:
  filesystem: {rootdirectory: $s/registry-data}
  delete: {enabled: true}
http:
  addr: $REGISTRY
T
  echo "nameserver 127.0.0.1" > "$s/resolv.conf"
}

cluster_up() {
  [ -x "${K8S_BIN:-}/kubelet" ] || die "K8S_BIN='${K8S_BIN:-}' has no kubelet (integration/k8s/build.sh builds it)"
  local t
  for t in etcd containerd runc docker-registry openssl unshare nsenter iptables; do
    command -v "$t" >/dev/null || die "$t is missing (integration/k8s/run.sh installs what the cluster needs)"
  done
  [ -x /usr/lib/cni/bridge ] || die "/usr/lib/cni/bridge is missing (containernetworking-plugins)"
  cluster_down 2>/dev/null || true
  rm -rf "$STATE"; mkdir -p "$STATE/logs" "$STATE/run"
  write_pki; write_configs
  # The pod cgroup root in each v1 hierarchy (cgroup v2: one).
  local c cg; cg=$(cgroup_name)
  for c in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    c=${c%/}
    [ -d "$c" ] && [ -w "$c" ] || continue
    if [ "$c" = /sys/fs/cgroup ] && [ ! -e "$c/cgroup.controllers" ]; then continue; fi
    mkdir -p "$c/$cg"
    if [ -e "$c/cpuset.cpus" ] && [ -e "$c/$cg/cpuset.cpus" ]; then
      cat "$c/cpuset.cpus" > "$c/$cg/cpuset.cpus"; cat "$c/cpuset.mems" > "$c/$cg/cpuset.mems"
    fi
  done
  # setsid: the namespace outlives this shell; its PID 1 is this script's init.
  setsid unshare --net --mount --pid --fork --mount-proc --kill-child --propagation private \
    env K8S_BIN="$K8S_BIN" BP_K8S_STATE="$STATE" "$HERE/cluster.sh" init > "$STATE/logs/init.log" 2>&1 < /dev/null &
  echo $! > "$STATE/unshare.pid"
  local i init=
  for i in $(seq 1 100); do
    init=$(ps -o pid= --ppid "$(cat "$STATE/unshare.pid")" | tr -d ' ' | head -1)
    [ -n "$init" ] && break; sleep 0.1
  done
  [ -n "$init" ] || die "unshare started no init (see $STATE/logs/init.log)"
  echo "$init" > "$STATE/init.pid"
  log "namespaces up: init pid $init (logs in $STATE/logs)"
  for i in $(seq 1 300); do
    [ -e "$STATE/init.ready" ] && break
    kill -0 "$init" 2>/dev/null || die "init died: $(tail -5 "$STATE/logs/init.log")"
    sleep 1
  done
  [ -e "$STATE/init.ready" ] || die "the node did not come up in 300 s: $(tail -5 "$STATE/logs/init.log")"
  for i in $(seq 1 180); do
    cluster_exec kubectl get nodes 2>/dev/null | grep -q ' Ready' && break; sleep 1
  done
  cluster_exec kubectl get nodes | grep -q ' Ready' || die "node $NODE not Ready after 180 s (see $STATE/logs/kubelet.log)"
  # Pods need the default service account, which the controller-manager makes.
  for i in $(seq 1 60); do cluster_exec kubectl get serviceaccount default >/dev/null 2>&1 && break; sleep 1; done
  cluster_exec kubectl get serviceaccount default >/dev/null || die "no default service account after 60 s"
  log "node $NODE Ready"
}

cluster_exec() {
  [ -e "$STATE/init.pid" ] || die "no cluster is up (no $STATE/init.pid)"
  nsenter -t "$(cat "$STATE/init.pid")" -n -m \
    env KUBECONFIG="$STATE/admin.kubeconfig" PATH="$K8S_BIN:$PATH" "$@"
}

cluster_down() {
  local p i
  if [ -e "$STATE/init.pid" ]; then kill -9 "$(cat "$STATE/init.pid")" 2>/dev/null || true; fi
  if [ -e "$STATE/unshare.pid" ]; then
    p=$(cat "$STATE/unshare.pid")
    for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$p" 2>/dev/null || true
  fi
  rm -f "$STATE/init.pid" "$STATE/unshare.pid"
  # The pod cgroups empty once their processes are gone; remove them deepest first.
  local cg; cg=$(cgroup_name)
  for i in $(seq 1 30); do
    for p in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg"; do
      [ -d "$p" ] && find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    ls -d /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg" >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  log "cgroups left behind: $(ls -d /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg" 2>/dev/null | tr '\n' ' ')"
  return 1
}

# ---- inside the namespaces (PID 1) --------------------------------------------

node_init() {
  set +e
  local s=$STATE b=$K8S_BIN l=$STATE/logs
  say() { echo "$(date +%T) $*"; }
  start() { local n=$1; shift; "$@" > "$l/$n.log" 2>&1 & say "started $n (pid $!)"; }
  await() { # await WHAT SECONDS CMD...
    local what=$1 n=$2 i; shift 2
    for i in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && { say "$what ready after ${i}s"; return 0; }; sleep 1; done
    say "$what NOT ready after ${n}s"; exit 1
  }
  # Mounts: private to this mount namespace.
  mount --make-rshared /
  mount -t tmpfs tmpfs /run
  mkdir -p "$s/var-lib" "$s/var-log" /run/netns
  mount --bind "$s/var-lib" /var/lib
  mount --bind "$s/var-log" /var/log
  # kubelet sets these host-wide tunables at start; give it private copies.
  local kv name f
  mkdir -p "$s/sysctl"
  for kv in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1; do
    name=${kv%=*}; f=$s/sysctl/${name//\//_}
    echo "${kv#*=}" > "$f"
    mount --bind "$f" "/proc/sys/$name"
  done
  # Network: private to this network namespace.
  ip link set lo up
  ip link add bpk8s0 type veth peer name bpk8s1
  ip addr add "$NODE_IP/24" dev bpk8s0
  ip link set bpk8s0 up; ip link set bpk8s1 up
  ip route add default via 10.77.0.254 dev bpk8s0 onlink
  echo 1 > /proc/sys/net/ipv4/ip_forward
  echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null
  # Progress notifications every second move the apiserver's watch cache
  # along with etcd (kubeadm sets 5s): etcd 3.4 cannot be asked for progress
  # on demand, and without them a watch from "now" (Skaffold's pod watcher)
  # fails with "Too large resource version" until the watched kind changes.
  start etcd etcd --data-dir "$s/etcd" --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster default=http://127.0.0.1:2380 --unsafe-no-fsync --experimental-watch-progress-notify-interval=1s
  await etcd 60 curl -sf http://127.0.0.1:2379/health
  local p=$s/pki
  start apiserver "$b/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 --advertise-address="$NODE_IP" --secure-port=6443 \
    --service-cluster-ip-range="$SERVICE_CIDR" --client-ca-file="$p/ca.crt" --tls-cert-file="$p/apiserver.crt" \
    --tls-private-key-file="$p/apiserver.key" --kubelet-client-certificate="$p/admin.crt" --kubelet-client-key="$p/admin.key" \
    --kubelet-preferred-address-types=InternalIP --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true --endpoint-reconciler-type=lease
  await apiserver 240 "$b/kubectl" --kubeconfig "$s/admin.kubeconfig" get --raw /readyz
  start controller-manager "$b/kube-controller-manager" --kubeconfig="$s/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$s/controller-manager.kubeconfig" --authorization-kubeconfig="$s/controller-manager.kubeconfig" \
    --service-account-private-key-file="$p/sa.key" --root-ca-file="$p/ca.crt" --cluster-signing-cert-file="$p/ca.crt" \
    --cluster-signing-key-file="$p/ca.key" --use-service-account-credentials=true --leader-elect=false \
    --service-cluster-ip-range="$SERVICE_CIDR"
  start scheduler "$b/kube-scheduler" --kubeconfig="$s/scheduler.kubeconfig" --authentication-kubeconfig="$s/scheduler.kubeconfig" \
    --authorization-kubeconfig="$s/scheduler.kubeconfig" --leader-elect=false
  start containerd containerd --config "$s/containerd.toml"
  await containerd 60 ctr --address "$s/run/containerd.sock" version
  start registry docker-registry serve "$s/registry.yml"
  await registry 60 curl -sf "http://$REGISTRY/v2/"
  start kubelet "$b/kubelet" --config="$s/kubelet.yaml" --kubeconfig="$s/kubelet.kubeconfig" --root-dir="$s/kubelet" \
    --hostname-override="$NODE" --node-ip="$NODE_IP"
  start kube-proxy "$b/kube-proxy" --config="$s/kube-proxy.yaml" --hostname-override="$NODE"
  say "node up"; touch "$s/init.ready"
  # PID 1 reaps orphans (containerd shims re-parent here) until it is killed.
  while :; do wait; sleep 1; done
}

case "${1:-}" in
  up) cluster_up ;;
  down) cluster_down ;;
  exec) shift; cluster_exec "$@" ;;
  init) node_init ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
