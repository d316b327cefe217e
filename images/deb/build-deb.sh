#!/bin/sh
# Assembles the anycastd Debian package with dpkg-deb alone (no debhelper, no fakeroot: files are owned by
# root:root through --root-owner-group). Called by `make deb` (images/module.mk); run from the repository's
# top directory.
#
#   images/deb/build-deb.sh --out FILE.deb --version V --arch A
#                           [--binary SRC:DEST]... [--file SRC:DEST:MODE]...
#
# --binary: an ELF executable copied to DEST (an absolute path in the package) with mode 0755 and stripped
# with $STRIP (default strip; `$(CROSS_COMPILE)strip` for a cross build). --file: any other file.
# Fixed contents: the config as a conffile, the systemd unit, the rt_protos entry, the docs, the maintainer
# scripts. Depends comes from dpkg-shlibdeps on the binaries when dpkg-dev is installed (for the package's
# architecture: the libraries of that architecture must be installed, e.g. libnl-3-200:arm64), otherwise it
# is the static list below. Variables: STRIP, DEB_MAINTAINER, SOURCE_DATE_EPOCH (changelog date).
# The tree is staged in a temporary directory, removed on exit (a staged etc/iproute2/rt_protos.d under
# build/ would be taken for a dependency file by the top Makefile's `find $(BUILD) -name '*.d'`).
# Exit status: 0 with the package written, 1 on any error (message on stderr).
set -eu
umask 022

STATIC_DEPENDS="libc6, libgcc-s1, libstdc++6, libnl-3-200, libnl-route-3-200, libprotobuf32, libevent-core-2.1-7, libssl3"
MAINTAINER=${DEB_MAINTAINER:-"anycastd maintainers <anycastd@example.org>"}
STRIP=${STRIP:-strip}

out="" version="" arch="" binaries="" files=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --version) version=$2; shift 2 ;;
        --arch) arch=$2; shift 2 ;;
        --binary) binaries="$binaries $2"; shift 2 ;;
        --file) files="$files $2"; shift 2 ;;
        *) echo "build-deb: unknown argument '$1'" >&2; exit 1 ;;
    esac
done
for v in out version arch; do
    eval "[ -n \"\$$v\" ]" || { echo "build-deb: --$v is required" >&2; exit 1; }
done
[ -n "$binaries" ] || { echo "build-deb: no --binary given" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/anycastd-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
mkdir -p "$root/DEBIAN"
doc="$root/usr/share/doc/anycastd"

put() {  # SRC DEST MODE
    install -D -m "$3" "$1" "$root$2"
}

for b in $binaries; do
    src=${b%%:*} dest=${b#*:}
    [ -f "$src" ] || { echo "build-deb: binary $src is missing" >&2; exit 1; }
    put "$src" "$dest" 0755
    "$STRIP" --remove-section=.comment --remove-section=.note --strip-unneeded "$root$dest"
done
for f in $files; do
    src=${f%%:*} rest=${f#*:}
    dest=${rest%%:*} mode=${rest#*:}
    put "$src" "$dest" "$mode"
done

put images/deb/anycastd.conf /etc/anycastd/anycastd.conf 0644
put images/iproute2/rt_protos.d/anycastd.conf /etc/iproute2/rt_protos.d/anycastd.conf 0644
put images/systemd/anycastd.service /lib/systemd/system/anycastd.service 0644
put images/systemd/anycastd-withdraw.service /lib/systemd/system/anycastd-withdraw.service 0644
put images/deb/copyright /usr/share/doc/anycastd/copyright 0644
put examples/anycastd.conf /usr/share/doc/anycastd/examples/anycastd.conf 0644
put examples/anycastd-zebra.conf /usr/share/doc/anycastd/examples/anycastd-zebra.conf 0644
put proto/config.proto /usr/share/doc/anycastd/config.proto 0644
put proto/control.proto /usr/share/doc/anycastd/control.proto 0644
gzip -9nc README.md >"$doc/README.md.gz"
put images/deb/lintian-overrides /usr/share/lintian/overrides/anycastd 0644

date=$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")
cat >"$stage/changelog.Debian" <<EOF
anycastd ($version) unstable; urgency=medium

  * Built from the anycastd repository by make deb (see README.md.gz).

 -- $MAINTAINER  $date
EOF
gzip -9nc "$stage/changelog.Debian" >"$doc/changelog.Debian.gz"

for s in postinst prerm postrm; do
    install -m 0755 "images/deb/$s" "$root/DEBIAN/$s"
done
(cd "$root" && find etc -type f | sed 's|^|/|' | sort) >"$root/DEBIAN/conffiles"

# Depends: what the binaries link against.
depends=""
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
    mkdir -p "$stage/debian"
    printf 'Source: anycastd\n\nPackage: anycastd\nArchitecture: any\n' >"$stage/debian/control"
    elfs=""
    for b in $binaries; do elfs="$elfs root${b#*:}"; done
    depends=$(cd "$stage" && DEB_HOST_ARCH="$arch" dpkg-shlibdeps -O $elfs | sed -n 's/^shlibs:Depends=//p')
fi
if [ -z "$depends" ]; then
    echo "build-deb: dpkg-shlibdeps unavailable or silent: using the static Depends list" >&2
    depends=$STATIC_DEPENDS
fi
# postinst creates the exec checks' user with useradd (passwd).
depends="$depends, passwd"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: anycastd
Version: $version
Architecture: $arch
Maintainer: $MAINTAINER
Installed-Size: $size
Depends: $depends
Recommends: frr
Section: net
Priority: optional
Description: anycast agent for Linux whitebox switches
 anycastd health-checks the servers behind each anycast VIP and keeps the
 VIP's route (ECMP over the healthy servers, as a resilient nexthop group)
 while enough of them are healthy; FRRouting's bgpd announces it. It writes
 the route into the kernel through netlink or hands it to FRR's zebra.
 .
 The package installs a systemd unit (enabled, not started on installation)
 and a starting configuration without VIPs in /etc/anycastd/anycastd.conf.
EOF

(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum) \
    >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$(dirname "$out")"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "build-deb: $out (Depends: $depends)"
