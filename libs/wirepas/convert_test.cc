#include "libs/wirepas/convert.h"

#include <cctype>
#include <cstdint>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace wm::wirepas {
namespace {

using google::protobuf::util::MessageDifferencer;

gwapi::SinkReadConfig FullSinkReadConfig() {
  gwapi::SinkReadConfig config;
  config.set_sink_id("sink3");
  config.mutable_node_role()->set_role(gwapi::NodeRole::SINK);
  config.mutable_node_role()->add_flags(gwapi::NodeRole::LOW_LATENCY);
  config.mutable_node_role()->add_flags(gwapi::NodeRole::AUTOROLE);
  config.set_node_address(0x123456);
  config.set_network_address(0xA1B2C3);
  config.set_network_channel(13);
  config.mutable_app_config()->set_diag_interval_s(60);
  config.mutable_app_config()->set_app_config_data("cfg");
  config.mutable_app_config()->set_seq(7);
  config.set_channel_map(0xF0);
  config.set_are_keys_set(true);
  config.mutable_current_ac_range()->set_min_ms(2000);
  config.mutable_current_ac_range()->set_max_ms(8000);
  config.mutable_ac_limits()->set_min_ms(1000);
  config.mutable_ac_limits()->set_max_ms(16000);
  config.set_max_mtu(102);
  config.mutable_channel_limits()->set_min_channel(1);
  config.mutable_channel_limits()->set_max_channel(40);
  config.set_hw_magic(5);
  config.set_stack_profile(1);
  config.set_app_config_max_size(80);
  config.mutable_firmware_version()->set_major(5);
  config.mutable_firmware_version()->set_minor(4);
  config.mutable_firmware_version()->set_maint(3);
  config.mutable_firmware_version()->set_dev(2);
  config.set_sink_state(gwapi::ON);
  config.mutable_stored_scratchpad()->set_len(1000);
  config.mutable_stored_scratchpad()->set_crc(0xBEEF);
  config.mutable_stored_scratchpad()->set_seq(9);
  config.set_stored_status(gwapi::NEW);
  config.set_stored_type(gwapi::PROCESS);
  config.mutable_processed_scratchpad()->set_len(900);
  config.mutable_processed_scratchpad()->set_crc(0xCAFE);
  config.mutable_processed_scratchpad()->set_seq(8);
  config.set_firmware_area_id(0x12);
  gwapi::TargetScratchpadAndAction* target = config.mutable_target_and_action();
  target->set_action(gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  target->set_target_sequence(10);
  target->set_target_crc(0x1234);
  target->set_delay(gwapi::TWO_DAYS);
  gwapi::ConfigurationDataItem* item = config.add_configuration_data_content();
  item->set_endpoint(0xFFFF);
  item->set_payload("cdd");
  config.add_configuration_data_content()->set_endpoint(1);
  return config;
}

TEST(ToSinkConfigTest, EveryField) {
  wm::v1::SinkConfig out;
  ToSinkConfig(FullSinkReadConfig(), &out);

  EXPECT_EQ(out.sink_id(), "sink3");
  ASSERT_TRUE(out.has_node_role());
  EXPECT_EQ(out.node_role().base(), wm::v1::BASE_ROLE_SINK);
  EXPECT_TRUE(out.node_role().low_latency());
  EXPECT_TRUE(out.node_role().autorole());
  EXPECT_EQ(out.node_role().dual_mcu_role(), 0x01u | 0x10u | 0x80u);
  ASSERT_TRUE(out.has_node_address());
  EXPECT_EQ(out.node_address(), 0x123456u);
  ASSERT_TRUE(out.has_network_address());
  EXPECT_EQ(out.network_address(), 0xA1B2C3u);
  ASSERT_TRUE(out.has_network_channel());
  EXPECT_EQ(out.network_channel(), 13u);
  ASSERT_TRUE(out.has_app_config());
  EXPECT_EQ(out.app_config().diag_interval_s(), 60u);
  EXPECT_EQ(out.app_config().data(), "cfg");
  EXPECT_EQ(out.app_config().seq(), 7u);
  ASSERT_TRUE(out.has_channel_map());
  EXPECT_EQ(out.channel_map(), 0xF0u);
  ASSERT_TRUE(out.has_are_keys_set());
  EXPECT_TRUE(out.are_keys_set());
  ASSERT_TRUE(out.has_current_ac_range());
  EXPECT_EQ(out.current_ac_range().min_ms(), 2000u);
  EXPECT_EQ(out.current_ac_range().max_ms(), 8000u);
  ASSERT_TRUE(out.has_ac_limits());
  EXPECT_EQ(out.ac_limits().min_ms(), 1000u);
  EXPECT_EQ(out.ac_limits().max_ms(), 16000u);
  ASSERT_TRUE(out.has_max_mtu());
  EXPECT_EQ(out.max_mtu(), 102u);
  ASSERT_TRUE(out.has_channel_limits());
  EXPECT_EQ(out.channel_limits().min_channel(), 1u);
  EXPECT_EQ(out.channel_limits().max_channel(), 40u);
  ASSERT_TRUE(out.has_hw_magic());
  EXPECT_EQ(out.hw_magic(), 5u);
  ASSERT_TRUE(out.has_stack_profile());
  EXPECT_EQ(out.stack_profile(), 1u);
  ASSERT_TRUE(out.has_app_config_max_size());
  EXPECT_EQ(out.app_config_max_size(), 80u);
  ASSERT_TRUE(out.has_firmware_version());
  EXPECT_EQ(out.firmware_version().major(), 5u);
  EXPECT_EQ(out.firmware_version().minor(), 4u);
  EXPECT_EQ(out.firmware_version().maint(), 3u);
  EXPECT_EQ(out.firmware_version().dev(), 2u);
  ASSERT_TRUE(out.has_started());
  EXPECT_TRUE(out.started());
  ASSERT_TRUE(out.has_stored_scratchpad());
  EXPECT_EQ(out.stored_scratchpad().len(), 1000u);
  EXPECT_EQ(out.stored_scratchpad().crc(), 0xBEEFu);
  EXPECT_EQ(out.stored_scratchpad().seq(), 9u);
  ASSERT_TRUE(out.has_stored_status());
  EXPECT_EQ(out.stored_status(), wm::v1::SCRATCHPAD_STATUS_NEW);
  ASSERT_TRUE(out.has_stored_type());
  EXPECT_EQ(out.stored_type(), wm::v1::SCRATCHPAD_TYPE_PROCESS);
  ASSERT_TRUE(out.has_processed_scratchpad());
  EXPECT_EQ(out.processed_scratchpad().len(), 900u);
  EXPECT_EQ(out.processed_scratchpad().crc(), 0xCAFEu);
  EXPECT_EQ(out.processed_scratchpad().seq(), 8u);
  ASSERT_TRUE(out.has_firmware_area_id());
  EXPECT_EQ(out.firmware_area_id(), 0x12u);
  ASSERT_TRUE(out.has_target_and_action());
  EXPECT_EQ(out.target_and_action().action(),
            wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  ASSERT_TRUE(out.target_and_action().has_target_sequence());
  EXPECT_EQ(out.target_and_action().target_sequence(), 10u);
  ASSERT_TRUE(out.target_and_action().has_target_crc());
  EXPECT_EQ(out.target_and_action().target_crc(), 0x1234u);
  ASSERT_EQ(out.target_and_action().param_case(), wm::v1::TargetScratchpadAndAction::kDelay);
  EXPECT_EQ(out.target_and_action().delay(), wm::v1::PROCESSING_DELAY_TWO_DAYS);
  ASSERT_EQ(out.configuration_data_content_size(), 2);
  EXPECT_EQ(out.configuration_data_content(0).endpoint(), 0xFFFFu);
  EXPECT_EQ(out.configuration_data_content(0).payload(), "cdd");
  EXPECT_EQ(out.configuration_data_content(1).endpoint(), 1u);
  EXPECT_EQ(out.configuration_data_content(1).payload(), "");

  // Every public field is covered by the assertions above: a field added to SinkConfig later
  // must be added to the conversion and to this test.
  EXPECT_EQ(wm::v1::SinkConfig::descriptor()->field_count(), 24);
}

TEST(ToSinkConfigTest, AbsentStaysAbsent) {
  gwapi::SinkReadConfig config;
  config.set_sink_id("sink0");
  wm::v1::SinkConfig out;
  ToSinkConfig(config, &out);
  wm::v1::SinkConfig expected;
  expected.set_sink_id("sink0");
  EXPECT_TRUE(MessageDifferencer::Equals(out, expected)) << out.DebugString();
  EXPECT_FALSE(out.has_node_address());
  EXPECT_FALSE(out.has_network_address());
  EXPECT_FALSE(out.has_started());
  EXPECT_FALSE(out.has_are_keys_set());
  EXPECT_FALSE(out.has_target_and_action());
}

TEST(ToSinkConfigTest, ZeroValuesAreKeptAsPresent) {
  gwapi::SinkReadConfig config;
  config.set_sink_id("sink0");
  config.set_node_address(0);
  config.set_network_channel(0);
  config.set_are_keys_set(false);
  config.set_sink_state(gwapi::OFF);
  config.mutable_target_and_action()->set_action(gwapi::NO_OTAP);
  config.mutable_target_and_action()->set_raw(0);
  wm::v1::SinkConfig out;
  ToSinkConfig(config, &out);
  ASSERT_TRUE(out.has_node_address());
  EXPECT_EQ(out.node_address(), 0u);
  ASSERT_TRUE(out.has_network_channel());
  ASSERT_TRUE(out.has_are_keys_set());
  EXPECT_FALSE(out.are_keys_set());
  ASSERT_TRUE(out.has_started());
  EXPECT_FALSE(out.started());
  EXPECT_FALSE(out.has_network_address());
  EXPECT_FALSE(out.target_and_action().has_target_sequence());
  EXPECT_FALSE(out.target_and_action().has_target_crc());
  EXPECT_EQ(out.target_and_action().param_case(), wm::v1::TargetScratchpadAndAction::kRaw);
  EXPECT_EQ(out.target_and_action().raw(), 0u);
}

TEST(ToSinkConfigTest, RoleBytes) {
  const struct {
    gwapi::NodeRole::BaseRole base;
    bool low_latency;
    bool autorole;
    uint32_t dual_mcu;
  } cases[] = {
      {gwapi::NodeRole::SINK, false, false, 0x01},
      {gwapi::NodeRole::ROUTER, true, false, 0x12},
      {gwapi::NodeRole::NON_ROUTER, false, true, 0x83},
      {gwapi::NodeRole::ROUTER, true, true, 0x92},
  };
  for (const auto& c : cases) {
    gwapi::SinkReadConfig config;
    config.set_sink_id("s");
    config.mutable_node_role()->set_role(c.base);
    if (c.low_latency) config.mutable_node_role()->add_flags(gwapi::NodeRole::LOW_LATENCY);
    if (c.autorole) config.mutable_node_role()->add_flags(gwapi::NodeRole::AUTOROLE);
    wm::v1::SinkConfig out;
    ToSinkConfig(config, &out);
    EXPECT_EQ(out.node_role().dual_mcu_role(), c.dual_mcu);
    EXPECT_EQ(static_cast<int>(out.node_role().base()), static_cast<int>(c.base));
    EXPECT_EQ(out.node_role().low_latency(), c.low_latency);
    EXPECT_EQ(out.node_role().autorole(), c.autorole);
  }
}

TEST(ToSinkConfigTest, OverwritesAReusedMessage) {
  wm::v1::SinkConfig out;
  ToSinkConfig(FullSinkReadConfig(), &out);
  gwapi::SinkReadConfig small;
  small.set_sink_id("sink1");
  ToSinkConfig(small, &out);
  EXPECT_EQ(out.ByteSizeLong(), 7u);  // only sink_id "sink1"
}

gwapi::GatewayInfo FullGatewayInfo() {
  gwapi::GatewayInfo info;
  info.set_current_time_s_epoch(1700000000);
  info.set_gw_model("model-x");
  info.set_gw_version("1.6.0");
  info.set_implemented_api_version(2);
  info.set_max_scratchpad_size(1024);
  info.add_gw_features(gwapi::SCRATCHPAD_CHUNK_V1);
  info.add_gw_features(gwapi::VIRTUAL_NODE_V1);
  return info;
}

TEST(ToGatewayInfoTest, EveryField) {
  wm::v1::GatewayInfo out;
  ToGatewayInfo(FullGatewayInfo(), &out);
  EXPECT_EQ(out.current_time_s_epoch(), 1700000000u);
  EXPECT_EQ(out.model(), "model-x");
  EXPECT_EQ(out.version(), "1.6.0");
  EXPECT_EQ(out.implemented_api_version(), 2u);
  ASSERT_TRUE(out.has_max_scratchpad_size());
  EXPECT_EQ(out.max_scratchpad_size(), 1024u);
  ASSERT_EQ(out.features_size(), 2);
  EXPECT_EQ(out.features(0), wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1);
  EXPECT_EQ(out.features(1), wm::v1::GATEWAY_FEATURE_VIRTUAL_NODE_V1);

  gwapi::GatewayInfo bare;
  bare.set_current_time_s_epoch(1);
  ToGatewayInfo(bare, &out);
  EXPECT_FALSE(out.has_max_scratchpad_size());
  EXPECT_EQ(out.features_size(), 0);
  EXPECT_EQ(out.model(), "");
}

TEST(ToGatewayStatusTest, EveryFieldAndRetainedLeftAlone) {
  gwapi::StatusEvent status;
  status.mutable_header()->set_gw_id("gw");
  status.mutable_header()->set_event_id(1);
  status.set_version(1);
  status.set_state(gwapi::ON);
  *status.add_configs() = FullSinkReadConfig();
  status.add_configs()->set_sink_id("sink9");
  status.set_gw_model("m");
  status.set_gw_version("v");
  status.set_max_scratchpad_size(512);
  status.add_gw_features(gwapi::CONFIGURATION_DATA_V1);

  wm::v1::GatewayStatus out;
  out.set_retained(true);
  ToGatewayStatus(status, &out);
  EXPECT_EQ(out.state(), wm::v1::GATEWAY_STATE_ONLINE);
  EXPECT_EQ(out.version(), 1u);
  ASSERT_EQ(out.configs_size(), 2);
  wm::v1::SinkConfig expected;
  ToSinkConfig(FullSinkReadConfig(), &expected);
  EXPECT_TRUE(MessageDifferencer::Equals(out.configs(0), expected));
  EXPECT_EQ(out.configs(1).sink_id(), "sink9");
  EXPECT_EQ(out.model(), "m");
  EXPECT_EQ(out.firmware(), "v");
  ASSERT_TRUE(out.has_max_scratchpad_size());
  EXPECT_EQ(out.max_scratchpad_size(), 512u);
  ASSERT_EQ(out.features_size(), 1);
  EXPECT_EQ(out.features(0), wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1);
  EXPECT_TRUE(out.retained());

  // The last will: OFF, no configs. A reused message must not keep the previous configs.
  gwapi::StatusEvent offline;
  offline.set_state(gwapi::OFF);
  ToGatewayStatus(offline, &out);
  EXPECT_EQ(out.state(), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_EQ(out.configs_size(), 0);
  EXPECT_FALSE(out.has_max_scratchpad_size());
  EXPECT_EQ(out.features_size(), 0);

  gwapi::StatusEvent unknown_state;  // state absent or unknown to this build
  ToGatewayStatus(unknown_state, &out);
  EXPECT_EQ(out.state(), wm::v1::GATEWAY_STATE_UNSPECIFIED);
}

gwapi::PacketReceivedEvent FullPacket() {
  gwapi::PacketReceivedEvent event;
  event.mutable_header()->set_gw_id("gw");
  event.mutable_header()->set_sink_id("sink0");
  event.mutable_header()->set_event_id(99);
  event.mutable_header()->set_time_ms_epoch(1700000000500ull);
  event.set_source_address(0xABCDEF);
  event.set_destination_address(1);
  event.set_source_endpoint(253);
  event.set_destination_endpoint(255);
  event.set_travel_time_ms(250);
  event.set_rx_time_ms_epoch(1700000000000ull);
  event.set_qos(1);
  event.set_payload("hello");
  event.set_payload_size(999);  // ignored when the payload is present
  event.set_hop_count(3);
  event.set_network_address(0x112233);
  return event;
}

TEST(ToPacketReceivedTest, EveryField) {
  wm::v1::PacketReceived out;
  ToPacketReceived(FullPacket(), 0x445566, &out);
  EXPECT_EQ(out.network_address(), 0x112233u);  // the message wins over the topic
  EXPECT_EQ(out.source_address(), 0xABCDEFu);
  EXPECT_EQ(out.destination_address(), 1u);
  EXPECT_EQ(out.source_endpoint(), 253u);
  EXPECT_EQ(out.destination_endpoint(), 255u);
  EXPECT_EQ(out.travel_time_ms(), 250u);
  EXPECT_EQ(out.rx_time_ms_epoch(), 1700000000000ull);
  EXPECT_EQ(out.tx_time_ms_epoch(), 1700000000000ull - 250);
  EXPECT_EQ(out.qos(), 1u);
  EXPECT_EQ(out.hop_count(), 3u);
  EXPECT_EQ(out.payload(), "hello");
  EXPECT_EQ(out.payload_size(), 5u);
}

TEST(ToPacketReceivedTest, NetworkFallsBackToTheTopic) {
  gwapi::PacketReceivedEvent event = FullPacket();
  event.clear_network_address();
  wm::v1::PacketReceived out;
  ToPacketReceived(event, 0x445566, &out);
  EXPECT_EQ(out.network_address(), 0x445566u);
  ToPacketReceived(event, std::nullopt, &out);  // topic said "None"
  EXPECT_EQ(out.network_address(), 0u);
}

TEST(ToPacketReceivedTest, TxTimeNeverUnderflows) {
  gwapi::PacketReceivedEvent event = FullPacket();
  event.set_rx_time_ms_epoch(100);
  event.set_travel_time_ms(250);
  wm::v1::PacketReceived out;
  ToPacketReceived(event, std::nullopt, &out);
  EXPECT_EQ(out.tx_time_ms_epoch(), 0u);
  event.set_travel_time_ms(100);
  ToPacketReceived(event, std::nullopt, &out);
  EXPECT_EQ(out.tx_time_ms_epoch(), 0u);
}

TEST(ToPacketReceivedTest, WhitenedPayloadKeepsItsSizeOnly) {
  gwapi::PacketReceivedEvent event = FullPacket();
  event.clear_payload();
  event.set_payload_size(42);
  wm::v1::PacketReceived out;
  out.set_payload("stale");
  out.mutable_decoded();  // the caller's: left alone
  ToPacketReceived(event, std::nullopt, &out);
  EXPECT_EQ(out.payload(), "");
  EXPECT_EQ(out.payload_size(), 42u);
  EXPECT_TRUE(out.has_decoded());

  event.set_payload("");  // present but empty: its length is the size
  ToPacketReceived(event, std::nullopt, &out);
  EXPECT_EQ(out.payload_size(), 0u);
}

TEST(ToDownlinkTest, EveryField) {
  gwapi::SendPacketReq request;
  request.mutable_header()->set_req_id(0xFEDCBA9876543210ull);
  request.set_destination_address(0xFFFFFFFFu);
  request.set_source_endpoint(10);
  request.set_destination_endpoint(20);
  request.set_qos(1);
  request.set_payload("data");
  request.set_initial_delay_ms(500);
  request.set_is_unack_csma_ca(true);
  request.set_hop_limit(7);
  wm::v1::Downlink out;
  ToDownlink(request, &out);
  EXPECT_EQ(out.request_id(), 0xFEDCBA9876543210ull);
  EXPECT_EQ(out.destination_address(), 0xFFFFFFFFu);
  EXPECT_EQ(out.source_endpoint(), 10u);
  EXPECT_EQ(out.destination_endpoint(), 20u);
  EXPECT_EQ(out.qos(), 1u);
  EXPECT_EQ(out.payload(), "data");
  EXPECT_EQ(out.initial_delay_ms(), 500u);
  EXPECT_TRUE(out.unack_csma_ca());
  EXPECT_EQ(out.hop_limit(), 7u);
}

TEST(ToEventEnvelopeTest, HeaderFields) {
  wm::v1::Event event;
  event.set_sequence(5);
  event.set_sink_id("stale");
  gwapi::EventHeader header = FullPacket().header();
  ToEventEnvelope(header, &event);
  EXPECT_EQ(event.gateway_id(), "gw");
  EXPECT_EQ(event.sink_id(), "sink0");
  EXPECT_EQ(event.event_id(), 99u);
  EXPECT_EQ(event.gateway_time_ms_epoch(), 1700000000500ull);
  EXPECT_EQ(event.sequence(), 5u);
  header.clear_sink_id();
  ToEventEnvelope(header, &event);
  EXPECT_EQ(event.sink_id(), "");
}

TEST(ToGatewayResponseTest, GetConfigs) {
  GenericMessage message;
  gwapi::GetConfigsResp* resp = message.mutable_wirepas()->mutable_get_configs_resp();
  resp->mutable_header()->set_req_id(0);  // unsolicited
  resp->mutable_header()->set_gw_id("gw");
  resp->mutable_header()->set_res(gwapi::OK);
  *resp->add_configs() = FullSinkReadConfig();
  resp->add_configs()->set_sink_id("sink1");
  wm::v1::GatewayResponse out;
  out.set_raw_message("raw");
  ASSERT_TRUE(ToGatewayResponse(message, &out).ok());
  EXPECT_EQ(out.method(), wm::v1::GATEWAY_METHOD_GET_CONFIGS);
  EXPECT_EQ(out.request_id(), 0u);
  EXPECT_EQ(out.result(), 0);
  EXPECT_EQ(out.result_name(), "OK");
  ASSERT_EQ(out.configs_size(), 2);
  EXPECT_EQ(out.configs(0).network_address(), 0xA1B2C3u);
  EXPECT_EQ(out.configs(1).sink_id(), "sink1");
  EXPECT_FALSE(out.has_gateway_info());
  EXPECT_EQ(out.raw_message(), "raw");
}

TEST(ToGatewayResponseTest, SetConfigCarriesTheNewConfig) {
  GenericMessage message;
  gwapi::SetConfigResp* resp = message.mutable_wirepas()->mutable_set_config_resp();
  resp->mutable_header()->set_req_id(77);
  resp->mutable_header()->set_res(gwapi::INVALID_SINK_STATE);
  resp->mutable_config()->set_sink_id("sink2");
  wm::v1::GatewayResponse out;
  ASSERT_TRUE(ToGatewayResponse(message, &out).ok());
  EXPECT_EQ(out.method(), wm::v1::GATEWAY_METHOD_SET_CONFIG);
  EXPECT_EQ(out.request_id(), 77u);
  EXPECT_EQ(out.result(), 9);
  EXPECT_EQ(out.result_name(), "INVALID_SINK_STATE");
  ASSERT_EQ(out.configs_size(), 1);
  EXPECT_EQ(out.configs(0).sink_id(), "sink2");
}

TEST(ToGatewayResponseTest, GetGwInfoAndReuse) {
  GenericMessage message;
  gwapi::GetGwInfoResp* resp = message.mutable_wirepas()->mutable_get_gateway_info_resp();
  resp->mutable_header()->set_req_id(3);
  resp->mutable_header()->set_res(gwapi::OK);
  *resp->mutable_info() = FullGatewayInfo();
  wm::v1::GatewayResponse out;
  out.add_configs()->set_sink_id("stale");
  ASSERT_TRUE(ToGatewayResponse(message, &out).ok());
  EXPECT_EQ(out.method(), wm::v1::GATEWAY_METHOD_GET_GW_INFO);
  EXPECT_EQ(out.configs_size(), 0);
  ASSERT_TRUE(out.has_gateway_info());
  EXPECT_EQ(out.gateway_info().model(), "model-x");
  EXPECT_EQ(out.gateway_info().max_scratchpad_size(), 1024u);

  GenericMessage send;
  send.mutable_wirepas()->mutable_send_packet_resp()->mutable_header()->set_req_id(4);
  send.mutable_wirepas()->mutable_send_packet_resp()->mutable_header()->set_res(
      gwapi::SINK_OUT_OF_MEMORY);
  ASSERT_TRUE(ToGatewayResponse(send, &out).ok());
  EXPECT_EQ(out.method(), wm::v1::GATEWAY_METHOD_SEND_DATA);
  EXPECT_FALSE(out.has_gateway_info());
  EXPECT_EQ(out.result_name(), "SINK_OUT_OF_MEMORY");
}

TEST(ToGatewayResponseTest, UnknownResultCodeIsKeptRaw) {
  // get_gw_info response {header {req_id 1, gw_id "g", res 42}}, written by hand because
  // this build cannot set an ErrorCode it does not know.
  const std::string bytes("\x0A\x0C\x82\x01\x09\x0A\x07\x08\x01\x12\x01g\x20\x2A", 14);
  auto message = ParseGenericMessage(bytes);
  ASSERT_TRUE(message.ok()) << message.status();
  wm::v1::GatewayResponse out;
  ASSERT_TRUE(ToGatewayResponse(*message, &out).ok());
  EXPECT_EQ(out.method(), wm::v1::GATEWAY_METHOD_GET_GW_INFO);
  EXPECT_EQ(out.result(), 42);
  EXPECT_EQ(out.result_name(), "UNKNOWN(42)");
  EXPECT_FALSE(out.has_gateway_info());
}

TEST(ToGatewayResponseTest, RejectsNonResponses) {
  GenericMessage message;
  *message.mutable_wirepas()->mutable_packet_received_event() = FullPacket();
  wm::v1::GatewayResponse out;
  const absl::Status status = ToGatewayResponse(message, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("packet_received_event"), absl::string_view::npos);

  GenericMessage headerless;
  headerless.mutable_wirepas()->mutable_upload_scratchpad_resp();
  const absl::Status no_header = ToGatewayResponse(headerless, &out);
  EXPECT_EQ(no_header.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_header.message().find("no header"), absl::string_view::npos);
}

TEST(GatewayMethodTest, EveryMethodHasItsOwnPublicMethod) {
  std::set<wm::v1::GatewayMethod> seen;
  for (int i = 0; i < kMethodCount; ++i) {
    const Method method = static_cast<Method>(i);
    const wm::v1::GatewayMethod public_method = ToGatewayMethod(method);
    EXPECT_NE(public_method, wm::v1::GATEWAY_METHOD_UNSPECIFIED);
    EXPECT_TRUE(seen.insert(public_method).second) << MethodName(method);
    // The public names follow the topic names: GATEWAY_METHOD_<NAME IN CAPITALS>.
    std::string name(MethodName(method));
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(wm::v1::GatewayMethod_Name(public_method), "GATEWAY_METHOD_" + name);
  }
}

}  // namespace
}  // namespace wm::wirepas
