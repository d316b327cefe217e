# agent/: the daemon above the dataplane. agent/core/: pure decisions (health, VIP decision, route diff,
# dampening, slow start); agent/config/: the config schema's values and their loader; agent/probes/: the
# probe kinds and their codecs; agent/control/ and agent/metrics/: the control socket and Prometheus; the
# Agent shell itself (agent.h) and main.cpp on top. agent/ctl/ is anycastctl (its own module.mk).
AGENT_SRCS := $(filter-out agent/main.cpp,$(wildcard agent/*.cpp)) \
  $(wildcard agent/core/*.cpp agent/config/*.cpp agent/probes/*.cpp agent/control/*.cpp agent/metrics/*.cpp)
AGENT_OBJS := $(AGENT_SRCS:%.cpp=$(BUILD)/%.o)

# Every object but the mains, as one archive: a program links it and takes only what it uses, so
# anycastctl needs no hand-kept list of the daemon's objects it shares.
DAEMON_OBJS = $(AGENT_OBJS) $(PLATFORM_OBJS) $(NETLINK_OBJS) $(LIB_OBJS) $(PROTO_OBJS)
$(BUILD)/libanycastd.a: $(DAEMON_OBJS)
	rm -f $@
	$(CROSS_COMPILE)ar rcs $@ $^

$(BUILD)/anycastd: $(BUILD)/agent/main.o $(DAEMON_OBJS)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)
