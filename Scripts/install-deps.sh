#!/usr/bin/env bash
# Installs the Debian packages vigil needs to build and test, if they are missing.
#   libarchive-dev  : archive reading and writing (tar, gzip, zstd, zip)
#   libsqlite3-dev  : the store (GRDB over the system SQLite)
# Extra packages for benchmarks can be passed as arguments.
set -euo pipefail
needed=(libarchive-dev libsqlite3-dev "$@")
missing=()
for p in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing ${missing[*]} ..." >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
