// anycastctl: the switch CLI for anycastd's control socket. See agent/ctl/ctl_main.h and `anycastctl help`.
#include <iostream>

#include "agent/ctl/ctl_main.h"

int main(int argc, char** argv) {
  return anycastd::runAnycastctl(argc, argv, std::cout, std::cerr);
}
