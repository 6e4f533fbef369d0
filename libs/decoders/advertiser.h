#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Endpoints of advertiser reports: a router sends them from 200 to 200.
inline constexpr uint32_t kAdvertiserSourceEndpoint = 200;
inline constexpr uint32_t kAdvertiserDestinationEndpoint = 200;

// Values of adv_type (low 7 bits of byte 0) that give the value byte a meaning.
inline constexpr uint32_t kAdvTypeRss = 2;
inline constexpr uint32_t kAdvTypeOtap = 3;
inline constexpr uint32_t kAdvTypeSequence = 6;

// Decodes an advertiser report into `out` (cleared first): byte 0 = 4-byte-address flag (bit 7)
// and adv_type, byte 1 = adv_message_count, then records of address (u24, or u32 with the
// flag) and one value byte. Records are gathered per address (AdvertiserReport.adv).
//
// Errors: fewer than 2 bytes is `truncated` at the end. A final chunk shorter than a record is
// `truncated` at its offset (the Python tool skipped it silently); `out` then still holds the
// header and every complete record before it.
DecodeStatus DecodeAdvertiser(std::string_view payload, wm::v1::AdvertiserReport* out);

}  // namespace wm::decoders
