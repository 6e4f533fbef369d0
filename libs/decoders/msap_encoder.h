#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace wm::decoders {

// Encoders for the MSAP (remote API) requests the command service sends from endpoint 255 to a
// node's 240 (docs/msap.md, "Requests and their answers" and "Diagnostic control"). Each
// returns one frame [type u8][length u8][body]; CombineMsapFrames joins several into one
// payload. A node answers each frame with the frame type | 0x80 (see DecodeMsapResponses).
//
//   auto payload = CombineMsapFrames({EncodeMsapBegin(), *EncodeMsapScratchpadUpdate(7),
//                                     EncodeMsapEnd()});
//
// Arguments out of range give InvalidArgument naming the argument and its allowed range.

// The most a remote API request payload may hold, all frames together.
inline constexpr size_t kMsapMaxRequestPayload = 102;
// Update countdown bounds, in seconds.
inline constexpr uint32_t kMsapUpdateMinCountdown = 10;
inline constexpr uint32_t kMsapUpdateMaxCountdown = 32767;

// Ping (0x00) with a 1..16-byte reference, which the node echoes back.
absl::StatusOr<std::string> EncodeMsapPing(std::string_view reference);
// Begin (0x01), end (0x03) and cancel (0x04): bodiless frames that open, apply and abandon a
// remote API session.
std::string EncodeMsapBegin();
std::string EncodeMsapEnd();
std::string EncodeMsapCancel();
// Update (0x05): apply the session's changes after `countdown_s` seconds (10..32767).
absl::StatusOr<std::string> EncodeMsapUpdate(uint32_t countdown_s);
// Scratchpad status (0x19): ask for the node's scratchpad status (answered by 0x99).
std::string EncodeMsapScratchpadStatus();
// Scratchpad update (0x1A): process the stored scratchpad of `sequence` (1..255).
absl::StatusOr<std::string> EncodeMsapScratchpadUpdate(uint32_t sequence);

// Diagnostic control contents (docs/msap.md "Diagnostic control (0x60)"). The Python tool only sent
// kDiagnosticContentNeighbor and kDiagnosticContentDisableAll; the others are defined by the same
// enumeration.
inline constexpr uint32_t kDiagnosticContentNode = 0x01;
inline constexpr uint32_t kDiagnosticContentNeighbor = 0x02;
inline constexpr uint32_t kDiagnosticContentScan = 0x03;
inline constexpr uint32_t kDiagnosticContentBoot = 0x04;
// Turns all diagnostics v2 off; only with interval 0.
inline constexpr uint32_t kDiagnosticContentDisableAll = 0xFF;

// Diagnostic control (0x60): `60 03 interval u16 LE, content u8`. `interval_s` is one of the
// intervals the Python tool offered: 0 (off), 30, 60, 120, 300, 600 or 1200 seconds. `content`
// is one of the kDiagnosticContent* values; kDiagnosticContentDisableAll requires interval 0.
// Sent to the sink's own address and to broadcast 0xFFFFFFFF; the node answers with 0xE0.
absl::StatusOr<std::string> EncodeDiagnosticControl(uint32_t interval_s, uint32_t content);

// Joins frames into one request payload. Each element must be one frame as the encoders above
// return it; the result must not exceed kMsapMaxRequestPayload bytes.
absl::StatusOr<std::string> CombineMsapFrames(absl::Span<const std::string> frames);

}  // namespace wm::decoders
