#!/usr/bin/env bash
# Makes a Docker engine answer for the container shape of the local stage: installs Debian's
# docker.io if there is no dockerd, and starts dockerd in the background if it is not running (it is
# not, at the start of a CI run). No registry is needed: every image is built locally.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .local
if docker info >/dev/null 2>&1; then echo "docker: engine already running" >&2; exit 0; fi
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! command -v dockerd >/dev/null; then
  echo "docker: installing Debian's docker.io (log in .local/apt-docker.log)" >&2
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq docker.io; } >.local/apt-docker.log 2>&1 \
    || { tail -20 .local/apt-docker.log >&2; echo "docker: could not install docker.io" >&2; exit 1; }
fi
echo "docker: starting dockerd (log in .local/dockerd.log)" >&2
$sudo nohup dockerd >.local/dockerd.log 2>&1 &
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && { echo "docker: engine up" >&2; exit 0; }; sleep 0.5; done
tail -20 .local/dockerd.log >&2
echo "docker: dockerd did not answer within 30 s" >&2
exit 1
