# shellcheck shell=bash
# Sourced by .ci/run before `npm ci`: puts Node.js 24 (the release in .node-version) first on PATH.
# A machine whose own Node is 24 keeps it; any other gets the pinned release from the npm registry
# (node-linux-<arch>), unpacked once into a cache directory and reused by later runs. The machine's
# npm runs on it (npm 10+ supports Node 24), so only the `node` binary is installed.
# shellcheck source=../scripts/node-release.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/node-release.sh"
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "24" ]; then
  node_dir="${STOREFRONT_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/storefront-node}/$NODE_PACKAGE-$NODE_VERSION"
  if [ ! -x "$node_dir/bin/node" ]; then
    node_started=$(date +%s)
    mkdir -p "$(dirname "$node_dir")"
    node_work="$(mktemp -d "$(dirname "$node_dir")/.unpack.XXXXXX")"
    node_release_unpack "$node_work"
    # Renamed into place whole, so an interrupted install is never taken for a finished one.
    mv "$node_work/package" "$node_dir" && rm -rf "$node_work"
    echo "node: installed $NODE_PACKAGE@$NODE_VERSION into $node_dir in $(( $(date +%s) - node_started ))s" >&2
  fi
  export PATH="$node_dir/bin:$PATH"
fi
echo "node: $(command -v node) $(node -v), npm $(npm -v)" >&2
