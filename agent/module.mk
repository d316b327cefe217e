# agent/: the pure core (config, health, decision, diff) and the event-loop shell (agent, main); agent/probes/:
# one probe kind per file pair.
AGENT_SRCS := $(filter-out agent/main.cpp,$(wildcard agent/*.cpp)) $(wildcard agent/probes/*.cpp)
AGENT_OBJS := $(AGENT_SRCS:%.cpp=$(BUILD)/%.o)

$(BUILD)/anycastd: $(BUILD)/agent/main.o $(AGENT_OBJS) $(PLATFORM_OBJS) $(NETLINK_OBJS) $(PROTO_OBJS)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)
