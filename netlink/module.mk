# netlink/: pure netlink message encoders/decoders and the libnl socket wrapper.
NETLINK_SRCS := $(wildcard netlink/*.cpp)
NETLINK_OBJS := $(NETLINK_SRCS:%.cpp=$(BUILD)/%.o)
