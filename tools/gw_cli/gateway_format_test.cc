#include "tools/gw_cli/gateway_format.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace wm::gw_cli {
namespace {

// The line of `text` whose label (after any indent) is `label`, or "" when there is none.
std::string LineOf(const std::string& text, const std::string& label) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view trimmed = line;
    while (absl::ConsumePrefix(&trimmed, " ")) {
    }
    if (absl::StartsWith(trimmed, label + "  ")) return std::string(line);
  }
  return "";
}

wm::v1::SinkConfig FullSinkConfig() {
  wm::v1::SinkConfig config;
  config.set_sink_id("sink0");
  config.set_node_address(3825426);
  config.mutable_node_role()->set_base(wm::v1::BASE_ROLE_SINK);
  config.mutable_node_role()->set_low_latency(true);
  config.set_network_address(0x123456);
  config.set_network_channel(5);
  config.mutable_app_config()->set_diag_interval_s(60);
  config.mutable_app_config()->set_seq(7);
  config.mutable_app_config()->set_data(std::string("\xf6\x7e\x01", 3));
  config.set_app_config_max_size(80);
  config.set_started(false);
  config.set_stack_profile(1);
  config.set_max_mtu(102);
  config.mutable_channel_limits()->set_min_channel(1);
  config.mutable_channel_limits()->set_max_channel(40);
  config.mutable_current_ac_range()->set_min_ms(2000);
  config.mutable_current_ac_range()->set_max_ms(8000);
  config.mutable_ac_limits()->set_min_ms(1000);
  config.mutable_ac_limits()->set_max_ms(8000);
  config.set_hw_magic(3);
  config.mutable_firmware_version()->set_major(5);
  config.mutable_firmware_version()->set_minor(4);
  config.mutable_firmware_version()->set_maint(0);
  config.mutable_firmware_version()->set_dev(57);
  config.set_are_keys_set(true);
  return config;
}

TEST(FormatNodeRoleTest, NameWithFlagsAndTheRoleByte) {
  wm::v1::NodeRole role;
  role.set_base(wm::v1::BASE_ROLE_NON_ROUTER);
  role.set_autorole(true);
  EXPECT_EQ(FormatNodeRole(role), "non_router+autorole (0x83)");
  role.Clear();
  role.set_base(wm::v1::BASE_ROLE_SINK);
  role.set_low_latency(true);
  EXPECT_EQ(FormatNodeRole(role), "sink+ll (0x11)");
  // Only the dual-MCU byte.
  role.Clear();
  role.set_dual_mcu_role(0x02);
  EXPECT_EQ(FormatNodeRole(role), "router (0x02)");
}

TEST(FormatSinkConfigTest, TheZerosThatPadAnAppConfigAreCounted) {
  wm::v1::SinkConfig config = FullSinkConfig();
  config.mutable_app_config()->set_data(std::string("\xf6\x7e\x01", 3) + std::string(77, '\0'));
  std::string text = FormatSinkConfig(config);
  EXPECT_TRUE(
      absl::EndsWith(LineOf(text, "app config data"), " f67e01 then 77 zero bytes (80 bytes)"))
      << text;
  config.mutable_app_config()->set_data(std::string(80, '\0'));
  text = FormatSinkConfig(config);
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "app config data"), " 80 zero bytes (80 bytes)")) << text;
  config.mutable_app_config()->set_data(std::string("\x01\x00", 2));
  text = FormatSinkConfig(config);
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "app config data"), " 01 then 1 zero byte (2 bytes)"))
      << text;
}

TEST(FormatSinkConfigTest, EveryFieldOnItsLine) {
  const std::string text = FormatSinkConfig(FullSinkConfig());
  EXPECT_TRUE(absl::StartsWith(text, "sink0\n")) << text;
  EXPECT_TRUE(absl::StrContains(LineOf(text, "node address"), "3825426 (0x3a5f12)")) << text;
  EXPECT_TRUE(absl::StrContains(LineOf(text, "role"), "sink+ll (0x11)")) << text;
  EXPECT_TRUE(absl::StrContains(LineOf(text, "network address"), "1193046 (0x123456)")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "network channel"), " 5")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "app config diag"), " 60 s")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "app config seq"), " 7")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "app config data"), " f67e01 (3 bytes)")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "app config max size"), " 80 bytes")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "stack started"), " no")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "stack profile"), " 1")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "max MTU"), " 102 bytes")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "channel range"), " 1..40")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "access cycle"), " 2000..8000 ms")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "access cycle limits"), " 1000..8000 ms")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "firmware"), " 5.4.0.57")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "keys set"), " yes")) << text;
  // Values start in one column.
  const std::string a = LineOf(text, "role");
  const std::string b = LineOf(text, "app config max size");
  EXPECT_EQ(a.find("sink+ll"), b.find("80 bytes")) << text;
  // Not reported by this sink: not shown.
  EXPECT_EQ(LineOf(text, "channel map"), "");
  EXPECT_EQ(LineOf(text, "stored scratchpad"), "");
}

