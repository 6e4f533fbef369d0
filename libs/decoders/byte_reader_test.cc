#include "libs/decoders/byte_reader.h"

#include <string>

#include "gtest/gtest.h"

namespace wm::decoders {
namespace {

TEST(ByteReader, ReadsLittleEndianAndStopsAtTheEnd) {
  const std::string bytes("\x01\x34\x12\x56\x34\x12\xfe\xff\xff\xff", 10);
  ByteReader r(bytes);
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u24 = 0;
  int32_t i32 = 0;
  ASSERT_TRUE(r.U8(&u8));
  ASSERT_TRUE(r.U16(&u16));
  ASSERT_TRUE(r.U24(&u24));
  ASSERT_TRUE(r.I32(&i32));
  EXPECT_EQ(u8, 1);
  EXPECT_EQ(u16, 0x1234);
  EXPECT_EQ(u24, 0x123456u);
  EXPECT_EQ(i32, -2);
  EXPECT_EQ(r.offset(), 10u);
  EXPECT_FALSE(r.U8(&u8));
  EXPECT_EQ(u8, 1) << "a failed read leaves the value untouched";
  EXPECT_EQ(r.U8OrZero(), 0);
}

TEST(ByteReader, FailedReadDoesNotAdvance) {
  const std::string bytes("\x01\x02\x03", 3);
  ByteReader r(bytes);
  uint32_t u32 = 7;
  EXPECT_FALSE(r.U32(&u32));
  EXPECT_EQ(u32, 7u);
  EXPECT_EQ(r.offset(), 0u);
  EXPECT_EQ(r.U24OrZero(), 0x030201u);
}

TEST(ByteReader, BytesIsAViewOfTheNextBytes) {
  const std::string bytes("abcdef");
  ByteReader r(bytes);
  std::string_view v;
  ASSERT_TRUE(r.Skip(1));
  ASSERT_TRUE(r.Bytes(3, &v));
  EXPECT_EQ(v, "bcd");
  EXPECT_FALSE(r.Bytes(3, &v));
  EXPECT_EQ(v, "bcd");
  EXPECT_EQ(r.remaining(), 2u);
  EXPECT_TRUE(r.Bytes(0, &v));
  EXPECT_EQ(v, "");
}

}  // namespace
}  // namespace wm::decoders
