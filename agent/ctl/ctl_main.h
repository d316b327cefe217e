// anycastctl's command line: parses the arguments, talks to anycastd over the control socket (ctl_client.h)
// and prints the result (ctl_render.h). A library function so that tests run commands in-process against a
// ControlServer with a scripted handler; the binary's main() only calls it.
//
// Threading: runs on the calling thread and blocks for at most --timeout per request; touches no global
// state other than reading the environment (ANYCASTD_SOCKET). Errors go to `err` as
// "anycastctl: what happened (what to do)"; nothing throws.
#pragma once

#include <ostream>

namespace anycastd::ctl {

// Exit statuses (also listed by --help).
constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;      // the daemon answered with an error, or check-config found problems
constexpr int kExitUsage = 2;        // bad command line
constexpr int kExitUnreachable = 3;  // cannot connect, timeout, connection lost or malformed reply

}  // namespace anycastd::ctl

namespace anycastd {

// Runs anycastctl with `argv` (argv[0] is the program name); returns the exit status.
int runAnycastctl(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace anycastd
