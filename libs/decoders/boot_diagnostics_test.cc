#include "libs/decoders/boot_diagnostics.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"

namespace wm::decoders {
namespace {

// Built field by field from the layout in docs/payloads.md "Boot diagnostics".
PayloadBuilder Sample(uint32_t major = 5, uint32_t minor = 1, uint32_t maint = 0,
                      uint32_t dev = 20) {
  PayloadBuilder b;
  b.U8(255)              // 0 boot_count (max u8)
      .U8(0x12)          // 1 node_role
      .U8(dev)           // 2 sw_dev_version
      .U8(maint)         // 3 sw_maint_version
      .U8(minor)         // 4 sw_minor_version
      .U8(major)         // 5 sw_major_version
      .U16(0xFFFF)       // 6 scratchpad_sequence (max u16)
      .U16(0x1234)       // 8 hw_magic
      .U16(0x5678)       // 10 stack_profile
      .U8(1)             // 12 otap_enabled
      .U16(4321)         // 13 boot_line_number
      .U16(0xABCD)       // 15 file_hash
      .U32(0xFFFFFFFF)   // 17 stack_trace_0 (max u32)
      .U32(0x01020304)   // 21 stack_trace_1
      .U32(0)            // 25 stack_trace_2
      .U16(0x0102);      // 29 cur_seq
  return b;
}

TEST(BootDiagnostics, DecodesEveryField) {
  ASSERT_EQ(Sample().size(), 31u);
  wm::v1::BootDiagnostics d;
  ASSERT_FALSE(DecodeBootDiagnostics(Sample().str(), &d).has_value());
  EXPECT_EQ(d.boot_count(), 255u);
  EXPECT_EQ(d.node_role(), 0x12u);
  EXPECT_EQ(d.sw_dev_version(), 20u);
  EXPECT_EQ(d.sw_maint_version(), 0u);
  EXPECT_EQ(d.sw_minor_version(), 1u);
  EXPECT_EQ(d.sw_major_version(), 5u);
  EXPECT_EQ(d.scratchpad_sequence(), 0xFFFFu);
  EXPECT_EQ(d.hw_magic(), 0x1234u);
  EXPECT_EQ(d.stack_profile(), 0x5678u);
  EXPECT_EQ(d.otap_enabled(), 1u);
  EXPECT_EQ(d.boot_line_number(), 4321u);
  EXPECT_EQ(d.file_hash(), 0xABCDu);
  EXPECT_EQ(d.stack_trace_0(), 0xFFFFFFFFu);
  EXPECT_EQ(d.stack_trace_1(), 0x01020304u);
  EXPECT_EQ(d.stack_trace_2(), 0u);
  EXPECT_EQ(d.cur_seq(), 0x0102u);
}

TEST(BootDiagnostics, FirmwareVersionPackedAndAsText) {
  wm::v1::BootDiagnostics d;
  ASSERT_FALSE(DecodeBootDiagnostics(Sample(5, 1, 0, 20).str(), &d).has_value());
  EXPECT_EQ(d.firmware_version(), 0x05010014u);
  EXPECT_EQ(d.firmware_version_string(), "5.1.0.20");
  ASSERT_FALSE(DecodeBootDiagnostics(Sample(255, 255, 255, 255).str(), &d).has_value());
  EXPECT_EQ(d.firmware_version(), 0xFFFFFFFFu);
  EXPECT_EQ(d.firmware_version_string(), "255.255.255.255");
  ASSERT_FALSE(DecodeBootDiagnostics(Sample(0, 0, 0, 0).str(), &d).has_value());
  EXPECT_EQ(d.firmware_version(), 0u);
  EXPECT_EQ(d.firmware_version_string(), "0.0.0.0");
}

TEST(BootDiagnostics, EveryOtherLengthIsWrongLength) {
  const std::string full = Sample().str() + "xyz";
  struct Case {
    size_t size;
    uint32_t offset;
  };
  for (Case c : {Case{0, 0}, Case{30, 30}, Case{32, 31}, Case{34, 31}}) {
    wm::v1::BootDiagnostics d;
    DecodeStatus error = DecodeBootDiagnostics(full.substr(0, c.size), &d);
    ASSERT_TRUE(error.has_value()) << c.size;
    EXPECT_EQ(error->reason, kReasonWrongLength);
    EXPECT_EQ(error->offset, c.offset) << c.size;
    EXPECT_NE(error->message.find("got " + std::to_string(c.size)), std::string::npos);
    EXPECT_EQ(d.ByteSizeLong(), 0u) << "an error leaves the message untouched";
  }
}

}  // namespace
}  // namespace wm::decoders
