#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "libs/decoders/decode_error.h"

namespace wm::decoders::fuzz {

// Aborts (a finding for the fuzzer) when `error` breaks the DecodeError contract: a reason
// from the fixed set, an offset inside the payload, a message saying what is wrong.
inline void CheckError(const DecodeStatus& error, size_t payload_size) {
  if (!error.has_value()) return;
  const bool known_reason = error->reason == kReasonWrongLength ||
                            error->reason == kReasonTruncated || error->reason == kReasonBadValue;
  if (!known_reason || error->offset > payload_size || error->message.empty()) {
    std::fprintf(stderr, "bad DecodeError: reason=%.*s offset=%u size=%zu message=%s\n",
                 static_cast<int>(error->reason.size()), error->reason.data(), error->offset,
                 payload_size, error->message.c_str());
    std::abort();
  }
}

// Aborts when `condition` does not hold, naming it.
inline void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "check failed: %s\n", what);
    std::abort();
  }
}

}  // namespace wm::decoders::fuzz
