#!/bin/sh
# Prepares this Debian 12 machine (as root) for `make CROSS_COMPILE=aarch64-linux-gnu-`: Debian's arm64
# cross compiler and the arm64 libraries through multiarch (dpkg --add-architecture arm64). libevent-dev is
# not Multi-Arch: same in Debian 12, so its arm64 build would replace the machine's own; its arm64 headers
# and link library are unpacked into OVERLAY (default /var/cache/anycastd-cross/arm64) instead, and the
# build points at them. Idempotent. Prints the make command line to use. Takes a few minutes the first time.
set -eu
OVERLAY=${OVERLAY:-/var/cache/anycastd-cross/arm64}
TRIPLET=aarch64-linux-gnu
export DEBIAN_FRONTEND=noninteractive

dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
need=""
for p in g++-$TRIPLET libnl-3-dev:arm64 libnl-route-3-dev:arm64 libprotobuf-dev:arm64 \
         libevent-core-2.1-7:arm64 libevent-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $need
fi

if [ ! -e "$OVERLAY/.complete" ]; then
    rm -rf "$OVERLAY" "$OVERLAY.dl"
    mkdir -p "$OVERLAY.dl"
    (cd "$OVERLAY.dl" && apt-get download -qq libevent-dev:arm64 2>/dev/null)
    dpkg-deb -x "$OVERLAY.dl"/libevent-dev_*_arm64.deb "$OVERLAY"
    rm -rf "$OVERLAY.dl"
    # Its .so links are relative to a directory the overlay does not have: point them at the installed
    # arm64 runtime (libevent-core-2.1-7:arm64).
    for l in "$OVERLAY/usr/lib/$TRIPLET"/*.so; do
        [ -L "$l" ] && ln -sfn "/usr/lib/$TRIPLET/$(readlink "$l")" "$l"
    done
    touch "$OVERLAY/.complete"
fi

cat <<MSG
arm64 cross build ready. Build and package with:
  CPPFLAGS=-I$OVERLAY/usr/include LDFLAGS=-L$OVERLAY/usr/lib/$TRIPLET \\
  make BUILD=build/arm64 CROSS_COMPILE=$TRIPLET- PKG_CONFIG="pkgconf --personality=$TRIPLET" DEB_ARCH=arm64 deb
MSG
