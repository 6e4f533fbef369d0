#include "tools/gw_cli/text_format.h"

#include <string>

#include "gtest/gtest.h"

namespace wm::gw_cli {
namespace {

TEST(HexBytesTest, LowerCaseWithoutSeparators) {
  EXPECT_EQ(HexBytes(std::string("\x00\xff\x1a", 3)), "00ff1a");
  EXPECT_EQ(HexBytes(std::string("\x00\xAB\x10", 3)), "00ab10");
  EXPECT_EQ(HexBytes(""), "");
}

TEST(FormatAddressTest, DecimalAndHex) {
  EXPECT_EQ(FormatAddress(0x123456), "1193046 (0x123456)");
  EXPECT_EQ(FormatAddress(4660), "4660 (0x001234)");
  EXPECT_EQ(FormatAddress(0x80000001), "2147483649 (0x80000001)");
}

TEST(NamesTest, CrcFirmwareYesNo) {
  EXPECT_EQ(FormatCrc(0x1a2b), "0x1a2b");
  EXPECT_EQ(FormatCrc(0x3), "0x0003");
  wm::v1::FirmwareVersion version;
  version.set_major(5);
  version.set_minor(4);
  version.set_maint(0);
  version.set_dev(57);
  EXPECT_EQ(FormatFirmwareVersion(version), "5.4.0.57");
  EXPECT_EQ(FormatFirmwareVersion(5, 1, 2, 3), "5.1.2.3");
  EXPECT_EQ(YesNo(true), "yes");
  EXPECT_EQ(YesNo(false), "no");
}

TEST(NamesTest, EnumNamesWithoutTheirPrefix) {
  EXPECT_EQ(ShortEnumName(wm::v1::ScratchpadStatus_Name(wm::v1::SCRATCHPAD_STATUS_NEW),
                          "SCRATCHPAD_STATUS_", wm::v1::SCRATCHPAD_STATUS_NEW),
            "NEW");
  // A value this build does not know: its number.
  EXPECT_EQ(ShortEnumName("", "SCRATCHPAD_STATUS_", 77), "77");
  EXPECT_EQ(GatewayStateName(wm::v1::GATEWAY_STATE_ONLINE), "ONLINE");
  EXPECT_EQ(GatewayStateName(wm::v1::GATEWAY_STATE_OFFLINE), "OFFLINE");
  EXPECT_EQ(GatewayStateName(wm::v1::GATEWAY_STATE_UNSPECIFIED), "NO_STATUS");
}

TEST(ScratchpadTextTest, InfoStoredAndTarget) {
  wm::v1::SinkConfig config;
  config.mutable_stored_scratchpad()->set_seq(21);
  config.mutable_stored_scratchpad()->set_len(5000);
  config.mutable_stored_scratchpad()->set_crc(0x1a2b);
  EXPECT_EQ(FormatScratchpadInfo(config.stored_scratchpad()), "seq 21, 5000 bytes, crc 0x1a2b");
  EXPECT_EQ(FormatStoredScratchpad(config), "seq 21, 5000 bytes, crc 0x1a2b");
  config.set_stored_status(wm::v1::SCRATCHPAD_STATUS_NEW);
  config.set_stored_type(wm::v1::SCRATCHPAD_TYPE_PRESENT);
  EXPECT_EQ(FormatStoredScratchpad(config), "seq 21, 5000 bytes, crc 0x1a2b, NEW, PRESENT");
}

TEST(FormatTargetAndActionTest, RawParamAndNoTarget) {
  wm::v1::TargetScratchpadAndAction target;
  target.set_action(wm::v1::SCRATCHPAD_ACTION_NO_OTAP);
  EXPECT_EQ(FormatTargetAndAction(target), "NO_OTAP");
  target.set_action(wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS);
  target.set_raw(0x4a);
  EXPECT_EQ(FormatTargetAndAction(target), "PROPAGATE_AND_PROCESS, param 0x4a");
}

TEST(FormatTargetAndActionTest, SequenceCrcAndDelay) {
  wm::v1::TargetScratchpadAndAction target;
  target.set_action(wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  target.set_target_sequence(12);
  target.set_target_crc(0x1a2b);
  target.set_delay(wm::v1::PROCESSING_DELAY_SIX_HOURS);
  EXPECT_EQ(FormatTargetAndAction(target),
            "PROPAGATE_AND_PROCESS_WITH_DELAY, seq 12, crc 0x1a2b, delay SIX_HOURS");
}

TEST(AppendFieldTest, LabelsArePaddedAndIndented) {
  std::string out;
  AppendField(out, 0, "model", "wm-gateway-sim");
  AppendField(out, 2, "node address", "4660 (0x001234)");
  // The longest label still leaves a gap before its value.
  AppendField(out, 2, "processed scratchpad", "seq 12");
  EXPECT_EQ(out,
            "model                 wm-gateway-sim\n"
            "  node address          4660 (0x001234)\n"
            "  processed scratchpad  seq 12\n");
}

TEST(TextTableTest, AlignsColumnsAndLeavesTheLastOneUnpadded) {
  TextTable table({"ID", "STATE", "NOTE"});
  table.AddRow({"long-gateway-id", "ONLINE", "x"});
  table.AddRow({"g", "OFFLINE"});  // a missing cell is empty
  EXPECT_EQ(table.rows(), 2u);
  EXPECT_EQ(table.Render(),
            "ID               STATE    NOTE\n"
            "long-gateway-id  ONLINE   x\n"
            "g                OFFLINE\n");
}

}  // namespace
}  // namespace wm::gw_cli
