#!/usr/bin/env bash
# Installs what building and testing the buildpack needs on a fresh Debian 12
# machine (root): compilers and libraries, the container tools the platform
# tests use. Go, Python and Node come with the machine image; checked here.
set -euo pipefail

PACKAGES=(
  cmake make gcc clang libclang-rt-14-dev pkg-config
  libcmocka-dev libcurl4-openssl-dev libarchive-dev libssl-dev libjansson-dev
  libacl1-dev libzstd-dev liblz4-dev
  cppcheck hyperfine ca-certificates curl xz-utils zip unzip file binutils
  umoci skopeo podman runc conmon containernetworking-plugins netavark aardvark-dns
  iptables uidmap slirp4netns fuse-overlayfs catatonit golang-github-containers-common
  buildah debootstrap openjdk-17-jdk-headless
  tini docker-registry
)
# linux/arm64 (tools/cross-arm64.sh): Debian's cross compiler, qemu-user, and
# the libraries bin/build links as :arm64 multiarch packages (libc6:arm64 with
# them: qemu runs the tests with its loader and libc). Without recommends,
# qemu-user-static registers no binfmt on the host (no binfmt-support); the
# script gives its tests a private binfmt_misc instead.
PACKAGES+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static)
for p in libc6-dev libcurl4-openssl-dev libarchive-dev libjansson-dev libssl-dev libcmocka-dev \
         libacl1-dev nettle-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev zlib1g-dev libxml2-dev; do
  PACKAGES+=("$p:arm64")
done
# The :arm64 packages need the architecture before apt-get update reads the lists.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "install-deps: dpkg --add-architecture arm64" >&2
  dpkg --add-architecture arm64
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}" >&2
  # docker-registry must not start as a host service: the tests start their
  # own on loopback. A policy-rc.d that forbids starting services, only for this.
  own_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own_policy=true
  fi
  apt-get update -qq
  rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  if $own_policy; then rm -f /usr/sbin/policy-rc.d; fi
  [ "$rc" = 0 ] || { echo "install-deps: apt-get install failed" >&2; exit "$rc"; }
fi

for tool in go python3 node npm java javac jdb; do
  command -v "$tool" >/dev/null || { echo "install-deps: $tool is missing from PATH" >&2; exit 1; }
done
