#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Endpoints of neighbor diagnostics: a node sends them from 252 to the sink's 255.
inline constexpr uint32_t kNeighborDiagnosticsSourceEndpoint = 252;
inline constexpr uint32_t kNeighborDiagnosticsDestinationEndpoint = 255;
// One neighbor record: address u24, cluster_channel, radio_power, node_info, rssi (docs/payloads.md
// "Neighbor diagnostics").
inline constexpr size_t kNeighborRecordSize = 7;

// Decodes a neighbor diagnostics payload into `out` (cleared first): 7-byte records until the
// payload ends or a record's address is 0; whatever follows a zero address is ignored. An empty
// payload is a report with no neighbors.
//
// Trailing bytes that are not a whole record are `truncated`, with the offset of that partial
// record, unless they start with a zero address (3 zero bytes). On `truncated`, `out` still
// holds every complete record before it, so a caller that wants them keeps `out` and reports
// the error too:
//
//   wm::v1::NeighborDiagnostics d;
//   DecodeStatus error = DecodeNeighborDiagnostics(payload, &d);
//   // error: nullopt, or {truncated, offset of the partial record}; d: the complete records.
DecodeStatus DecodeNeighborDiagnostics(std::string_view payload, wm::v1::NeighborDiagnostics* out);

}  // namespace wm::decoders
