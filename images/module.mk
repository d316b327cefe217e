# images/: what a switch image needs beyond the binaries: the systemd unit, the rt_protos entry and the
# Debian package. Included last by the top Makefile, so every module's DEB_BINARIES and DEB_FILES are known.
#
#   make deb      $(BUILD)/anycastd_$(DEB_VERSION)_$(DEB_ARCH).deb (images/deb/build-deb.sh, dpkg-deb)
#   make install  also installs the units (ExecStart pointing at $(PREFIX)/sbin) and the rt_protos entry
#
# DEB_BINARIES: "BUILT_FILE:PATH_IN_PACKAGE" per executable (stripped); another module adds its own, e.g.
#   DEB_BINARIES += $(BUILD)/anycastctl:/usr/bin/anycastctl
# DEB_FILES: "SOURCE:PATH_IN_PACKAGE:MODE" per other file. A built anycastctl and the bash completion are
# picked up here too when they exist, so the package has them whichever order the branches land in.
DEB_VERSION ?= $(shell sed -n 's/^\#define ANYCASTD_VERSION "\(.*\)"/\1/p' lib/version.h)-1
DEB_ARCH ?= $(if $(CROSS_COMPILE),$(shell dpkg-architecture -qDEB_HOST_ARCH -t$(patsubst %-,%,$(CROSS_COMPILE)) 2>/dev/null),$(shell dpkg --print-architecture))
DEB_FILE := $(BUILD)/anycastd_$(DEB_VERSION)_$(DEB_ARCH).deb
STRIP ?= $(CROSS_COMPILE)strip
SYSCONFDIR ?= /etc
SYSTEMD_UNIT_DIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)

DEB_BINARIES += $(BUILD)/anycastd:/usr/sbin/anycastd
DEB_BINARIES += $(if $(wildcard $(BUILD)/anycastctl),$(BUILD)/anycastctl:/usr/bin/anycastctl)
DEB_FILES += $(if $(wildcard agent/ctl/anycastctl.bash),\
  agent/ctl/anycastctl.bash:/usr/share/bash-completion/completions/anycastctl:0644)
DEB_BINARIES := $(sort $(DEB_BINARIES))
DEB_FILES := $(sort $(DEB_FILES))

.PHONY: deb install-images
deb: $(DEB_FILE)

$(DEB_FILE): $(foreach b,$(DEB_BINARIES) $(DEB_FILES),$(firstword $(subst :, ,$(b)))) \
    $(wildcard images/deb/* images/systemd/* images/iproute2/rt_protos.d/*) examples/anycastd.conf \
    examples/anycastd-zebra.conf images/deb/anycastd.conf proto/config.proto proto/control.proto README.md
	STRIP=$(STRIP) SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
	  images/deb/build-deb.sh --out $@ --version $(DEB_VERSION) --arch $(DEB_ARCH) \
	  $(addprefix --binary ,$(DEB_BINARIES)) $(addprefix --file ,$(DEB_FILES))

install: install-images
install-images:
	@mkdir -p $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	for unit in anycastd.service anycastd-withdraw.service; do \
	  sed 's|/usr/sbin/anycastd|$(PREFIX)/sbin/anycastd|g' images/systemd/$$unit > $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$unit && \
	  chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$unit || exit 1; \
	done
	install -D -m 0644 images/iproute2/rt_protos.d/anycastd.conf \
	  $(DESTDIR)$(SYSCONFDIR)/iproute2/rt_protos.d/anycastd.conf
