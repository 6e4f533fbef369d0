#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libs/wirepas/message.h"
#include "tools/gateway_sim/gateway_state.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {

// How a simulated node answers MSAP (remote API) requests that come from the sink's endpoint
// 255 to its endpoint 240 (docs/msap.md). The answers are frames in the
// layouts libs/decoders/msap_responses.h decodes; multi-byte fields are little-endian.

// One scratchpad as a node describes it.
struct MsapScratchpad {
  uint32_t len = 0;
  uint16_t crc = 0;
  uint8_t seq = 0;
};

// What a node's scratchpad status (0x99, 47-byte v3 form) says.
struct MsapNodeStatus {
  MsapScratchpad stored;
  uint8_t stored_type = 1;    // 0 blank, 1 present, 2 process
  uint8_t stored_status = 0;  // 0 success, 255 new, 1 error
  MsapScratchpad processed;   // the scratchpad that produced the running stack
  uint32_t fw_area_id = 0;
  StackVersion firmware;
  MsapScratchpad app;  // the scratchpad that produced the running application
  uint32_t app_area_id = 0;
  StackVersion app_version;
  // The OTAP target the node follows: the dual-MCU action (ScratchpadAction - 1), sequence,
  // CRC, processing delay in minutes (or the raw parameter) and what remains of it.
  uint8_t action = 0;
  uint8_t target_seq = 0;
  uint16_t target_crc = 0;
  uint16_t target_delay = 0;
  uint16_t remaining_delay = 0;
};

// The memory area of the application image every node runs.
inline constexpr uint32_t kAppAreaId = 0x00A10201;

// The status of a node of the sink whose configuration is `sink`. Every node stores the
// network's scratchpad and runs what it produced; a node on an older stack runs an older
// image. While the sink's target action propagates a scratchpad (PROPAGATE_*), nodes report
// the target as their stored scratchpad, NEW until they have processed it. The v3 fields
// repeat the sink's target and action.
MsapNodeStatus MeshNodeStatus(const MeshNode& node, const gwapi::SinkReadConfig& sink);

// The status the sink itself reports when a request is addressed to its own node address:
// its stored and processed scratchpad, firmware area and version, target and action.
MsapNodeStatus SinkNodeStatus(const gwapi::SinkReadConfig& sink);

// The scratchpad status frame: 0x99, length 47, then the v3 body.
std::string MsapScratchpadStatusFrame(const MsapNodeStatus& status);

// A node's answer to an MSAP request payload: one frame per request frame, in order:
//   ping 0x00 (1..16 bytes) -> 0x80 echoing the reference; begin 0x01, end 0x03, cancel 0x04
//   -> 0x81, 0x83, 0x84 (no body); update 0x05 (countdown u16, 10..32767) -> 0x85 with the
//   countdown; scratchpad status 0x19 -> 0x99 (MsapScratchpadStatusFrame); scratchpad update
//   0x1A (seq 1..255) -> 0x9A with the seq; diagnostic control 0x60 (interval u16, content u8)
//   -> 0xE0 echoing its body.
// A known request with a length its layout does not allow gets 0xFE (INVALID_LENGTH), one with
// a value out of range 0xFD (INVALID_VALUE), an unknown type 0xFF (UNKNOWN_REQUEST); each error
// frame's body is the request's type byte. nullopt when `request` is empty or not a sequence of
// whole [type][length][body] frames: the node drops it and answers nothing.
std::optional<std::string> AnswerMsapRequest(std::string_view request,
                                             const MsapNodeStatus& status);

// Splits answer frames into packet payloads of at most `max_payload` bytes, cutting only
// between frames (a frame longer than `max_payload` goes alone). `frames` must be whole frames.
std::vector<std::string> SplitMsapFrames(std::string_view frames, size_t max_payload);

}  // namespace wm::gateway_sim
