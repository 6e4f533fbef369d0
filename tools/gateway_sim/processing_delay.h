#pragma once

#include <cstdint>
#include <optional>

#include "libs/wirepas/message.h"

namespace wm::gateway_sim {

namespace gwapi = ::wirepas::proto::gateway_api;

// The byte a sink keeps as the processing delay of PROPAGATE_AND_PROCESS_WITH_DELAY (the
// target's raw parameter): bits 0..5 the amount, bits 6..7 the unit (1 minutes, 2 hours,
// 3 days); see docs/reference-gateway.md, "otap_set_target_scratchpad".

// The delay code of a predefined delay (ONE_DAY is 0xC1: 1 day); 0 for UNKNOWN_DELAY.
uint8_t ProcessingDelayCode(gwapi::ProcessingDelay delay);

// The predefined delay whose code is `code`, if any: 0xC1 is ONE_DAY, 0xC3 (3 days) none.
std::optional<gwapi::ProcessingDelay> PredefinedProcessingDelay(uint8_t code);

// Whether a sink takes `code` as a delay: a known unit and an amount above 0.
bool IsValidProcessingDelayCode(uint8_t code);

// The delay `code` stands for, in minutes; 0 for a code that is not valid.
uint32_t ProcessingDelayMinutes(uint8_t code);

}  // namespace wm::gateway_sim
