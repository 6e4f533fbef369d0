#include "libs/decoders/payload_builder.h"

#include "gtest/gtest.h"

namespace wm::decoders {
namespace {

TEST(PayloadBuilder, WritesLittleEndianFieldsInOrder) {
  const std::string p = PayloadBuilder()
                            .U8(0x1FF)  // only the low byte
                            .U16(0x1234)
                            .U24(0xABCDEF)
                            .U32(0xDEADBEEF)
                            .I32(-2)
                            .Fill(2, 0x7F)
                            .Bytes("xy")
                            .str();
  EXPECT_EQ(p,
            std::string("\xff\x34\x12\xef\xcd\xab\xef\xbe\xad\xde\xfe\xff\xff\xff\x7f\x7fxy", 18));
}

}  // namespace
}  // namespace wm::decoders
