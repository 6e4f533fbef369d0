#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace wm::wirepas {

// The layout of a Wirepas scratchpad image (an .otap file, what otap_load_scratchpad carries),
// as the SDK's scratchpad tool writes it and a sink checks it (docs/reference-gateway.md,
// "Scratchpad images"):
//
//   bytes  0..15  the 16-byte scratchpad tag (kScratchpadTag)
//   bytes 16..19  length: bytes after the 32-byte tag and header (little-endian)
//   bytes 20..21  CRC of those bytes (ScratchpadCrc16, little-endian)
//   byte  22      sequence (the tool writes 255; the sink replaces it with the upload's seq)
//   byte  23      padding, 0
//   bytes 24..27  type, 0
//   bytes 28..31  status, 0xFFFFFFFF (not processed yet)
//   bytes 32..    the content (CMAC, secure header, file headers and compressed data)

// The tag that starts every scratchpad image.
inline constexpr std::string_view kScratchpadTag{
    "SCR1\x9a\x93\x30\x82\xd9\xeb\x0a\xfc\x31\x21\xe3\x37", 16};
// Tag and header: the content starts here.
inline constexpr size_t kScratchpadHeaderSize = 32;

// The CRC a scratchpad header holds and a sink reports (ScratchpadInfo.crc): CRC-16/CCITT-FALSE
// (polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR) of the content. Its
// check value, the CRC of "123456789", is 0x29B1 (Python: binascii.crc_hqx(data, 0xFFFF)).
uint16_t ScratchpadCrc16(std::string_view bytes);

// What the header of an image says.
struct ScratchpadHeader {
  // Bytes after the tag and header.
  uint32_t length = 0;
  // ScratchpadCrc16 of those bytes, as written in the header.
  uint16_t crc = 0;
  uint8_t seq = 0;
  uint32_t type = 0;
  uint32_t status = 0;
};

// The header of `image`. InvalidArgument when `image` is shorter than a header, does not start
// with kScratchpadTag or its length field is not the size of the bytes after the header. The
// CRC is read, not checked: see ScratchpadContentMatchesCrc.
absl::StatusOr<ScratchpadHeader> ParseScratchpadHeader(std::string_view image);

// Whether the content of `image` (everything after the header) has the CRC its header holds.
// `image` must have a header that ParseScratchpadHeader accepts.
bool ScratchpadContentMatchesCrc(std::string_view image, const ScratchpadHeader& header);

// Writes `seq` into the header of `image` (which must hold one), as a sink does with the
// upload's sequence when it stores an image.
void SetScratchpadSequence(uint8_t seq, std::string& image);

// A scratchpad image holding `content`: the tag, a header with the content's length and CRC,
// sequence 255, type 0 and status 0xFFFFFFFF, then `content`. The image is
// kScratchpadHeaderSize + content.size() bytes; a sink takes images whose size is a multiple of
// 4 and at least 96 bytes. Tests and tools that need a valid image build it here.
//
//   std::string image = BuildScratchpadImage(std::string(4968, '\x5a'));  // 5000 bytes
std::string BuildScratchpadImage(std::string_view content);

}  // namespace wm::wirepas
