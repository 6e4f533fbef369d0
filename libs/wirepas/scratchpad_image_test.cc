#include "libs/wirepas/scratchpad_image.h"

#include <string>

#include "gtest/gtest.h"

namespace wm::wirepas {
namespace {

TEST(ScratchpadCrc16Test, CheckValue) { EXPECT_EQ(ScratchpadCrc16("123456789"), 0x29B1); }

TEST(ScratchpadCrc16Test, EmptyInputIsTheInitialValue) { EXPECT_EQ(ScratchpadCrc16(""), 0xFFFF); }

TEST(ScratchpadCrc16Test, KnownValuesOfBinaryInput) {
  // Values from binascii.crc_hqx(data, 0xFFFF).
  EXPECT_EQ(ScratchpadCrc16(std::string("\x00", 1)), 0xE1F0);
  EXPECT_EQ(ScratchpadCrc16(std::string("\xFF\xFF", 2)), 0x0000);
}

TEST(ScratchpadImageTest, BuiltImageHasTheToolsHeaderLayout) {
  const std::string content = "0123456789abcdef0123456789abcdef";
  const std::string image = BuildScratchpadImage(content);
  ASSERT_EQ(image.size(), kScratchpadHeaderSize + content.size());
  EXPECT_EQ(image.substr(0, 16), std::string(kScratchpadTag));
  // length 32, little-endian
  EXPECT_EQ(image.substr(16, 4), std::string("\x20\x00\x00\x00", 4));
  const uint16_t crc = ScratchpadCrc16(content);
  EXPECT_EQ(static_cast<uint8_t>(image[20]), crc & 0xFF);
  EXPECT_EQ(static_cast<uint8_t>(image[21]), crc >> 8);
  EXPECT_EQ(static_cast<uint8_t>(image[22]), 255);  // sequence, replaced by the sink
  EXPECT_EQ(image[23], '\0');
  EXPECT_EQ(image.substr(24, 4), std::string(4, '\0'));
  EXPECT_EQ(image.substr(28, 4), std::string(4, '\xff'));
  EXPECT_EQ(image.substr(32), content);
}

TEST(ScratchpadImageTest, HeaderReadsBackWhatWasBuilt) {
  const std::string content(4968, '\x5a');
  const std::string image = BuildScratchpadImage(content);
  absl::StatusOr<ScratchpadHeader> header = ParseScratchpadHeader(image);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->length, 4968u);
  EXPECT_EQ(header->crc, ScratchpadCrc16(content));
  EXPECT_EQ(header->seq, 255);
  EXPECT_EQ(header->type, 0u);
  EXPECT_EQ(header->status, 0xFFFFFFFFu);
  EXPECT_TRUE(ScratchpadContentMatchesCrc(image, *header));
}

TEST(ScratchpadImageTest, TheSequenceCanBeSetInTheHeader) {
  std::string image = BuildScratchpadImage(std::string(64, '\x01'));
  SetScratchpadSequence(21, image);
  absl::StatusOr<ScratchpadHeader> header = ParseScratchpadHeader(image);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->seq, 21);
  EXPECT_TRUE(ScratchpadContentMatchesCrc(image, *header));  // the CRC covers the content only
}

TEST(ScratchpadImageTest, ChangedContentNoLongerMatchesTheCrc) {
  std::string image = BuildScratchpadImage(std::string(64, '\x01'));
  image.back() = '\x02';
  absl::StatusOr<ScratchpadHeader> header = ParseScratchpadHeader(image);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_FALSE(ScratchpadContentMatchesCrc(image, *header));
}

TEST(ScratchpadImageTest, ImagesWithoutAValidHeaderAreRefused) {
  const std::string valid = BuildScratchpadImage(std::string(64, '\x01'));
  EXPECT_FALSE(ParseScratchpadHeader("").ok());
  EXPECT_FALSE(ParseScratchpadHeader(valid.substr(0, 31)).ok());
  // Any bytes: no tag.
  EXPECT_FALSE(ParseScratchpadHeader(std::string(96, '\x5a')).ok());
  // Cut or extended after the header: the length field no longer matches.
  EXPECT_FALSE(ParseScratchpadHeader(valid.substr(0, valid.size() - 4)).ok());
  EXPECT_FALSE(ParseScratchpadHeader(valid + "abcd").ok());
  std::string bad_tag = valid;
  bad_tag[3] = '2';
  EXPECT_FALSE(ParseScratchpadHeader(bad_tag).ok());
  EXPECT_TRUE(ParseScratchpadHeader(valid).ok());
}

}  // namespace
}  // namespace wm::wirepas
