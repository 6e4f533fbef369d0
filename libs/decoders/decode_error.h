#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Why a payload did not decode. `reason` is one of a small fixed set of stable names (it is
// used as a metric label): see the kReason* constants.
struct DecodeError {
  std::string_view reason;
  uint32_t offset = 0;
  std::string message;

  void ToProto(wm::v1::DecodeError* out) const;
};

// The payload length is not one the layout allows (fixed-size diagnostics).
inline constexpr std::string_view kReasonWrongLength = "wrong_length";
// The payload ends inside a field or record.
inline constexpr std::string_view kReasonTruncated = "truncated";
// A field holds a value the layout does not allow.
inline constexpr std::string_view kReasonBadValue = "bad_value";

// Result of a decoder: nullopt on success.
using DecodeStatus = std::optional<DecodeError>;

}  // namespace wm::decoders
