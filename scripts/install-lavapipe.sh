#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) from Debian bookworm-backports, which gives the
# npm package `webgpu` a WebGPU adapter on a machine without a GPU (bookworm's own Mesa 22.3 lacks a
# feature Dawn needs). The backports suite is added from the mirror apt already uses, so no host
# name is written here. Needs root; a no-op when a Vulkan ICD of Mesa 25 is already installed.
set -euo pipefail

if dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '^2[5-9]\.'; then
  echo "lavapipe: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) already installed"
  exit 0
fi

eval "$(apt-config shell SOURCEPARTS Dir::Etc::sourceparts/d)"
parts="${SOURCEPARTS:-/etc/apt/sources.list.d/}"
# The first Debian archive URI apt is configured with (deb822 or one-line format), not the security one.
uri=$( (cat "$parts"*.sources "$parts"*.list /etc/apt/sources.list 2>/dev/null || true) \
  | grep -E '^(URIs:|deb )' | grep -v -i security | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' \
  | awk '{print $1}' | head -n1)
if [ -z "$uri" ]; then
  echo "lavapipe: no Debian mirror found in apt's sources" >&2
  exit 1
fi
cat > "${parts}tsgrad-backports.sources" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
echo "lavapipe: installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
