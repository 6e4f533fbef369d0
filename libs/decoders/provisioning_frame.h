#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/provisioning.pb.h"

namespace wm::decoders {

// Endpoints of provisioning: a joining node sends from 246 to the server's 255 (START,
// DATA_ACK, NACK); the server answers from 255 to 246 (DATA, NACK) (docs/provisioning.md,
// "Endpoints and routing").
inline constexpr uint32_t kProvisioningNodeEndpoint = 246;
inline constexpr uint32_t kProvisioningServerEndpoint = 255;

// Message types (byte 0 of every frame).
inline constexpr uint8_t kProvisioningStart = 1;
inline constexpr uint8_t kProvisioningData = 2;
inline constexpr uint8_t kProvisioningDataAck = 3;
inline constexpr uint8_t kProvisioningNack = 4;

// msg_type u8, node_address (4 bytes), session_id u8.
inline constexpr size_t kProvisioningHeaderSize = 6;
inline constexpr size_t kProvisioningIvSize = 16;
// START: header, method, IV, and at least one UID byte.
inline constexpr size_t kProvisioningStartMinSize = kProvisioningHeaderSize + 1 + 16 + 1;
// DATA: header, key_index, counter u16, and at least one data byte.
inline constexpr size_t kProvisioningDataMinSize = kProvisioningHeaderSize + 1 + 2 + 1;
inline constexpr size_t kProvisioningNackSize = kProvisioningHeaderSize + 1;

// Decodes one provisioning frame, in either direction, into `out` (cleared first): the common
// header, then the body of its type (see protos/wm/v1/provisioning.proto).
//
// Errors (`out` keeps the header when it was read):
//   truncated     fewer than 6 bytes; a START shorter than 24 bytes (method, 16-byte IV, UID);
//                 a DATA shorter than 10 bytes (key index, counter, data) (offset = the end);
//   wrong_length  a DATA_ACK other than 6 bytes or a NACK other than 7 (offset = the expected
//                 length when longer, the end when shorter);
//   bad_value     an unknown message type (offset 0).
DecodeStatus DecodeProvisioningFrame(std::string_view payload, wm::v1::ProvisioningFrame* out);

}  // namespace wm::decoders
