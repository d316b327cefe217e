// libFuzzer target: the control API as the agent receives it (agent/control/control_framing.h,
// proto/control.proto, agent/control/control_handler.h). Input: byte 0 says how the stream is cut into reads,
// the rest is what a client writes to the control socket. Frames go through FrameDecoder as ControlServer
// feeds it; each frame that parses as a Request is handled by a ControlHandler over a real Agent
// (examples/anycastd.conf, written to a temporary file for reload, removed at exit) whose dataplane is an
// in-memory one. Every response must be either ok or carry an error. Seeds: tests/fuzz/corpus/control/
// (framed show, drain, undrain, reload, show config requests).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <string>

#include "agent/agent.h"
#include "agent/config/config_loader.h"
#include "agent/control/control_framing.h"
#include "agent/control/control_handler.h"
#include "lib/event_loop.h"
#include "tests/fakes/fake_dataplane.h"
#include "tests/fuzz/fuzz_support.h"

using namespace anycastd;

namespace {

struct World {
  EventLoop loop;
  test::FakeDataplane dataplane;  // holds routes in a map; never fails
  std::unique_ptr<Agent> agent;
  std::unique_ptr<ControlHandler> handler;
};

char config_path[] = "/tmp/anycastd-control-fuzzer-XXXXXX";

World& world() {
  static World* w = [] {
    std::ifstream in(ANYCASTD_SOURCE_DIR "/examples/anycastd.conf");
    std::stringstream text;
    text << in.rdbuf();
    const char* path = config_path;
    const int fd = ::mkstemp(config_path);
    if (fd < 0) std::abort();
    std::atexit([] { ::unlink(config_path); });
    const std::string t = text.str();
    if (::write(fd, t.data(), t.size()) != static_cast<ssize_t>(t.size())) std::abort();
    ::close(fd);
    ConfigResult cfg = parseConfig(t, path);
    if (!cfg.config) std::abort();
    auto* n = new World;
    n->agent = std::make_unique<Agent>(n->loop, *cfg.config, n->dataplane);
    n->handler = std::make_unique<ControlHandler>(*n->agent, path, "memory");
    return n;
  }();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  World& w = world();
  const std::span<const uint8_t> stream(data + 1, size - 1);
  const uint8_t pattern[] = {data[0]};
  FrameDecoder decoder;
  std::string frame;
  for (std::span<const uint8_t> chunk :
       fuzz::chunks(stream, data[0] ? std::span(pattern) : std::span<const uint8_t>{})) {
    decoder.feed(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    FrameDecoder::Result r;
    while ((r = decoder.next(frame)) == FrameDecoder::Result::kFrame) {
      if (frame.size() > kMaxRequestFrameBytes) std::abort();
      control::Request request;
      if (!request.ParseFromString(frame)) continue;
      control::Response response = w.handler->handle(request, "fuzz");
      if (!response.ok() && response.error().empty()) std::abort();
      (void)encodeFrame(response.SerializeAsString());
    }
    if (r == FrameDecoder::Result::kError && decoder.error().empty()) std::abort();
  }
  return 0;
}
