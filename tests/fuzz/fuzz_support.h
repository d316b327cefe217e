// Helpers shared by the libFuzzer targets in tests/fuzz/: a deterministic way to cut one fuzz input into
// the chunks a socket would deliver, so stream decoders are exercised at every split point. Pure; each
// target runs single-threaded under libFuzzer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace anycastd::fuzz {

// Cuts `data` into chunks whose sizes follow `pattern` (each byte + 1, cycling); the whole input as one
// chunk when `pattern` is empty.
std::vector<std::span<const uint8_t>> chunks(std::span<const uint8_t> data, std::span<const uint8_t> pattern);

}  // namespace anycastd::fuzz
