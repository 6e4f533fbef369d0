#pragma once

#include <cstdint>

#include "absl/time/time.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/gateway_state.h"
#include "tools/gateway_sim/request_router.h"

namespace wm::gateway_sim {

// Request handlers for a sink's scratchpad (OTAP), as the reference gateway and its sink answer
// them (docs/reference-gateway.md). Each takes its sink from the request header (RequestSinkId)
// and answers INVALID_SINK_ID, with no body, for a sink the gateway does not have.

// The largest image a simulated sink's scratchpad area holds.
inline constexpr uint32_t kMaxScratchpadImageSize = 1 << 20;
// The smallest image a sink takes (tag, header and a minimal content), and the multiple its
// size must be.
inline constexpr uint32_t kMinScratchpadImageSize = 96;
inline constexpr uint32_t kScratchpadImageSizeMultiple = 4;
// Scratchpad sequences are 8-bit (the reference gateway rejects larger values).
inline constexpr uint32_t kMaxScratchpadSequence = 255;
// Target sequences run 1..254; CRCs and raw processing parameters are 16 and 8 bits.
inline constexpr uint32_t kMaxTargetSequence = 254;
inline constexpr uint32_t kMaxTargetCrc = 0xFFFF;
inline constexpr uint32_t kMaxTargetRawParam = 0xFF;

// Whether a gateway handles chunked uploads: it advertises SCRATCHPAD_CHUNK_V1 or a
// max_scratchpad_size. One that does neither predates chunks: it does not know ChunkInfo and
// takes the request's bytes as a whole scratchpad.
bool AcceptsScratchpadChunks(const GatewayIdentity& identity);

// otap_status: stored and processed scratchpad, stored status and type, firmware area and the
// target and action, as the sink's configuration reports them.
Response HandleOtapStatus(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                          GatewayState& state, absl::Time now);

// otap_load_scratchpad, in three forms:
// - clear (no scratchpad): the stored scratchpad becomes blank (len, crc, seq 0, type BLANK,
//   status NEW);
// - whole (scratchpad, no chunk_info): the sink writes the image as a sink does. An image whose
//   size is below kMinScratchpadImageSize, above kMaxScratchpadImageSize or not a multiple of
//   4 is refused before anything is written: INVALID_PARAM, the stored scratchpad stays.
//   Otherwise the stored scratchpad is erased first, then the image must start with a
//   scratchpad header (wirepas::ParseScratchpadHeader; INVALID_SCRATCHPAD otherwise) whose CRC
//   matches the content (INVALID_DATA_PAYLOAD otherwise); a refused image leaves the stored
//   scratchpad blank. A valid one is stored with len = the image size, crc = the header's CRC,
//   seq = the request's, type PRESENT, status NEW.
// - chunked (chunk_info, on a gateway that AcceptsScratchpadChunks): the gateway gathers the
//   image in memory and hands it to the sink as a whole one once every byte has come. A chunk
//   at offset 0, or with another seq or total size than the upload in progress, starts a new
//   upload (dropping the one in progress); any other chunk is written at its offset, in any
//   order, overlapping ones overwriting. Intermediate chunks get OK; the chunk that completes
//   the image gets the whole upload's result. A chunk that is empty, larger than
//   max_scratchpad_size (when advertised) or runs past the total gets
//   INVALID_SCRATCHPAD_CHUNK_SIZE, one starting at or after the total
//   INVALID_SCRATCHPAD_CHUNK_OFFSET, a total above kMaxScratchpadImageSize
//   INVALID_SCRATCHPAD_SIZE; a refused chunk leaves the upload in progress as it was.
// Other errors: INVALID_PARAM for a seq above 255; INVALID_SCRATCHPAD_SIZE for a whole image
// above max_scratchpad_size (when advertised). A whole upload or a clear drops a chunked
// upload in progress.
Response HandleOtapLoadScratchpad(const wirepas::Topic& topic,
                                  const wirepas::GenericMessage& request, GatewayState& state,
                                  absl::Time now);

// otap_process_scratchpad: the sink processes its stored scratchpad and reboots; afterwards
// the processed scratchpad is the stored one and the stored status SUCCESS.
// NO_SCRATCHPAD_PRESENT when the stored scratchpad is blank.
Response HandleOtapProcessScratchpad(const wirepas::Topic& topic,
                                     const wirepas::GenericMessage& request, GatewayState& state,
                                     absl::Time now);

// otap_set_target_scratchpad: sets the sink's target and action, kept as the sink keeps them:
// target sequence, CRC, action and a parameter byte. NO_OTAP and LEGACY_OTAP force the
// sequence, CRC and parameter to 0. Other actions take the sequence and CRC given, defaulting
// to the stored scratchpad's, and the parameter given: a delay as its code (see
// processing_delay.h), a raw value as is, 0 when absent. The read-back (status, configs)
// reports target_sequence and target_crc always; for PROPAGATE_AND_PROCESS_WITH_DELAY the
// parameter as `delay` when it is a predefined delay's code and as `raw` otherwise; for every
// other action as `raw` (so NO_OTAP reads back raw 0).
// Errors: INVALID_ROLE when the node is not a sink; INVALID_PARAM for a request whose values
// are missing or invalid (the reference answers those too): no known action, a target sequence
// of 0 (also by default, with a blank stored scratchpad) or above 254, a CRC above 0xFFFF, a
// raw parameter above 255, and for the delay action a parameter that is no valid delay
// (absent, UNKNOWN_DELAY, amount 0 or no unit) or the delay the sink already has with that
// action.
Response HandleOtapSetTargetScratchpad(const wirepas::Topic& topic,
                                       const wirepas::GenericMessage& request, GatewayState& state,
                                       absl::Time now);

}  // namespace wm::gateway_sim
