// Kernel tests: KernelDataplane against the real kernel. The process first moves into a private network
// namespace of its own (unshare(CLONE_NEWNET)), so nothing on the host is touched and nothing needs
// cleaning up: the namespace vanishes with the process. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and ip.
#include <CppUTest/CommandLineTestRunner.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tests/kernel/kernel_fixture.h"

int main(int argc, char** argv) {
  if (unshare(CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "kernel tests: unshare(CLONE_NEWNET): %s (run as root)\n", std::strerror(errno));
    return 1;
  }
  if (!kernel_test::setUpNetwork()) return 1;
  return CommandLineTestRunner::RunAllTests(argc, argv);
}
