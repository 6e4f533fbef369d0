#pragma once

#include <cstdint>

#include "absl/time/time.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/gateway_state.h"
#include "tools/gateway_sim/request_router.h"

namespace wm::gateway_sim {

// Request handlers for a sink's scratchpad (OTAP), as the reference gateway answers them
// (spec §3.6). Each takes its sink from the request header (RequestSinkId) and answers
// INVALID_SINK_ID, with no body, for a sink the gateway does not have. Stored scratchpad
// CRCs are ScratchpadCrc16 of the image.

// The largest image a simulated sink's scratchpad area holds.
inline constexpr uint32_t kMaxScratchpadImageSize = 1 << 20;
// Scratchpad sequences are 8-bit (c-mesh-api rejects larger values).
inline constexpr uint32_t kMaxScratchpadSequence = 255;
// Target sequences run 1..254 (spec §2.10); CRCs and raw processing parameters are 16 and 8
// bits.
inline constexpr uint32_t kMaxTargetSequence = 254;
inline constexpr uint32_t kMaxTargetCrc = 0xFFFF;
inline constexpr uint32_t kMaxTargetRawParam = 0xFF;

// Whether a gateway handles chunked uploads: it advertises SCRATCHPAD_CHUNK_V1 or a
// max_scratchpad_size (spec §3.6). One that does neither predates chunks: it does not know
// ChunkInfo and takes the request's bytes as a whole scratchpad.
bool AcceptsScratchpadChunks(const GatewayIdentity& identity);

// otap_status: stored and processed scratchpad, stored status and type, firmware area and the
// target and action, as the sink's configuration reports them.
Response HandleOtapStatus(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                          GatewayState& state, absl::Time now);

// otap_load_scratchpad, in three forms:
// - clear (no scratchpad): the stored scratchpad becomes blank (len, crc, seq 0, type BLANK,
//   status NEW);
// - whole (scratchpad, no chunk_info): stores the image: len, crc, the request's seq, type
//   PRESENT, status NEW;
// - chunked (chunk_info, on a gateway that AcceptsScratchpadChunks): chunks come in order from
//   offset 0, each with the same seq and total size. Offset 0 starts a new upload (dropping one
//   in progress); every other offset must be where the upload in progress stands, with its seq
//   and total, else INVALID_SCRATCHPAD_CHUNK_OFFSET (28). A chunk that is empty, larger than
//   max_scratchpad_size (when advertised) or runs past the total gets
//   INVALID_SCRATCHPAD_CHUNK_SIZE (29). A refused chunk leaves the upload in progress as it
//   was. Intermediate chunks get OK; the last one stores the reassembled image as a whole
//   upload does.
// Other errors: INVALID_PARAM for a seq above 255; INVALID_SCRATCHPAD_SIZE for an empty image,
// one above kMaxScratchpadImageSize, or a whole image above max_scratchpad_size (when
// advertised). Clearing and storing change the sink's configuration.
Response HandleOtapLoadScratchpad(const wirepas::Topic& topic,
                                  const wirepas::GenericMessage& request, GatewayState& state,
                                  absl::Time now);

// otap_process_scratchpad: the sink processes its stored scratchpad and reboots; afterwards
// the processed scratchpad is the stored one and the stored status SUCCESS.
// NO_SCRATCHPAD_PRESENT when the stored scratchpad is blank.
Response HandleOtapProcessScratchpad(const wirepas::Topic& topic,
                                     const wirepas::GenericMessage& request, GatewayState& state,
                                     absl::Time now);

// otap_set_target_scratchpad: sets the sink's target and action. NO_OTAP and LEGACY_OTAP
// force the target sequence and CRC to 0 and drop the parameter; other actions take the
// target sequence and CRC given, defaulting to the stored scratchpad's. INVALID_PARAM for a
// request whose values are missing or invalid (the reference answers those too): no known
// action, a target sequence of 0 (also by default, with a blank stored scratchpad) or above
// 254, a CRC above 0xFFFF, a raw parameter above 255, a delay action without a known delay
// or raw parameter.
Response HandleOtapSetTargetScratchpad(const wirepas::Topic& topic,
                                       const wirepas::GenericMessage& request, GatewayState& state,
                                       absl::Time now);

}  // namespace wm::gateway_sim
