#!/usr/bin/env bash
# Runs podman as this project's Docker daemon for pack: private config and
# storage under .cache/podman/, a `podman system service` on a unix socket.
#
# Usage: eval "$(integration/platform/podman.sh [start])"   start if needed, print exports
#        integration/platform/podman.sh env                print the exports only
#        integration/platform/podman.sh stop               stop the service it started
# Prints only `export NAME=value` lines on stdout (progress goes to stderr):
#   DOCKER_HOST (the socket), CONTAINERS_CONF, CONTAINERS_STORAGE_CONF (so the
#   podman CLI sees the same images as the service), CONTAINERS_REGISTRIES_CONF
#   (registries on 127.0.0.1 are plain HTTP: the tests run Debian's
#   docker-registry there; no other registry is configured).
# Idempotent: a second start finds the live service and only prints the exports.
# Installs nothing: integration/install-deps.sh installs the Debian packages.
# Env: BP_DEBUG_CACHE (cache root, default <repo>/.cache),
#      CNBDEBUG_PODMAN_DIR (this podman's config and storage, default
#      $BP_DEBUG_CACHE/podman; another dir is another service on its own socket).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${BP_DEBUG_CACHE:-$REPO/.cache}
DIR=${CNBDEBUG_PODMAN_DIR:-$CACHE/podman}
# Runtime state (locks, container state) belongs on a run directory, which
# is tmpfs on most hosts, so a reboot clears it instead of leaving stale locks.
# The cache path is hashed into it so two checkouts never share a state dir.
RUN=${XDG_RUNTIME_DIR:-/run}/cnbdebug-podman-$(printf '%s' "$DIR" | sha256sum | cut -c1-12)
SOCK=$RUN/podman.sock
# The loopback registry tests start for this podman (Debian's docker-registry):
# a fixed port per dir, because the service reads registries.conf once.
REGISTRY=127.0.0.1:$(( 20000 + 0x$(printf '%s' "$DIR" | sha256sum | cut -c1-4) % 10000 ))
PIDFILE=$RUN/service.pid
LOG=$DIR/service.log

log() { echo "podman.sh: $*" >&2; }
die() { echo "podman.sh: $*" >&2; exit 1; }

print_env() {
  echo "export DOCKER_HOST=unix://$SOCK"
  echo "export CONTAINERS_CONF=$DIR/containers.conf"
  echo "export CONTAINERS_STORAGE_CONF=$DIR/storage.conf"
  echo "export CONTAINERS_REGISTRIES_CONF=$DIR/registries.conf"
  echo "export CNBDEBUG_REGISTRY=$REGISTRY"
}

check_tools() {
  local missing=() t
  for t in podman runc conmon iptables; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]} (run integration/install-deps.sh)"
  [ "$(id -u)" = 0 ] || die "needs root: the storage is rootful (overlay, cgroupfs, netavark)"
}

# Writes a file only when its content changes, through a temp name, so a
# running service never reads a half-written config.
CONFIG_CHANGED=false
write_if_changed() {
  local path=$1 content=$2
  if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then return; fi
  printf '%s\n' "$content" > "$path.tmp.$$"
  mv "$path.tmp.$$" "$path"
  CONFIG_CHANGED=true
}

write_config() {
  mkdir -p "$DIR/storage" "$RUN"
  # default_ulimits = []: containers otherwise fail with "setrlimit: operation
  # not permitted" here; crun fails on these hybrid cgroups, runc works;
  # journald is not there, so events go to a file.
  write_if_changed "$DIR/containers.conf" "# Written by integration/platform/podman.sh.
[containers]
default_ulimits = []

[engine]
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"
events_logfile_path = \"$RUN/events.log\"
runtime = \"runc\"
tmp_dir = \"$RUN/libpod\""
  write_if_changed "$DIR/storage.conf" "# Written by integration/platform/podman.sh.
[storage]
driver = \"overlay\"
graphroot = \"$DIR/storage\"
runroot = \"$RUN/storage\""
  # Short names never resolve to a remote registry; 127.0.0.1 on any port is
  # plain HTTP (containers/image matches the location as a prefix up to ':'),
  # for the docker-registry the Skaffold and distribution tests start there.
  # The lifecycle image pack pulls for an untrusted build (Skaffold always
  # pulls on its first build) is mirrored from that registry, when images.sh
  # names it (CNBDEBUG_LIFECYCLE_REPO); the tests push it there.
  local mirror=
  if [ -n "${CNBDEBUG_LIFECYCLE_REPO:-}" ]; then
    mirror="

[[registry]]
prefix = \"$CNBDEBUG_LIFECYCLE_REPO\"
location = \"$CNBDEBUG_LIFECYCLE_REPO\"
[[registry.mirror]]
location = \"$REGISTRY/buildpacksio/lifecycle\"
insecure = true"
  fi
  write_if_changed "$DIR/registries.conf" "# Written by integration/platform/podman.sh.
unqualified-search-registries = []
short-name-mode = \"disabled\"

[[registry]]
location = \"127.0.0.1\"
insecure = true$mirror"
}

service_alive() {
  [ -S "$SOCK" ] && [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

start() {
  check_tools
  mkdir -p "$DIR"
  # Two callers at once must not both start a service.
  exec 9>"$DIR/service.lock"
  flock 9
  write_config
  export CONTAINERS_CONF=$DIR/containers.conf CONTAINERS_STORAGE_CONF=$DIR/storage.conf \
    CONTAINERS_REGISTRIES_CONF=$DIR/registries.conf
  if service_alive && [ "$CONFIG_CHANGED" = true ]; then
    log "the config changed: restarting the service"
    stop
  fi
  if service_alive; then
    print_env
    return
  fi
  rm -f "$SOCK"
  log "starting podman system service on $SOCK (log: $LOG)"
  # setsid: the service outlives the shell (and the go test) that started it.
  setsid nohup podman system service --time=0 "unix://$SOCK" >"$LOG" 2>&1 </dev/null 9>&- &
  echo $! > "$PIDFILE"
  local i
  for i in $(seq 100); do
    if [ -S "$SOCK" ] && podman --url "unix://$SOCK" version >/dev/null 2>&1; then
      print_env
      return
    fi
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
    sleep 0.1
  done
  die "podman system service did not answer on $SOCK; its log:
$(tail -20 "$LOG" 2>/dev/null)"
}

stop() {
  if [ -f "$PIDFILE" ]; then
    local pid
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping podman system service (pid $pid)"
      kill "$pid"
      local i
      for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$PIDFILE"
  fi
  rm -f "$SOCK"
}

case ${1:-start} in
  start) start ;;
  env) print_env ;;
  stop) stop ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
