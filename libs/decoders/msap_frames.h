#pragma once

#include <cstddef>
#include <cstdint>

namespace wm::decoders {

// Constants of MSAP (remote API) frames, shared by the request encoders and the response
// decoder. A frame is [type u8][length u8][length bytes] (docs/msap.md, "Frame format").

// Endpoints: requests go from the sink's 255 to a node's 240, the node answers from 240 to 255.
inline constexpr uint32_t kMsapRequestSourceEndpoint = 255;
inline constexpr uint32_t kMsapRequestDestinationEndpoint = 240;
inline constexpr uint32_t kMsapResponseSourceEndpoint = 240;
inline constexpr uint32_t kMsapResponseDestinationEndpoint = 255;

// MSAP frame types: requests, and their responses (request | 0x80).
inline constexpr uint8_t kMsapPingRequest = 0x00;
inline constexpr uint8_t kMsapBeginRequest = 0x01;
inline constexpr uint8_t kMsapEndRequest = 0x03;
inline constexpr uint8_t kMsapCancelRequest = 0x04;
inline constexpr uint8_t kMsapUpdateRequest = 0x05;
inline constexpr uint8_t kMsapScratchpadStatusRequest = 0x19;
inline constexpr uint8_t kMsapScratchpadUpdateRequest = 0x1A;
inline constexpr uint8_t kDiagnosticControlRequest = 0x60;
inline constexpr uint8_t kMsapResponseBit = 0x80;
inline constexpr uint8_t kMsapPingResponse = 0x80;
inline constexpr uint8_t kMsapBeginResponse = 0x81;
inline constexpr uint8_t kMsapEndResponse = 0x83;
inline constexpr uint8_t kMsapCancelResponse = 0x84;
inline constexpr uint8_t kMsapUpdateResponse = 0x85;
inline constexpr uint8_t kMsapScratchpadStatusResponse = 0x99;
inline constexpr uint8_t kMsapScratchpadUpdateResponse = 0x9A;
inline constexpr uint8_t kDiagnosticControlResponse = 0xE0;
// Error responses occupy 0xF8..0xFF; 0xFB is "invalid begin".
inline constexpr uint8_t kMsapFirstErrorResponse = 0xF8;
inline constexpr uint8_t kMsapInvalidBeginResponse = 0xFB;

// Ping references are 1..16 bytes.
inline constexpr size_t kMsapPingMaxReference = 16;
// Body lengths of the three scratchpad status layouts (v1, v2, v3).
inline constexpr uint8_t kMsapScratchpadStatusV1Length = 24;
inline constexpr uint8_t kMsapScratchpadStatusV2Length = 39;
inline constexpr uint8_t kMsapScratchpadStatusV3Length = 47;

}  // namespace wm::decoders
