#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "libs/decoders/msap_frames.h"
#include "protos/wm/v1/msap.pb.h"

namespace wm::decoders {

// Decodes an MSAP response payload into `out` (cleared first): one or more frames
// [type u8][length u8][length bytes], each decoded by type (see protos/wm/v1/msap.proto):
//   0x80 ping echo (1..16 bytes), 0x81/0x83/0x84 begin/end/cancel acks (0 bytes), 0x85 update
//   ack (2: countdown u16), 0x99 scratchpad status (24, 39 or 47), 0x9A scratchpad update ack
//   (1: seq), 0xE0 diagnostic control ack (any length, kept raw), 0xF8..0xFF error responses
//   (any length, kept raw). Any other type is kept as (type, body).
//
// Errors, each with `out` holding every frame before the fault:
//   truncated     an empty payload; a frame header cut off; a length running past the end
//                 (offset = the frame's type byte);
//   wrong_length  a known frame whose length its layout does not allow (offset = the frame's
//                 length byte).
DecodeStatus DecodeMsapResponses(std::string_view payload, wm::v1::MsapResponses* out);

}  // namespace wm::decoders
