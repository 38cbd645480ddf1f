#!/usr/bin/env bash
# Makes the stack's root filesystem from Debian files: a bookworm minbase
# (debootstrap, from the mirror apt already uses) plus the `cnb` user (1000)
# the lifecycle runs buildpacks as. Cached in $CACHE/k8s-stack-bookworm/rootfs.
# The debug buildpack's bin/build needs a glibc image; busybox would not do.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${BP_DEBUG_CACHE:-$REPO/.cache}
OUT=$CACHE/k8s-stack-bookworm
log() { echo "k8s/stack: $*" >&2; }
die() { echo "k8s/stack: $*" >&2; exit 1; }

[ -f "$OUT/rootfs/etc/debian_version" ] && [ -f "$OUT/done" ] && { echo "$OUT/rootfs"; exit 0; }
command -v debootstrap >/dev/null || die "debootstrap is missing (integration/install-deps.sh installs it)"
# The mirror apt uses on this machine (deb822 or one-line sources).
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d/*.sources}"
log "debootstrap bookworm minbase (about 30 s; cached afterwards)"
rm -rf "$OUT"; mkdir -p "$OUT"
debootstrap --variant=minbase bookworm "$OUT/rootfs" "$mirror" > "$OUT/debootstrap.log" 2>&1 ||
  die "debootstrap failed, see $OUT/debootstrap.log"
r=$OUT/rootfs
# Images need no apt lists, caches, docs or device nodes.
rm -rf "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/* "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/locale/* "$r"/dev/*
echo 'cnb:x:1000:1000:cnb:/home/cnb:/bin/sh' >> "$r/etc/passwd"
echo 'cnb:x:1000:' >> "$r/etc/group"
mkdir -p "$r/home/cnb"; chown 1000:1000 "$r/home/cnb"
touch "$OUT/done"
du -sh "$r" >&2
echo "$r"
