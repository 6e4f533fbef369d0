#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Endpoints of positioning reports: a tag sends them from 238 to 238.
inline constexpr uint32_t kPositioningSourceEndpoint = 238;
inline constexpr uint32_t kPositioningDestinationEndpoint = 238;

// Record types of positioning reports (docs/payloads.md "Positioning").
inline constexpr uint8_t kPosMeasRssShortRate = 0x00;  // POS_APP_MEAS_RSS_SR
inline constexpr uint8_t kPosMeasRssHighRate = 0x01;   // POS_APP_MEAS_RSS_HR
inline constexpr uint8_t kPosMeasVoltage = 0x04;       // POS_APP_MEAS_VOLTAGE
inline constexpr uint8_t kPosMeasRssAnchor = 0xF0;     // POS_APP_MEAS_RSS_SR_ANCHOR

// Decodes a positioning report into `out` (cleared first): sequence u16, then records of
// [type u8][length u8][length bytes]. RSS records hold 4-byte entries (address u24, rss u8 as
// -0.5 dBm steps), voltage records 2-byte entries (u16); each entry is one measurement. A record
// of unknown type is skipped by its length and kept in unknown_records.
//
// Errors, each with `out` still holding the sequence and every record before the fault:
//   truncated  fewer than 2 bytes; a record header cut off; a length running past the end
//              (offset = the record's first byte);
//   bad_value  a known record whose length is not a whole number of entries (offset = its
//              length byte).
DecodeStatus DecodePositioning(std::string_view payload, wm::v1::PositioningReport* out);

}  // namespace wm::decoders
