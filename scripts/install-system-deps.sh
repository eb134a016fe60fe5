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
# Debian's prometheus package enables and starts prometheus.service on 0.0.0.0:9090 where systemd runs. The tests
# start their own Prometheus on 127.0.0.1; the packaged service is not wanted, so stop it if this script installed it.
if [[ " ${need[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now prometheus.service >&2 || true
fi
