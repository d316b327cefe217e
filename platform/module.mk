# platform/: dataplane back-ends (kernel mode now; zebra mode later) implementing agent/dataplane.h.
PLATFORM_SRCS := $(wildcard platform/*.cpp)
PLATFORM_OBJS := $(PLATFORM_SRCS:%.cpp=$(BUILD)/%.o)
