# anycastd: non-recursive build. Each folder contributes a module.mk.
# Overridable for firmware builds: CXX, CROSS_COMPILE, CXXFLAGS, LDFLAGS, DESTDIR, PREFIX, PKG_CONFIG.
CROSS_COMPILE ?=
CXX := $(if $(filter default,$(origin CXX)),$(CROSS_COMPILE)g++,$(CXX))
PKG_CONFIG ?= pkg-config
PROTOC ?= protoc
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build

CXXFLAGS ?= -O2 -g
override CXXFLAGS += -std=c++20 -Wall -Wextra -Wno-unused-parameter -MMD -MP
PKGS := libnl-3.0 libnl-route-3.0 protobuf libevent_core libssl libcrypto
CPPFLAGS += -I. -I$(BUILD) $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

.PHONY: all deps test soak unit integration demo demo-netns install clean
all: $(BUILD)/anycastd $(BUILD)/anycastctl

# Order matters: agent/module.mk links the daemon from the object lists the others define.
include proto/module.mk
include lib/module.mk
include netlink/module.mk
include platform/module.mk
include agent/module.mk
include agent/ctl/module.mk
include tests/module.mk
include tests/bench/module.mk
include tests/fuzz/module.mk
include images/module.mk
include images/clab.mk

$(BUILD)/%.o: %.cpp | $(PROTO_HDRS)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

# Installs the Debian packages the build, the tests and the demo need (as root, only those missing).
deps:
	tests/install-deps.sh

install: $(BUILD)/anycastd
	install -D -m 0755 $(BUILD)/anycastd $(DESTDIR)$(PREFIX)/sbin/anycastd
	install -D -m 0644 examples/anycastd.conf $(DESTDIR)$(PREFIX)/share/doc/anycastd/examples/anycastd.conf
	install -D -m 0644 examples/anycastd-zebra.conf \
	  $(DESTDIR)$(PREFIX)/share/doc/anycastd/examples/anycastd-zebra.conf

# Generated sources are kept (they are intermediate files otherwise, and make would delete them).
.SECONDARY:

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(ASAN_BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
