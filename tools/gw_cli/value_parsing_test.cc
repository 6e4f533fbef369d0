#include "tools/gw_cli/value_parsing.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace wm::gw_cli {
namespace {

TEST(ParseHexBytesTest, AcceptsPlainPrefixedAndSeparatedHex) {
  EXPECT_EQ(ParseHexBytes("data", "f67e01").value(), std::string("\xf6\x7e\x01", 3));
  EXPECT_EQ(ParseHexBytes("data", "0xF67E01").value(), std::string("\xf6\x7e\x01", 3));
  EXPECT_EQ(ParseHexBytes("data", "f6:7e:01").value(), std::string("\xf6\x7e\x01", 3));
  EXPECT_EQ(ParseHexBytes("data", "f6 7e 01").value(), std::string("\xf6\x7e\x01", 3));
  EXPECT_EQ(ParseHexBytes("data", "00").value(), std::string(1, '\0'));
  EXPECT_EQ(ParseHexBytes("data", "").value(), "");
}

TEST(ParseHexBytesTest, RefusesWhatIsNotHexNamingTheFlag) {
  absl::StatusOr<std::string> odd = ParseHexBytes("payload", "abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(odd.status().message(), "payload: ")) << odd.status();
  absl::StatusOr<std::string> text = ParseHexBytes("payload", "hello");
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(absl::StrContains(text.status().message(), "'h'")) << text.status();
  // A separator inside a byte.
  EXPECT_FALSE(ParseHexBytes("payload", "a:bc").ok());
}

TEST(ParseUnsignedTest, DecimalAndHexWithinTheRange) {
  EXPECT_EQ(ParseUnsigned("seq", "17", 1, 254).value(), 17u);
  EXPECT_EQ(ParseUnsigned("crc", "0x1A2b", 0, 0xFFFF).value(), 0x1a2bu);
  EXPECT_EQ(ParseUnsigned("dst", "4294967295", 0, 0xFFFFFFFF).value(), 0xFFFFFFFFu);
  EXPECT_EQ(ParseUnsigned("seq", " 5 ", 1, 254).value(), 5u);
}

TEST(ParseUnsignedTest, RefusesOutOfRangeNegativeAndJunk) {
  absl::StatusOr<uint64_t> high = ParseUnsigned("hop_limit", "16", 0, 15);
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.status().message(), "hop_limit: 16 is out of range 0..15");
  EXPECT_FALSE(ParseUnsigned("seq", "0", 1, 254).ok());
  EXPECT_FALSE(ParseUnsigned("seq", "-1", 0, 254).ok());
  EXPECT_FALSE(ParseUnsigned("seq", "+1", 0, 254).ok());
  EXPECT_FALSE(ParseUnsigned("seq", "1x", 0, 254).ok());
  EXPECT_FALSE(ParseUnsigned("seq", "0x", 0, 254).ok());
  EXPECT_FALSE(ParseUnsigned("seq", "", 0, 254).ok());
  EXPECT_FALSE(ParseUnsigned("seq", "99999999999999999999999", 0, UINT64_MAX).ok());
}

TEST(ParseUnsignedTest, AddressesInDecimalAndHex) {
  EXPECT_EQ(ParseUnsigned("node", "4660", 0, UINT32_MAX).value_or(0), 4660u);
  EXPECT_EQ(ParseUnsigned("node", "0x1234", 0, UINT32_MAX).value_or(0), 0x1234u);
  EXPECT_EQ(ParseUnsigned("network", "0XABCDEF", 0, UINT64_MAX).value_or(0), 0xABCDEFu);
  EXPECT_EQ(ParseUnsigned("node", "4294967295", 0, UINT32_MAX).value_or(0), UINT32_MAX);
}

TEST(ParseUnsignedTest, RejectsWhatIsNotAnAddressNamingTheKey) {
  for (const char* bad :
       {"", "abc", "-1", "12x", "0x", "0xZZ", "4294967296", "+5", "1.5", "0x0x5", "0x-5"}) {
    absl::StatusOr<uint64_t> parsed = ParseUnsigned("node", bad, 0, UINT32_MAX);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "node: ")) << parsed.status();
  }
}

