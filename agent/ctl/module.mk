# agent/ctl/: anycastctl, the switch CLI for anycastd's control socket (the daemon side is
# agent/control/control_server.h). CTL_OBJS is the CLI without main(), also linked into the unit tests.
CTL_SRCS := $(filter-out agent/ctl/main.cpp,$(wildcard agent/ctl/*.cpp))
CTL_OBJS := $(CTL_SRCS:%.cpp=$(BUILD)/%.o)
CTL_LIBS := $(shell $(PKG_CONFIG) --libs protobuf 2>/dev/null)

# What the CLI takes from the daemon (the framing, the config loader for check-config) comes from the archive.
$(BUILD)/anycastctl: $(BUILD)/agent/ctl/main.o $(CTL_OBJS) $(BUILD)/libanycastd.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(CTL_LIBS)

.PHONY: install-anycastctl
install: install-anycastctl
install-anycastctl: $(BUILD)/anycastctl
	install -D -m 0755 $(BUILD)/anycastctl $(DESTDIR)$(PREFIX)/bin/anycastctl
	install -D -m 0644 agent/ctl/anycastctl.bash \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/anycastctl
