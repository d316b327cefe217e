#!/bin/sh
# Installs the Debian packages that building, testing and the demo need, when any is missing.
# Idempotent; needs root (apt-get) only when something is missing. With arguments it installs those packages
# instead (`make bench` passes the peers it compares with: exabgp keepalived).
set -eu
PKGS="g++ make pkg-config protobuf-compiler libprotobuf-dev libnl-3-dev libnl-route-3-dev libevent-dev
 libcpputest-dev libssl-dev frr gobgpd python3 python3-pytest iproute2 procps debootstrap
 dpkg-dev lintian systemd systemd-container openssl dnsmasq-base nginx-light clang clang-format libclang-rt-14-dev llvm"
[ $# -gt 0 ] && PKGS="$*"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The frr and nginx packages would start FRR and nginx on the host; the tests run their own instances in namespaces.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing
