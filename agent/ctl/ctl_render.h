// anycastctl's output: pure functions from control API results (proto/control.proto) to text. Human output
// is tables an operator reads at a glance; times are shown relative to `now_unix_ms` ("5m12s ago") so that
// tests pass a fixed clock. JSON output is the protobuf JSON mapping with the proto's snake_case field names,
// every scalar field present (a WITHDRAWN state or 0 healthy servers is printed, not left out), enums as
// their names and 64-bit integers as strings (the mapping's rule). No I/O; never throws.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>

#include "proto/control.pb.h"

namespace anycastd::ctl {

// "12s ago", "5m12s ago", "3h05m ago", "2d04h ago"; "-" when `since_unix_ms` is 0 (never).
std::string formatAge(int64_t since_unix_ms, int64_t now_unix_ms);
// "announced", "withdrawn", "drained".
std::string vipStateName(const control::VipStatus& vip);
// "all (...)" or "any (...)": how a server's checks make its health.
std::string checkModeName(const control::VipStatus& vip);
// "up", "down", or "drained" while the server is drained.
std::string serverHealthName(const control::ServerStatus& server);

// `show vips`: a line about the daemon (with the number of probes running), then one row per VIP.
std::string renderVipTable(const control::Status& status, int64_t now_unix_ms);
// `show vip NAME`: the VIP's fields, its drain, a table of its servers, then one of their checks.
std::string renderVipDetail(const control::VipStatus& vip, int64_t now_unix_ms);
// `show servers`: one row per (VIP, server).
std::string renderServerTable(const control::Status& status, int64_t now_unix_ms);
// `show checks`: the number of probes running, then one row per (VIP, server, check): the check's own
// health, its last probe, last failure and how many servers share the probe.
std::string renderCheckTable(const control::Status& status, int64_t now_unix_ms);
// `reload`: what happened to which VIPs.
std::string renderReload(const control::ReloadResult& result);

// The JSON mapping of `message` (see above), pretty-printed, ending in a newline.
std::string toJson(const google::protobuf::Message& message);
// `show config --json`: {"config_text": "..."}, the result field of the Response.
std::string configTextJson(const std::string& config_text);

}  // namespace anycastd::ctl
