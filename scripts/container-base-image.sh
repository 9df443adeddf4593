#!/usr/bin/env bash
# Builds the local stage's container base image, `storefront-local/node:24`, offline: no container
# registry is reachable from the local stage. The root filesystem is unpacked from Debian's own
# packages (the C and C++ runtimes Node.js links against) and Node.js 24 comes from the npm registry
# (the official binary, packaged as node-linux-<arch>). The image is labelled with the hash of its
# inputs (this script, the Dockerfile, the package versions): an image with the same label is
# reused, so it is built once per machine and again only when an input changes.
# Usage: scripts/container-base-image.sh [--print-tag]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="storefront-local/node:24"
# shellcheck source=node-release.sh
source "$ROOT/scripts/node-release.sh"
DEBIAN_PACKAGES=(libc6 libgcc-s1 libstdc++6)
DOCKERFILE="$ROOT/scripts/container-base/Dockerfile"

command -v apt-get >/dev/null || { echo "container-base-image: needs Debian's apt-get (the root filesystem is Debian's packages)" >&2; exit 1; }

# The package versions apt would install now: a security update of libc6 is a new input.
versions="$(for p in "${DEBIAN_PACKAGES[@]}"; do printf '%s=%s\n' "$p" "$(apt-cache policy "$p" | awk '/Candidate:/ {print $2}')"; done)"
inputs="$(
  {
    cat "$0" "$DOCKERFILE" "$ROOT/scripts/node-release.sh"
    echo "$NODE_PACKAGE@$NODE_VERSION"
    echo "$versions"
  } | sha256sum | cut -c1-16
)"
if [ "$(docker image inspect -f '{{ index .Config.Labels "storefront.inputs" }}' "$IMAGE" 2>/dev/null || true)" = "$inputs" ]; then
  echo "container-base-image: $IMAGE is current (inputs $inputs)" >&2
  exit 0
fi

started=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/storefront-base.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/rootfs"
echo "container-base-image: building $IMAGE ($NODE_PACKAGE@$NODE_VERSION on Debian's ${DEBIAN_PACKAGES[*]})" >&2
# `apt-get download` needs no root and touches nothing outside the work directory.
chmod 0755 "$work"; chmod 0777 "$work/debs"
(cd "$work/debs" && apt-get download -qq $(echo "$versions" | tr '\n' ' ') >/dev/null)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/rootfs"; done
rm -rf "$work/rootfs/usr/share/doc" "$work/rootfs/usr/share/locale" "$work/rootfs/usr/share/lintian"
node_release_unpack "$work"
install -D -m 0755 "$work/package/bin/node" "$work/rootfs/usr/local/bin/node"
# The unprivileged user the task definition runs as (uid 1000, as in the node images), and /tmp.
mkdir -p "$work/rootfs/etc" "$work/rootfs/tmp"
chmod 1777 "$work/rootfs/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n' >"$work/rootfs/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$work/rootfs/etc/group"
cp "$DOCKERFILE" "$work/Dockerfile"
docker build -q --label "storefront.inputs=$inputs" -t "$IMAGE" "$work" >/dev/null
# The image this one replaces is left untagged: remove it (only dangling images carrying our label).
docker image prune -f --filter label=storefront.inputs >/dev/null
docker run --rm "$IMAGE" node -e 'if (!process.version.startsWith("v24.")) process.exit(1)'
echo "container-base-image: built $IMAGE in $(( $(date +%s) - started ))s (inputs $inputs, $(docker image inspect -f '{{ .Size }}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))" >&2
