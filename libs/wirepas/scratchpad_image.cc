#include "libs/wirepas/scratchpad_image.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace wm::wirepas {
namespace {

constexpr size_t kLengthOffset = 16;
constexpr size_t kCrcOffset = 20;
constexpr size_t kSeqOffset = 22;
constexpr size_t kTypeOffset = 24;
constexpr size_t kStatusOffset = 28;
constexpr uint8_t kToolSequence = 255;
constexpr uint32_t kStatusNotProcessed = 0xFFFFFFFF;

uint32_t ReadLe(std::string_view bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

void AppendLe(uint32_t value, size_t width, std::string& out) {
  for (size_t i = 0; i < width; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

}  // namespace

uint16_t ScratchpadCrc16(std::string_view bytes) {
  uint16_t crc = 0xFFFF;
  for (const char c : bytes) {
    crc ^= static_cast<uint16_t>(static_cast<uint8_t>(c)) << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

absl::StatusOr<ScratchpadHeader> ParseScratchpadHeader(std::string_view image) {
  if (image.size() < kScratchpadHeaderSize) {
    return absl::InvalidArgumentError(absl::StrCat("scratchpad image of ", image.size(),
                                                   " bytes: shorter than its 32-byte header"));
  }
  if (image.substr(0, kScratchpadTag.size()) != kScratchpadTag) {
    return absl::InvalidArgumentError("not a scratchpad image: the scratchpad tag is missing");
  }
  ScratchpadHeader header;
  header.length = ReadLe(image, kLengthOffset, 4);
  header.crc = static_cast<uint16_t>(ReadLe(image, kCrcOffset, 2));
  header.seq = static_cast<uint8_t>(image[kSeqOffset]);
  header.type = ReadLe(image, kTypeOffset, 4);
  header.status = ReadLe(image, kStatusOffset, 4);
  if (header.length != image.size() - kScratchpadHeaderSize) {
    return absl::InvalidArgumentError(absl::StrCat("scratchpad header says ", header.length,
                                                   " bytes follow it, the image has ",
                                                   image.size() - kScratchpadHeaderSize));
  }
  return header;
}

bool ScratchpadContentMatchesCrc(std::string_view image, const ScratchpadHeader& header) {
  return ScratchpadCrc16(image.substr(kScratchpadHeaderSize)) == header.crc;
}

void SetScratchpadSequence(uint8_t seq, std::string& image) {
  image[kSeqOffset] = static_cast<char>(seq);
}

std::string BuildScratchpadImage(std::string_view content) {
  std::string image(kScratchpadTag);
  image.reserve(kScratchpadHeaderSize + content.size());
  AppendLe(static_cast<uint32_t>(content.size()), 4, image);
  AppendLe(ScratchpadCrc16(content), 2, image);
  image.push_back(static_cast<char>(kToolSequence));
  image.push_back('\0');  // padding
  AppendLe(0, 4, image);  // type
  AppendLe(kStatusNotProcessed, 4, image);
  image.append(content);
  return image;
}

}  // namespace wm::wirepas