TEST(ParseNodeAddressTest, OneNodeInDecimalOrHex) {
  EXPECT_EQ(ParseNodeAddress("node", "1001").value_or(0), 1001u);
  EXPECT_EQ(ParseNodeAddress("node", "0x3a5f12").value_or(0), 0x3a5f12u);
  EXPECT_EQ(ParseNodeAddress("node", "4294967294").value_or(0), 0xFFFFFFFEu);
  absl::StatusOr<uint32_t> word = ParseNodeAddress("node", "twelve");
  ASSERT_FALSE(word.ok());
  EXPECT_TRUE(absl::StartsWith(word.status().message(), "node: 'twelve'")) << word.status();
  // Neither "any sink" nor broadcast is one node.
  for (const char* not_a_node : {"0", "0xFFFFFFFF", "4294967295"}) {
    absl::StatusOr<uint32_t> parsed = ParseNodeAddress("node_address", not_a_node);
    ASSERT_FALSE(parsed.ok()) << not_a_node;
    EXPECT_TRUE(absl::StartsWith(parsed.status().message(),
                                 absl::StrCat("node_address: ", not_a_node, " is not a node")))
        << parsed.status();
  }
}

TEST(ParseDestinationAddressTest, BroadcastByNameAndNumbers) {
  EXPECT_EQ(ParseDestinationAddress("dst", "broadcast").value(), 0xFFFFFFFFu);
  EXPECT_EQ(ParseDestinationAddress("dst", "BROADCAST").value(), 0xFFFFFFFFu);
  EXPECT_EQ(ParseDestinationAddress("dst", "0").value(), 0u);
  EXPECT_EQ(ParseDestinationAddress("dst", "0x3a5f12").value(), 0x3a5f12u);
  EXPECT_EQ(ParseDestinationAddress("dst", "1001").value(), 1001u);
  absl::StatusOr<uint32_t> bad = ParseDestinationAddress("dst", "all");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "broadcast")) << bad.status();
  EXPECT_FALSE(ParseDestinationAddress("dst", "4294967296").ok());
}

TEST(ParseNodeRoleTest, NamesWithFlags) {
  wm::v1::NodeRole role = ParseNodeRole("node_role", "sink").value();
  EXPECT_EQ(role.base(), wm::v1::BASE_ROLE_SINK);
  EXPECT_FALSE(role.low_latency());
  EXPECT_FALSE(role.autorole());
  EXPECT_EQ(role.dual_mcu_role(), 0x01u);

  role = ParseNodeRole("node_role", "sink+ll").value();
  EXPECT_EQ(role.base(), wm::v1::BASE_ROLE_SINK);
  EXPECT_TRUE(role.low_latency());
  EXPECT_EQ(role.dual_mcu_role(), 0x11u);

  role = ParseNodeRole("node_role", "Non-Router+autorole").value();
  EXPECT_EQ(role.base(), wm::v1::BASE_ROLE_NON_ROUTER);
  EXPECT_TRUE(role.autorole());
  EXPECT_EQ(role.dual_mcu_role(), 0x83u);

  role = ParseNodeRole("node_role", "router+ll+autorole").value();
  EXPECT_EQ(role.base(), wm::v1::BASE_ROLE_ROUTER);
  EXPECT_EQ(role.dual_mcu_role(), 0x92u);
}

TEST(ParseNodeRoleTest, AcceptsBothSpellingsOfNonRouter) {
  for (const char* spelling : {"non_router", "non-router", "nonrouter"}) {
    absl::StatusOr<wm::v1::NodeRole> role = ParseNodeRole("node_role", spelling);
    ASSERT_TRUE(role.ok()) << spelling << ": " << role.status();
    EXPECT_EQ(role->base(), wm::v1::BASE_ROLE_NON_ROUTER) << spelling;
  }
}

TEST(BaseRoleNameTest, EachNameParsesBackToItsRole) {
  for (uint32_t base : {1u, 2u, 3u}) {
    std::string_view name = BaseRoleName(base);
    ASSERT_FALSE(name.empty()) << base;
    absl::StatusOr<wm::v1::NodeRole> role = ParseNodeRole("node_role", name);
    ASSERT_TRUE(role.ok()) << name << ": " << role.status();
    EXPECT_EQ(static_cast<uint32_t>(role->base()), base) << name;
  }
  EXPECT_EQ(BaseRoleName(3), "non_router");
  EXPECT_TRUE(BaseRoleName(0).empty());
  EXPECT_TRUE(BaseRoleName(4).empty());
}

