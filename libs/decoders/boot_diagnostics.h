#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Endpoints of boot diagnostics: a node sends them from 254 to the sink's 255 after booting.
inline constexpr uint32_t kBootDiagnosticsSourceEndpoint = 254;
inline constexpr uint32_t kBootDiagnosticsDestinationEndpoint = 255;
// The layout is exactly 31 bytes (docs/payloads.md "Boot diagnostics").
inline constexpr size_t kBootDiagnosticsSize = 31;

// Decodes a boot diagnostics payload into `out`, replacing its contents, with the firmware
// version also packed into one integer and written "major.minor.maint.dev". Any length other
// than 31 bytes is `wrong_length` (offset = the expected length when longer, the end when
// shorter) and leaves `out` untouched.
DecodeStatus DecodeBootDiagnostics(std::string_view payload, wm::v1::BootDiagnostics* out);

}  // namespace wm::decoders
