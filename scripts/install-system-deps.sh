#!/usr/bin/env bash
# Installs the Debian packages the tests use, once; a no-op when they are already there.
set -euo pipefail
need=()
for pkg in $(cat "$(dirname "${BASH_SOURCE[0]}")/system-packages.txt" | grep -v '^#'); do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}" >&2
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
