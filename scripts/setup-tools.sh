#!/usr/bin/env bash
# Installs the real tools the oracle and lab tests use (Debian packages), only those missing.
# Runs before `npm test`; a no-op when everything is there.
set -euo pipefail
need_apt=()
for tool in tshark:tshark capinfos:tshark tcpdump:tcpdump tcpreplay:tcpreplay ip:iproute2 capsh:libcap2-bin rsvg-convert:librsvg2-bin openssl:openssl ethtool:ethtool tc:iproute2; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt+=("${tool##*:}")
done
/usr/bin/python3 -c 'import scapy' >/dev/null 2>&1 || need_apt+=(python3-scapy)
[ ${#need_apt[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "setup-tools: missing Debian packages: ${need_apt[*]} (run as root, or: sudo apt-get install ${need_apt[*]})" >&2
  exit 2
fi
echo "setup-tools: installing ${need_apt[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
