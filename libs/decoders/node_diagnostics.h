#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Endpoints of node diagnostics: a node sends them from 253 to the sink's 255.
inline constexpr uint32_t kNodeDiagnosticsSourceEndpoint = 253;
inline constexpr uint32_t kNodeDiagnosticsDestinationEndpoint = 255;
// Stack 4.0 and older send 59 bytes; 4.2 and later add eight pending_* bytes (docs/payloads.md
// "Node diagnostics").
inline constexpr size_t kNodeDiagnosticsSize = 59;
inline constexpr size_t kNodeDiagnosticsSizeWithBuffers = 67;

// Decodes a node diagnostics payload into `out`, replacing its contents. Any length other than
// 59 or 67 bytes is `wrong_length` and leaves `out` untouched; its offset is where the payload
// stops fitting a layout: the end when shorter than 59 bytes, 59 for 60..66 bytes, 67 beyond. The
// pending_* fields are set only by the 67-byte form.
DecodeStatus DecodeNodeDiagnostics(std::string_view payload, wm::v1::NodeDiagnostics* out);

}  // namespace wm::decoders