TEST(FormatSinkConfigTest, AnUnconfiguredSinkShowsDashesInsteadOfZeros) {
  // backend-client crashed on such sinks (its issue #278).
  wm::v1::SinkConfig config;
  config.set_sink_id("sink1");
  config.set_started(false);
  const std::string text = FormatSinkConfig(config);
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "node address"), " -")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "role"), " -")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "network address"), " -")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "app config data"), " -")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "firmware"), " -")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "stack started"), " no")) << text;
}

TEST(FormatSinkConfigTest, ScratchpadsAndItemsWhenReported) {
  wm::v1::SinkConfig config = FullSinkConfig();
  config.set_channel_map(0);
  config.mutable_stored_scratchpad()->set_seq(21);
  config.mutable_stored_scratchpad()->set_len(20000);
  config.mutable_stored_scratchpad()->set_crc(0x1a2b);
  config.set_stored_status(wm::v1::SCRATCHPAD_STATUS_NEW);
  config.set_stored_type(wm::v1::SCRATCHPAD_TYPE_PRESENT);
  wm::v1::ConfigurationDataItem* item = config.add_configuration_data_content();
  item->set_endpoint(4660);
  item->set_payload("cc");
  const std::string text = FormatSinkConfig(config);
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "channel map"), " 0x00000000")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "stored scratchpad"),
                             " seq 21, 20000 bytes, crc 0x1a2b, NEW, PRESENT"))
      << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "config item 4660"), " 6363 (2 bytes)")) << text;
}

TEST(FormatGatewayInfoTest, ModelVersionLimitsAndFeatures) {
  wm::v1::GatewayInfo info;
  info.set_model("wm-gateway-sim");
  info.set_version("1.6.0");
  info.set_implemented_api_version(2);
  info.set_max_scratchpad_size(2048);
  info.add_features(wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1);
  info.add_features(wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1);
  info.set_current_time_s_epoch(1700000000);
  const std::string text = FormatGatewayInfo(info);
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "model"), " wm-gateway-sim")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "version"), " 1.6.0")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "api version"), " 2")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "max scratchpad size"), " 2048 bytes per request"))
      << text;
  EXPECT_TRUE(
      absl::EndsWith(LineOf(text, "features"), " SCRATCHPAD_CHUNK_V1, CONFIGURATION_DATA_V1"))
      << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "gateway time"), " 2023-11-14 22:13:20 UTC")) << text;

  info.clear_max_scratchpad_size();
  info.clear_features();
  const std::string bare = FormatGatewayInfo(info);
  EXPECT_TRUE(absl::EndsWith(LineOf(bare, "max scratchpad size"), " no limit")) << bare;
  EXPECT_TRUE(absl::EndsWith(LineOf(bare, "features"), " none")) << bare;
}

