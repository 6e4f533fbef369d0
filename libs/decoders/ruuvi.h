#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Endpoints of Ruuvi sensor reports: a tag sends them from 11 to 11.
inline constexpr uint32_t kRuuviSourceEndpoint = 11;
inline constexpr uint32_t kRuuviDestinationEndpoint = 11;

// Decodes a Ruuvi sensor report into `out` (cleared first): records of [id u8][length u8]
// [length bytes] until the end. Known ids (docs/payloads.md "Ruuvi"): 1 counter u16,
// 2 temperature i32 x 0.01 °C, 3 humidity u32 / 1024 %RH, 4 pressure u32 / 10000 hPa,
// 5..7 acc_x/y/z i32 x 0.001 g. A record of unknown id is skipped by its length and kept in
// unknown_records (the Python tool lost its place there). An empty payload is an empty report.
//
// Errors, each with `out` still holding every record before the fault:
//   truncated  a record header cut off, or a length running past the end (offset = the
//              record's first byte);
//   bad_value  a known id whose length is not its value's size (offset = its length byte).
DecodeStatus DecodeRuuvi(std::string_view payload, wm::v1::RuuviReport* out);

}  // namespace wm::decoders
