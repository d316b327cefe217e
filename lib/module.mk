# lib/: the bottom layer: vocabulary types (addresses and prefixes, Status/Result) and OS helpers (log,
# clock, event loop, backoff, posix calls) that every other folder uses and that include nothing else of
# the project (tests/check-layers.py enforces it).
LIB_SRCS := $(wildcard lib/*.cpp)
LIB_OBJS := $(LIB_SRCS:%.cpp=$(BUILD)/%.o)