TEST(FormatScratchpadStatusTest, TableOfStoredAndProcessedThenTarget) {
  wm::v1::GetScratchpadStatusResponse status;
  status.mutable_stored_scratchpad()->set_seq(21);
  status.mutable_stored_scratchpad()->set_len(20000);
  status.mutable_stored_scratchpad()->set_crc(0x1a2b);
  status.set_stored_status(wm::v1::SCRATCHPAD_STATUS_NEW);
  status.set_stored_type(wm::v1::SCRATCHPAD_TYPE_PRESENT);
  status.mutable_processed_scratchpad()->set_seq(3);
  status.mutable_processed_scratchpad()->set_len(1000);
  status.mutable_processed_scratchpad()->set_crc(0xbeef);
  status.set_firmware_area_id(0x12345678);
  status.mutable_target_and_action()->set_action(
      wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  status.mutable_target_and_action()->set_target_sequence(21);
  status.mutable_target_and_action()->set_target_crc(0x1a2b);
  status.mutable_target_and_action()->set_delay(wm::v1::PROCESSING_DELAY_SIX_HOURS);
  const std::string text = FormatScratchpadStatus(status);
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << text;
  const std::vector<std::string> header = absl::StrSplit(lines[0], ' ', absl::SkipEmpty());
  EXPECT_EQ(header, (std::vector<std::string>{"scratchpad", "seq", "length", "(bytes)", "crc",
                                              "status", "type"}));
  const std::vector<std::string> stored = absl::StrSplit(lines[1], ' ', absl::SkipEmpty());
  EXPECT_EQ(stored,
            (std::vector<std::string>{"stored", "21", "20000", "0x1a2b", "NEW", "PRESENT"}));
  const std::vector<std::string> processed = absl::StrSplit(lines[2], ' ', absl::SkipEmpty());
  EXPECT_EQ(processed, (std::vector<std::string>{"processed", "3", "1000", "0xbeef"}));
  EXPECT_TRUE(absl::EndsWith(lines[2], "0xbeef")) << "trailing spaces: '" << lines[2] << "'";
  // Columns line up with the header.
  EXPECT_EQ(lines[0].find("crc"), lines[1].find("0x1a2b")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "firmware area id"), " 0x12345678")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "otap target"),
                             " PROPAGATE_AND_PROCESS_WITH_DELAY, seq 21, crc 0x1a2b, delay "
                             "SIX_HOURS"))
      << text;
}

TEST(FormatScratchpadStatusTest, WhatTheSinkDidNotReportIsADash) {
  const std::string text = FormatScratchpadStatus(wm::v1::GetScratchpadStatusResponse());
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << text;
  const std::vector<std::string> stored = absl::StrSplit(lines[1], ' ', absl::SkipEmpty());
  EXPECT_EQ(stored, (std::vector<std::string>{"stored", "-", "-", "-", "-", "-"}));
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "otap target"), " -")) << text;
}

TEST(FormatUploadTest, ChunkedWholeAndCleared) {
  wm::v1::UploadScratchpadResponse upload;
  upload.set_size(20000);
  upload.set_chunk_size(1024);
  upload.set_requests_sent(20);
  std::string text = FormatUpload(upload);
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "size"), " 20000 bytes")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "chunk size"), " 1024 bytes")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "requests sent"), " 20")) << text;
  upload.set_chunk_size(0);
  upload.set_requests_sent(1);
  text = FormatUpload(upload);
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "chunk size"), " none (one request)")) << text;
  upload.set_size(0);
  text = FormatUpload(upload);
  EXPECT_TRUE(absl::StrContains(LineOf(text, "size"), "cleared")) << text;
}

TEST(FormatConfigurationDataItemTest, EndpointAndPayload) {
  wm::v1::ConfigurationDataItem item;
  item.set_endpoint(0x1234);
  item.set_payload("ab");
  const std::string text = FormatConfigurationDataItem(item);
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "endpoint"), " 4660 (0x1234)")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "payload"), " 6162 (2 bytes)")) << text;
}

TEST(FormatAppConfigResultTest, SequenceThenTheSink) {
  wm::v1::SetAppConfigResponse response;
  response.set_seq(8);
  *response.mutable_config() = FullSinkConfig();
  const std::string text = FormatAppConfigResult(response);
  EXPECT_TRUE(absl::StartsWith(text, "sequence used")) << text;
  EXPECT_TRUE(absl::EndsWith(LineOf(text, "sequence used"), " 8")) << text;
  EXPECT_TRUE(absl::StrContains(text, "\nsink0\n")) << text;
  // Without a config (the gateway did not send it back): only the sequence.
  response.clear_config();
  EXPECT_EQ(FormatAppConfigResult(response).find("sink0"), std::string::npos);
}

TEST(FormatClearGatewayTest, PreviousState) {
  wm::v1::ClearGatewayStatusResponse response;
  response.set_previous_state(wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_TRUE(absl::EndsWith(LineOf(FormatClearGateway(response), "previous state"), " OFFLINE"))
      << FormatClearGateway(response);
  response.set_previous_state(wm::v1::GATEWAY_STATE_UNSPECIFIED);
  EXPECT_TRUE(absl::StrContains(FormatClearGateway(response), "no status seen"));
}

}  // namespace
}  // namespace wm::gw_cli
