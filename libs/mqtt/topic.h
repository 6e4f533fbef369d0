#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

namespace wm::mqtt {

// The longest topic name or filter MQTT 3.1.1 allows (a 16-bit length prefix).
inline constexpr size_t kMaxTopicBytes = 65535;

// Checks an MQTT topic name for publishing: not empty, no wildcards, no NUL, at most 65535 bytes.
absl::Status ValidateTopicName(std::string_view topic);
// Checks an MQTT topic filter for subscribing: '#' only as the whole last level, '+' only as a
// whole level; "$share/<group>/<filter>" is checked as <filter> with a non-empty group.
absl::Status ValidateTopicFilter(std::string_view filter);

}  // namespace wm::mqtt
