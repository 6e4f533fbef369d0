#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Endpoints of test-network payloads (the Wirepas test application): 100 to 100.
inline constexpr uint32_t kTestNetworkSourceEndpoint = 100;
inline constexpr uint32_t kTestNetworkDestinationEndpoint = 100;

// Decodes a test-network payload into `out` (cleared first): rows until the payload ends or a
// row starts with a zero byte. A row is [testdata_id | id_ctrl][number_of_fields |
// (bytes_per_field - 1) << 6] and then number_of_fields little-endian values of bytes_per_field
// bytes (docs/payloads.md "Test network"). An empty payload has no rows.
//
// A row that the payload cuts off is `truncated` at the row's first byte; `out` then still
// holds every complete row before it.
DecodeStatus DecodeTestNetwork(std::string_view payload, wm::v1::TestNetworkReport* out);

}  // namespace wm::decoders
