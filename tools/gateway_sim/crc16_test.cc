#include "tools/gateway_sim/crc16.h"

#include <string>

#include "gtest/gtest.h"

namespace wm::gateway_sim {
namespace {

TEST(ScratchpadCrc16Test, MatchesTheCatalogueCheckValue) {
  EXPECT_EQ(ScratchpadCrc16("123456789"), 0x29B1);
}

TEST(ScratchpadCrc16Test, EmptyInputIsTheInitialValue) { EXPECT_EQ(ScratchpadCrc16(""), 0xFFFF); }

TEST(ScratchpadCrc16Test, OneChangedByteChangesTheCrc) {
  std::string image(4096, '\x5A');
  const uint16_t before = ScratchpadCrc16(image);
  image[2000] = '\x5B';
  EXPECT_NE(ScratchpadCrc16(image), before);
}

TEST(ScratchpadCrc16Test, KnownValuesOfBinaryInput) {
  // Values from binascii.crc_hqx(data, 0xFFFF).
  EXPECT_EQ(ScratchpadCrc16(std::string("\x00", 1)), 0xE1F0);
  EXPECT_EQ(ScratchpadCrc16(std::string("\xFF\xFF", 2)), 0x0000);
}

}  // namespace
}  // namespace wm::gateway_sim
