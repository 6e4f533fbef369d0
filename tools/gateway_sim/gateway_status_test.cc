#include "tools/gateway_sim/gateway_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/wirepas/message.h"

namespace wm::gateway_sim {
namespace {

using ::testing::ElementsAre;

const absl::Time kNow = absl::FromUnixMillis(1764151200123);

SimSink TestSink(std::string id) {
  SimSink sink;
  sink.id = std::move(id);
  sink.node_address = 4242;
  sink.network_address = 0x123456;
  sink.network_channel = 17;
  sink.firmware = StackVersion{5, 4, 0, 57};
  return sink;
}

// Serializes and parses back with libs/wirepas, as a backend would see the message.
wirepas::GenericMessage RoundTrip(const wirepas::GenericMessage& message) {
  absl::StatusOr<std::string> bytes = wirepas::SerializeGenericMessage(message);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(*bytes);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->IsInitialized()) << parsed->InitializationErrorString();
  EXPECT_TRUE(wirepas::CheckMessage(*parsed).ok());
  return *parsed;
}

TEST(GatewayStatusTest, SinkConfigHasEveryFieldARealSinkReports) {
  const gwapi::SinkReadConfig config = BuildSinkReadConfig(TestSink("sink1"));
  ASSERT_TRUE(config.IsInitialized());
  EXPECT_EQ(config.sink_id(), "sink1");
  EXPECT_EQ(config.node_role().role(), gwapi::NodeRole::SINK);
  EXPECT_EQ(config.node_address(), 4242u);
  EXPECT_EQ(config.network_address(), 0x123456u);
  EXPECT_EQ(config.network_channel(), 17u);
  ASSERT_TRUE(config.has_app_config());
  EXPECT_EQ(config.app_config().diag_interval_s(), 60u);
  EXPECT_EQ(config.app_config().app_config_data().size(), config.app_config_max_size());
  EXPECT_TRUE(config.are_keys_set());
  EXPECT_TRUE(config.has_current_ac_range());
  EXPECT_LE(config.ac_limits().min_ms(), config.current_ac_range().min_ms());
  EXPECT_GE(config.ac_limits().max_ms(), config.current_ac_range().max_ms());
  EXPECT_EQ(config.max_mtu(), 102u);
  EXPECT_EQ(config.channel_limits().max_channel(), 40u);
  EXPECT_TRUE(config.has_hw_magic());
  EXPECT_TRUE(config.has_stack_profile());
  EXPECT_EQ(config.firmware_version().major(), 5u);
  EXPECT_EQ(config.firmware_version().dev(), 57u);
  EXPECT_EQ(config.sink_state(), gwapi::ON);
  EXPECT_TRUE(config.has_stored_scratchpad());
  EXPECT_TRUE(config.has_processed_scratchpad());
  EXPECT_TRUE(config.has_stored_status());
  EXPECT_TRUE(config.has_stored_type());
  EXPECT_TRUE(config.has_firmware_area_id());
  EXPECT_EQ(config.target_and_action().action(), gwapi::NO_OTAP);
  // As the reference reads NO_OTAP back: sequence, CRC and a raw parameter of 0.
  EXPECT_EQ(config.target_and_action().target_sequence(), 0u);
  EXPECT_EQ(config.target_and_action().target_crc(), 0u);
  ASSERT_TRUE(config.target_and_action().has_raw());
  EXPECT_EQ(config.target_and_action().raw(), 0u);
  // The app config is the sink's full size.
  EXPECT_EQ(config.app_config().app_config_data().size(), config.app_config_max_size());
}

TEST(GatewayStatusTest, OnlineStatusCarriesEverySinkAndTheGatewayIdentity) {
  SimGateway gateway;
  gateway.id = "sim-gw-1";
  gateway.sinks = {TestSink("sink0"), TestSink("sink1")};
  GatewayIdentity identity;
  const wirepas::GenericMessage parsed =
      RoundTrip(BuildOnlineStatus(gateway.id, BuildSinkReadConfigs(gateway), identity, 99, kNow));

  ASSERT_EQ(wirepas::PayloadKindOf(parsed), wirepas::PayloadKind::kStatusEvent);
  const gwapi::StatusEvent& status = parsed.wirepas().status_event();
  EXPECT_EQ(status.header().gw_id(), "sim-gw-1");
  EXPECT_EQ(status.header().event_id(), 99u);
  EXPECT_EQ(status.header().time_ms_epoch(), 1764151200123u);
  EXPECT_EQ(status.version(), 1u);
  EXPECT_EQ(status.state(), gwapi::ON);
  ASSERT_EQ(status.configs_size(), 2);
  EXPECT_EQ(status.configs(0).sink_id(), "sink0");
  EXPECT_EQ(status.configs(1).sink_id(), "sink1");
  EXPECT_EQ(status.gw_model(), "wm-gateway-sim");
  EXPECT_FALSE(status.gw_version().empty());
  EXPECT_EQ(status.max_scratchpad_size(), 1024u);
  EXPECT_THAT(status.gw_features(),
              ElementsAre(gwapi::SCRATCHPAD_CHUNK_V1, gwapi::CONFIGURATION_DATA_V1,
                          gwapi::SINK_KEY_MANAGEMENT_V1));
}

TEST(GatewayStatusTest, OfflineStatusHasStateOffAndNoConfigs) {
  const wirepas::GenericMessage parsed =
      RoundTrip(BuildOfflineStatus("sim-gw-2", GatewayIdentity{}, 5, kNow));
  const gwapi::StatusEvent& status = parsed.wirepas().status_event();
  EXPECT_EQ(status.header().gw_id(), "sim-gw-2");
  EXPECT_EQ(status.version(), 1u);
  EXPECT_EQ(status.state(), gwapi::OFF);
  EXPECT_EQ(status.configs_size(), 0);
  EXPECT_EQ(status.gw_model(), "wm-gateway-sim");
}

TEST(GatewayStatusTest, GatewayInfoHasTimeApiVersionAndFeatures) {
  const gwapi::GatewayInfo info = BuildGatewayInfo(GatewayIdentity{}, kNow);
  ASSERT_TRUE(info.IsInitialized());
  EXPECT_EQ(info.current_time_s_epoch(), 1764151200u);
  EXPECT_EQ(info.implemented_api_version(), 2u);
  EXPECT_EQ(info.max_scratchpad_size(), 1024u);
  EXPECT_EQ(info.gw_features_size(), 3);
}

}  // namespace
}  // namespace wm::gateway_sim