TEST(ParseNodeRoleTest, TheDualMcuByte) {
  wm::v1::NodeRole role = ParseNodeRole("node_role", "0x83").value();
  EXPECT_EQ(role.base(), wm::v1::BASE_ROLE_NON_ROUTER);
  EXPECT_TRUE(role.autorole());
  EXPECT_FALSE(role.low_latency());
  EXPECT_EQ(ParseNodeRole("node_role", "17").value().dual_mcu_role(), 0x11u);
  EXPECT_EQ(ParseNodeRole("node_role", "2").value().base(), wm::v1::BASE_ROLE_ROUTER);
}

TEST(ParseNodeRoleTest, RefusesRolesTheApiDoesNotHave) {
  // A base of 0 is no role: refused here rather than sent and refused by wm-command.
  absl::StatusOr<wm::v1::NodeRole> zero = ParseNodeRole("node_role", "0");
  ASSERT_FALSE(zero.ok());
  EXPECT_TRUE(absl::StartsWith(zero.status().message(), "node_role: ")) << zero.status();
  EXPECT_TRUE(absl::StrContains(zero.status().message(), "sink (1)")) << zero.status();
  // The role is named as the CLI prints it (non_router, the gateway API's NON_ROUTER).
  EXPECT_TRUE(absl::StrContains(zero.status().message(), "non_router (3)")) << zero.status();
  EXPECT_FALSE(ParseNodeRole("node_role", "0x04").ok());
  EXPECT_FALSE(ParseNodeRole("node_role", "0x22").ok());  // bit 0x20 is no flag
  EXPECT_FALSE(ParseNodeRole("node_role", "256").ok());
  EXPECT_FALSE(ParseNodeRole("node_role", "gateway").ok());
  EXPECT_FALSE(ParseNodeRole("node_role", "sink+fast").ok());
  EXPECT_FALSE(ParseNodeRole("node_role", "").ok());
}

TEST(ParseScratchpadActionTest, NamesAndNumbers) {
  EXPECT_EQ(ParseScratchpadAction("action", "no_otap").value(), wm::v1::SCRATCHPAD_ACTION_NO_OTAP);
  EXPECT_EQ(ParseScratchpadAction("action", "PROPAGATE_ONLY").value(),
            wm::v1::SCRATCHPAD_ACTION_PROPAGATE_ONLY);
  EXPECT_EQ(ParseScratchpadAction("action", "propagate-and-process").value(),
            wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS);
  EXPECT_EQ(
      ParseScratchpadAction("action", "SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY").value(),
      wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  EXPECT_EQ(ParseScratchpadAction("action", "5").value(), wm::v1::SCRATCHPAD_ACTION_LEGACY_OTAP);
  EXPECT_FALSE(ParseScratchpadAction("action", "unknown").ok());
  EXPECT_FALSE(ParseScratchpadAction("action", "0").ok());
  EXPECT_FALSE(ParseScratchpadAction("action", "6").ok());
  EXPECT_FALSE(ParseScratchpadAction("action", "process").ok());
}

TEST(ParseScratchpadParamTest, DelaysByShortAndLongNameOrARawByte) {
  wm::v1::TargetScratchpadAndAction target;
  ASSERT_TRUE(ParseScratchpadParam("param", "6h", target).ok());
  EXPECT_EQ(target.delay(), wm::v1::PROCESSING_DELAY_SIX_HOURS);
  ASSERT_TRUE(ParseScratchpadParam("param", "ten_minutes", target).ok());
  EXPECT_EQ(target.delay(), wm::v1::PROCESSING_DELAY_TEN_MINUTES);
  ASSERT_TRUE(ParseScratchpadParam("param", "PROCESSING_DELAY_FIVE_DAYS", target).ok());
  EXPECT_EQ(target.delay(), wm::v1::PROCESSING_DELAY_FIVE_DAYS);
  ASSERT_TRUE(ParseScratchpadParam("param", "0x4a", target).ok());
  EXPECT_EQ(target.param_case(), wm::v1::TargetScratchpadAndAction::kRaw);
  EXPECT_EQ(target.raw(), 0x4au);
  ASSERT_TRUE(ParseScratchpadParam("param", "0", target).ok());
  EXPECT_EQ(target.param_case(), wm::v1::TargetScratchpadAndAction::kRaw);
  EXPECT_EQ(target.raw(), 0u);
  EXPECT_FALSE(ParseScratchpadParam("param", "256", target).ok());
  EXPECT_FALSE(ParseScratchpadParam("param", "3h", target).ok());
  EXPECT_FALSE(ParseScratchpadParam("param", "unknown", target).ok());
}

}  // namespace
}  // namespace wm::gw_cli
