#!/usr/bin/env bash
# Installs the benchmark's peer clients into bench/node_modules.
#
# @confluentinc/kafka-javascript cannot download its prebuilt binary here, so it is compiled from the
# librdkafka it bundles. That build links against the system's compression, TLS, SASL and curl
# libraries (CKJS_LINKING=dynamic) and takes several minutes on two cores.
set -euo pipefail

cd "$(dirname "$0")"

readonly APT_PACKAGES=(zlib1g-dev libssl-dev libzstd-dev libsasl2-dev liblz4-dev libcurl4-openssl-dev time)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  sudo_cmd=()
  ((EUID == 0)) || sudo_cmd=(sudo)
  echo "bench/install.sh: installing ${missing[*]} with apt-get" >&2
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The root package must be installed too: the kafkats benchmark client runs through the root's tsx.
[[ -d ../node_modules ]] || (cd .. && npm install)

CKJS_LINKING=dynamic npm install "$@"
