#pragma once

#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Endpoints of traffic diagnostics: a node sends them from 251 to the sink's 255.
inline constexpr uint32_t kTrafficDiagnosticsSourceEndpoint = 251;
inline constexpr uint32_t kTrafficDiagnosticsDestinationEndpoint = 255;
// The layout is exactly 18 bytes (docs/payloads.md "Traffic diagnostics").
inline constexpr size_t kTrafficDiagnosticsSize = 18;

// Decodes a traffic diagnostics payload into `out`. Any length other than 18 bytes is
// `wrong_length` (offset = the expected length when longer, the end when shorter).
DecodeStatus DecodeTrafficDiagnostics(std::string_view payload, wm::v1::TrafficDiagnostics* out);

}  // namespace wm::decoders
