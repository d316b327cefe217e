# proto/: the config schema, the control API and the state file. protoc generates C++ into $(BUILD)/proto/.
PROTO_SRCS := proto/config.proto proto/control.proto proto/state.proto
PROTO_HDRS := $(PROTO_SRCS:%.proto=$(BUILD)/%.pb.h)
PROTO_OBJS := $(PROTO_SRCS:%.proto=$(BUILD)/%.pb.o)

$(BUILD)/proto/%.pb.cc $(BUILD)/proto/%.pb.h: proto/%.proto
	@mkdir -p $(BUILD)
	$(PROTOC) --cpp_out=$(BUILD) $<

$(BUILD)/proto/%.pb.o: $(BUILD)/proto/%.pb.cc | $(PROTO_HDRS)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -Wno-extra -c $< -o $@
