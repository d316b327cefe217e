# platform/: the Dataplane interface (dataplane.h) and the route it programs (route.h), shared by the
# back-ends; platform/kernel/: kernel mode (netlink); platform/zebra/: zebra mode (the zebra API).
PLATFORM_SRCS := $(wildcard platform/*.cpp platform/kernel/*.cpp platform/zebra/*.cpp)
PLATFORM_OBJS := $(PLATFORM_SRCS:%.cpp=$(BUILD)/%.o)
