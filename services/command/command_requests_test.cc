#include "services/command/command_requests.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace wm::command {
namespace {

namespace gwapi = wirepas::gwapi;

// ---- fields every call has ----

TEST(CommonFieldsTest, RejectsMissingOrUnusableIds) {
  EXPECT_TRUE(CheckCommonFields("gw-1", "sink0", 0, "").ok());
  EXPECT_TRUE(CheckCommonFields("gw-1", std::nullopt, 0, "").ok());
  EXPECT_TRUE(absl::IsInvalidArgument(CheckCommonFields("", "sink0", 0, "")));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckCommonFields("gw/1", "sink0", 0, "")));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckCommonFields("gw+", "sink0", 0, "")));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckCommonFields("gw-1", "", 0, "")));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckCommonFields("gw-1", "sink#", 0, "")));
}

TEST(CommonFieldsTest, BoundsTimeoutAndClientRequestId) {
  EXPECT_TRUE(CheckCommonFields("gw", "s", kMaxTimeoutMs, std::string(128, 'x')).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(CheckCommonFields("gw", "s", kMaxTimeoutMs + 1, "")));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckCommonFields("gw", "s", 0, std::string(129, 'x'))));
}

// ---- set_config ----

TEST(ToSinkNewConfigTest, SendsFalsyValuesThePythonToolDropped) {
  wm::v1::SinkConfigChange change;
  change.set_started(false);
  change.set_channel_map(0);
  change.mutable_node_role()->set_dual_mcu_role(0x83);  // non-router, autorole
  absl::StatusOr<gwapi::SinkNewConfig> config = ToSinkNewConfig(change, "sink0", nullptr);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->sink_id(), "sink0");
  ASSERT_TRUE(config->has_sink_state());
  EXPECT_EQ(config->sink_state(), gwapi::OFF);
  ASSERT_TRUE(config->has_channel_map());
  EXPECT_EQ(config->channel_map(), 0u);
  EXPECT_EQ(config->node_role().role(), gwapi::NodeRole::NON_ROUTER);
  ASSERT_EQ(config->node_role().flags_size(), 1);
  EXPECT_EQ(config->node_role().flags(0), gwapi::NodeRole::AUTOROLE);
  // Fields not set stay absent: the gateway keeps their values.
  EXPECT_FALSE(config->has_node_address());
  EXPECT_FALSE(config->has_app_config());
  EXPECT_FALSE(config->has_keys());
}

TEST(ToSinkNewConfigTest, RoleFromBaseAndFlags) {
  wm::v1::SinkConfigChange change;
  change.mutable_node_role()->set_base(wm::v1::BASE_ROLE_SINK);
  change.mutable_node_role()->set_low_latency(true);
  absl::StatusOr<gwapi::SinkNewConfig> config = ToSinkNewConfig(change, "sink0", nullptr);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->node_role().role(), gwapi::NodeRole::SINK);
  ASSERT_EQ(config->node_role().flags_size(), 1);
  EXPECT_EQ(config->node_role().flags(0), gwapi::NodeRole::LOW_LATENCY);
}

TEST(ToSinkNewConfigTest, RejectsBadValues) {
  auto invalid = [](auto&& edit) {
    wm::v1::SinkConfigChange change;
    edit(change);
    return absl::IsInvalidArgument(ToSinkNewConfig(change, "sink0", nullptr).status());
  };
  EXPECT_TRUE(invalid([](auto&) {}));                            // nothing to change
  EXPECT_TRUE(invalid([](auto& c) { c.mutable_node_role(); }));  // no base role
  EXPECT_TRUE(invalid([](auto& c) { c.mutable_node_role()->set_dual_mcu_role(0x04); }));
  EXPECT_TRUE(invalid([](auto& c) { c.mutable_node_role()->set_dual_mcu_role(0x22); }));
  EXPECT_TRUE(invalid([](auto& c) { c.set_node_address(0); }));
  EXPECT_TRUE(invalid([](auto& c) { c.set_node_address(0xFFFFFFFF); }));
  EXPECT_TRUE(invalid([](auto& c) { c.set_network_address(0); }));
  EXPECT_TRUE(invalid([](auto& c) { c.set_network_address(0x1000000); }));
  EXPECT_TRUE(invalid([](auto& c) { c.set_network_channel(0); }));
  EXPECT_TRUE(invalid([](auto& c) {
    c.mutable_keys()->set_cipher(std::string(15, 'k'));
    c.mutable_keys()->set_authentication(std::string(16, 'k'));
  }));
  EXPECT_TRUE(invalid([](auto& c) {
    c.mutable_current_ac_range()->set_min_ms(4000);
    c.mutable_current_ac_range()->set_max_ms(2000);
  }));
  EXPECT_TRUE(invalid([](auto& c) {
    c.mutable_app_config()->set_seq(5);
    c.mutable_app_config()->set_diag_interval_s(45);
  }));
  EXPECT_TRUE(invalid([](auto& c) { c.mutable_app_config()->set_seq(255); }));
}

TEST(ToSinkNewConfigTest, ChecksAgainstWhatTheGatewayReported) {
  GatewayView gateway;
  gateway.status_seen = true;
  wm::v1::SinkConfig& sink = gateway.sinks.emplace_back();
  sink.set_sink_id("sink0");
  sink.set_app_config_max_size(4);
  sink.mutable_channel_limits()->set_min_channel(1);
  sink.mutable_channel_limits()->set_max_channel(40);

  wm::v1::SinkConfigChange change;
  change.set_network_channel(41);
  EXPECT_TRUE(absl::IsInvalidArgument(ToSinkNewConfig(change, "sink0", &gateway).status()));
  change.set_network_channel(40);
  EXPECT_TRUE(ToSinkNewConfig(change, "sink0", &gateway).ok());

  change.mutable_app_config()->set_seq(3);
  change.mutable_app_config()->set_data("12345");
  EXPECT_TRUE(absl::IsInvalidArgument(ToSinkNewConfig(change, "sink0", &gateway).status()));
  change.mutable_app_config()->set_data("1234");
  EXPECT_TRUE(ToSinkNewConfig(change, "sink0", &gateway).ok());

  // Security keys need the key management feature, which this gateway does not advertise.
  change.mutable_network_keys()->set_cipher(std::string(16, 'c'));
  change.mutable_network_keys()->set_authentication(std::string(16, 'a'));
  EXPECT_TRUE(absl::IsFailedPrecondition(ToSinkNewConfig(change, "sink0", &gateway).status()));
  gateway.features.push_back(wm::v1::GATEWAY_FEATURE_SINK_KEY_MANAGEMENT_V1);
  absl::StatusOr<gwapi::SinkNewConfig> config = ToSinkNewConfig(change, "sink0", &gateway);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->network_keys().cipher(), std::string(16, 'c'));
}

// ---- app config ----

TEST(AppConfigTest, SequenceWraps254To1) {
  EXPECT_EQ(NextAppConfigSeq(1), 2u);
  EXPECT_EQ(NextAppConfigSeq(253), 254u);
  EXPECT_EQ(NextAppConfigSeq(254), 1u);
  // A sink that never had an app config, or reports an out-of-range value.
  EXPECT_EQ(NextAppConfigSeq(0), 1u);
  EXPECT_EQ(NextAppConfigSeq(255), 1u);
}

TEST(AppConfigTest, DiagIntervalMustBeAnAllowedValue) {
  for (uint32_t allowed : {0, 30, 60, 120, 300, 600, 1800}) {
    EXPECT_TRUE(CheckAppConfig(allowed, "", 1, std::nullopt).ok()) << allowed;
  }
  for (uint32_t refused : {1, 29, 45, 1200, 3600}) {
    EXPECT_TRUE(absl::IsInvalidArgument(CheckAppConfig(refused, "", 1, std::nullopt))) << refused;
  }
}

TEST(AppConfigTest, SequenceAndSize) {
  EXPECT_TRUE(absl::IsInvalidArgument(CheckAppConfig(60, "", 0, std::nullopt)));
  EXPECT_TRUE(CheckAppConfig(60, "", 254, std::nullopt).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(CheckAppConfig(60, "", 255, std::nullopt)));
  EXPECT_TRUE(CheckAppConfig(60, std::string(80, 'x'), 1, 80).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(CheckAppConfig(60, std::string(81, 'x'), 1, 80)));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckAppConfig(60, std::string(256, 'x'), 1, std::nullopt)));
}

// ---- send_data ----

wm::v1::SendDataRequest GoodSend() {
  wm::v1::SendDataRequest request;
  request.set_gateway_id("gw");
  request.set_sink_id("sink0");
  request.set_destination_address(0xFFFFFFFF);
  request.set_source_endpoint(0);
  request.set_destination_endpoint(255);
  request.set_qos(1);
  request.set_payload(std::string(1500, 'p'));
  request.set_hop_limit(15);
  request.set_initial_delay_ms(250);
  request.set_unack_csma_ca(true);
  return request;
}

TEST(ToSendPacketReqTest, CarriesEveryField) {
  absl::StatusOr<gwapi::SendPacketReq> packet = ToSendPacketReq(GoodSend());
  ASSERT_TRUE(packet.ok()) << packet.status();
  EXPECT_EQ(packet->destination_address(), 0xFFFFFFFFu);
  EXPECT_EQ(packet->source_endpoint(), 0u);
  EXPECT_EQ(packet->destination_endpoint(), 255u);
  EXPECT_EQ(packet->qos(), 1u);
  EXPECT_EQ(packet->payload().size(), 1500u);
  EXPECT_EQ(packet->hop_limit(), 15u);
  EXPECT_EQ(packet->initial_delay_ms(), 250u);
  EXPECT_TRUE(packet->is_unack_csma_ca());
}

TEST(ToSendPacketReqTest, RejectsOutOfRange) {
  auto invalid = [](auto&& edit) {
    wm::v1::SendDataRequest request = GoodSend();
    edit(request);
    return absl::IsInvalidArgument(ToSendPacketReq(request).status());
  };
  EXPECT_TRUE(invalid([](auto& r) { r.set_source_endpoint(256); }));
  EXPECT_TRUE(invalid([](auto& r) { r.set_destination_endpoint(1000); }));
  // wm-gw-cli's default packet QoS of 2 is not a Wirepas QoS.
  EXPECT_TRUE(invalid([](auto& r) { r.set_qos(2); }));
  EXPECT_TRUE(invalid([](auto& r) { r.set_payload(std::string(1501, 'p')); }));
  EXPECT_TRUE(invalid([](auto& r) { r.set_hop_limit(16); }));
}

// ---- OTAP ----

TEST(ToWireTargetAndActionTest, ChecksActionSequenceCrcAndParam) {
  wm::v1::TargetScratchpadAndAction target;
  EXPECT_TRUE(absl::IsInvalidArgument(ToWireTargetAndAction(target).status()));  // UNKNOWN
  target.set_action(wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  EXPECT_TRUE(absl::IsInvalidArgument(ToWireTargetAndAction(target).status()));  // no delay
  target.set_delay(wm::v1::PROCESSING_DELAY_ONE_DAY);
  target.set_target_sequence(7);
  target.set_target_crc(0xBEEF);
  absl::StatusOr<gwapi::TargetScratchpadAndAction> wire = ToWireTargetAndAction(target);
  ASSERT_TRUE(wire.ok()) << wire.status();
  EXPECT_EQ(wire->action(), gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  EXPECT_EQ(wire->delay(), gwapi::ONE_DAY);
  EXPECT_EQ(wire->target_sequence(), 7u);
  EXPECT_EQ(wire->target_crc(), 0xBEEFu);

  target.set_target_sequence(0);
  EXPECT_TRUE(absl::IsInvalidArgument(ToWireTargetAndAction(target).status()));
  target.set_target_sequence(255);
  EXPECT_TRUE(absl::IsInvalidArgument(ToWireTargetAndAction(target).status()));
  target.set_target_sequence(7);
  target.set_target_crc(0x10000);
  EXPECT_TRUE(absl::IsInvalidArgument(ToWireTargetAndAction(target).status()));
  target.set_target_crc(1);
  target.set_raw(256);
  EXPECT_TRUE(absl::IsInvalidArgument(ToWireTargetAndAction(target).status()));
  target.set_delay(wm::v1::PROCESSING_DELAY_UNKNOWN);
  EXPECT_TRUE(absl::IsInvalidArgument(ToWireTargetAndAction(target).status()));
  target.set_action(static_cast<wm::v1::ScratchpadAction>(6));
  EXPECT_TRUE(absl::IsInvalidArgument(ToWireTargetAndAction(target).status()));
}

TEST(ScratchpadSeqTest, ZeroOnlyWhenClearing) {
  EXPECT_TRUE(absl::IsInvalidArgument(CheckScratchpadSeq(0, false)));
  EXPECT_TRUE(CheckScratchpadSeq(0, true).ok());
  EXPECT_TRUE(CheckScratchpadSeq(255, false).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(CheckScratchpadSeq(256, false)));
}

TEST(SplitScratchpadTest, WholeImageWhenTheGatewayGaveNoSmallerSize) {
  auto one = [](size_t total, std::optional<uint32_t> max) {
    std::vector<ScratchpadChunk> chunks = SplitScratchpad(total, max);
    return chunks.size() == 1 && chunks[0].offset == 0 && chunks[0].size == total;
  };
  EXPECT_TRUE(one(5000, std::nullopt));
  EXPECT_TRUE(one(1024, 1024));
  EXPECT_TRUE(one(0, 1024));  // the clear request
}

TEST(SplitScratchpadTest, ChunksCoverTheImageInOrder) {
  std::vector<ScratchpadChunk> chunks = SplitScratchpad(2500, 1024);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].offset, 0u);
  EXPECT_EQ(chunks[0].size, 1024u);
  EXPECT_EQ(chunks[1].offset, 1024u);
  EXPECT_EQ(chunks[1].size, 1024u);
  EXPECT_EQ(chunks[2].offset, 2048u);
  EXPECT_EQ(chunks[2].size, 452u);
  EXPECT_EQ(SplitScratchpad(2048, 1024).size(), 2u);
}

// ---- configuration data items ----

TEST(ConfigurationDataItemTest, EndpointPayloadAndFeature) {
  const std::string payload(80, 'x');
  const std::string too_long(81, 'x');
  EXPECT_TRUE(CheckConfigurationDataItem(65535, &payload, nullptr).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(CheckConfigurationDataItem(65536, nullptr, nullptr)));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckConfigurationDataItem(1, &too_long, nullptr)));
  GatewayView gateway;
  gateway.status_seen = true;
  EXPECT_TRUE(absl::IsFailedPrecondition(CheckConfigurationDataItem(1, nullptr, &gateway)));
  gateway.features.push_back(wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1);
  EXPECT_TRUE(CheckConfigurationDataItem(1, nullptr, &gateway).ok());
}

// ---- results ----

TEST(ToGatewayResultTest, KnownCodeIsTyped) {
  gwapi::ResponseHeader header;
  header.set_req_id(9);
  header.set_res(gwapi::INVALID_SEQUENCE_NUMBER);
  wm::v1::GatewayResult result;
  ToGatewayResult(header, &result);
  EXPECT_EQ(result.code(), wm::v1::GATEWAY_RESULT_INVALID_SEQUENCE_NUMBER);
  EXPECT_EQ(result.raw_code(), 17);
  EXPECT_EQ(result.name(), "INVALID_SEQUENCE_NUMBER");
  EXPECT_EQ(result.request_id(), 9u);
}

TEST(RefusedSetConfigFieldsTest, FieldsTheReadBackShowsWrittenAreNotBlamed) {
  gwapi::SinkNewConfig sent;
  sent.set_sink_id("sink0");
  sent.set_node_address(0xFFFFFFFE);
  sent.set_network_channel(7);
  sent.mutable_keys()->set_cipher("k");  // never INVALID_PARAM: not a candidate
  gwapi::SinkReadConfig read_back;
  read_back.set_node_address(1000);  // not written
  read_back.set_network_channel(7);  // written
  const std::vector<std::string> refused = RefusedSetConfigFields(sent, &read_back);
  EXPECT_EQ(refused, std::vector<std::string>{"config.node_address"});
  EXPECT_EQ(DescribeRefusedFields(refused), "the sink refused config.node_address");
}

TEST(RefusedSetConfigFieldsTest, WithoutAReadBackEveryCandidateInTheRequestIsNamed) {
  gwapi::SinkNewConfig sent;
  sent.set_network_address(0x1000000);
  sent.set_network_channel(41);
  sent.mutable_node_role()->set_role(gwapi::NodeRole::ROUTER);
  const std::vector<std::string> refused = RefusedSetConfigFields(sent, nullptr);
  EXPECT_EQ(refused, (std::vector<std::string>{"config.node_role", "config.network_address",
                                               "config.network_channel"}));
  EXPECT_EQ(DescribeRefusedFields(refused),
            "the sink refused one of config.node_role, config.network_address, "
            "config.network_channel");
  EXPECT_EQ(DescribeRefusedFields({}), "");
}

TEST(RefusedSetConfigFieldsTest, AnAppConfigReadBackPaddedWithZerosWasWritten) {
  gwapi::SinkNewConfig sent;
  gwapi::AppConfigData* app = sent.mutable_app_config();
  app->set_seq(4);
  app->set_diag_interval_s(60);
  app->set_app_config_data("\x01\x02");
  gwapi::SinkReadConfig read_back;
  *read_back.mutable_app_config() = *app;
  read_back.mutable_app_config()->set_app_config_data(std::string("\x01\x02") +
                                                      std::string(78, '\0'));
  EXPECT_TRUE(RefusedSetConfigFields(sent, &read_back).empty());
  // Other data, or the old sequence: not written.
  read_back.mutable_app_config()->set_app_config_data(std::string("\x01\x02\x03"));
  EXPECT_EQ(RefusedSetConfigFields(sent, &read_back),
            std::vector<std::string>{"config.app_config"});
  read_back.mutable_app_config()->set_app_config_data("\x01\x02");
  read_back.mutable_app_config()->set_seq(3);
  EXPECT_EQ(RefusedSetConfigFields(sent, &read_back),
            std::vector<std::string>{"config.app_config"});
}

TEST(DescribeUploadResultTest, SaysWhatTheSinkRefused) {
  EXPECT_NE(DescribeUploadResult(wm::v1::GATEWAY_RESULT_INVALID_SCRATCHPAD, 5000)
                .find("scratchpad header"),
            std::string::npos);
  EXPECT_NE(DescribeUploadResult(wm::v1::GATEWAY_RESULT_INVALID_DATA_PAYLOAD, 5000).find("CRC"),
            std::string::npos);
  EXPECT_NE(DescribeUploadResult(wm::v1::GATEWAY_RESULT_INVALID_PARAM, 90).find("90 bytes"),
            std::string::npos);
  EXPECT_EQ(DescribeUploadResult(wm::v1::GATEWAY_RESULT_OK, 5000), "");
}

TEST(DescribeTargetResultTest, ADelayActionMentionsTheDelaysASinkRefuses) {
  gwapi::TargetScratchpadAndAction target;
  target.set_action(gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  EXPECT_NE(DescribeTargetResult(wm::v1::GATEWAY_RESULT_INVALID_PARAM, target)
                .find("the very delay it already has"),
            std::string::npos);
  target.set_action(gwapi::PROPAGATE_ONLY);
  const std::string other = DescribeTargetResult(wm::v1::GATEWAY_RESULT_INVALID_PARAM, target);
  EXPECT_NE(other.find("target sequence of 0"), std::string::npos);
  EXPECT_EQ(other.find("delay"), std::string::npos);
  EXPECT_EQ(DescribeTargetResult(wm::v1::GATEWAY_RESULT_OK, target), "");
}

TEST(ToGatewayResultTest, CodeUnknownToThisBuildIsReportedRaw) {
  // A newer gateway's code 42: the proto2 parser keeps it among the unknown fields.
  gwapi::ResponseHeader sent;
  sent.set_req_id(9);
  sent.set_gw_id("gw");
  sent.mutable_unknown_fields()->AddVarint(gwapi::ResponseHeader::kResFieldNumber, 42);
  gwapi::ResponseHeader header;
  ASSERT_TRUE(header.ParsePartialFromString(sent.SerializePartialAsString()));
  wm::v1::GatewayResult result;
  ToGatewayResult(header, &result);
  EXPECT_EQ(result.code(), wm::v1::GATEWAY_RESULT_UNKNOWN);
  EXPECT_EQ(result.raw_code(), 42);
  EXPECT_EQ(result.name(), "UNKNOWN(42)");
}

TEST(ToScratchpadStatusResponseTest, CopiesWhatTheGatewayReported) {
  gwapi::GetScratchpadStatusResp in;
  in.mutable_stored_scratchpad()->set_len(1000);
  in.mutable_stored_scratchpad()->set_crc(0x1234);
  in.mutable_stored_scratchpad()->set_seq(7);
  in.set_stored_status(gwapi::NEW);
  in.set_stored_type(gwapi::PRESENT);
  in.set_firmware_area_id(0x10);
  in.mutable_target_and_action()->set_action(gwapi::PROPAGATE_ONLY);
  wm::v1::GetScratchpadStatusResponse out;
  ToScratchpadStatusResponse(in, &out);
  EXPECT_EQ(out.stored_scratchpad().len(), 1000u);
  EXPECT_EQ(out.stored_scratchpad().seq(), 7u);
  EXPECT_EQ(out.stored_status(), wm::v1::SCRATCHPAD_STATUS_NEW);
  EXPECT_EQ(out.stored_type(), wm::v1::SCRATCHPAD_TYPE_PRESENT);
  EXPECT_FALSE(out.has_processed_scratchpad());
  EXPECT_EQ(out.firmware_area_id(), 0x10u);
  EXPECT_EQ(out.target_and_action().action(), wm::v1::SCRATCHPAD_ACTION_PROPAGATE_ONLY);
}

TEST(RequestFingerprintTest, IgnoresTheTimeoutOnly) {
  wm::v1::SendDataRequest a = GoodSend();
  wm::v1::SendDataRequest b = a;
  b.set_timeout_ms(5000);
  EXPECT_EQ(RequestFingerprint("SendData", a), RequestFingerprint("SendData", b));
  b.set_payload("other");
  EXPECT_NE(RequestFingerprint("SendData", a), RequestFingerprint("SendData", b));
  EXPECT_NE(RequestFingerprint("SendData", a), RequestFingerprint("Other", a));
  EXPECT_NE(RequestFingerprint("Upload", a, "image-1"), RequestFingerprint("Upload", a, "image-2"));
}

TEST(NewGatewayRequestTest, EveryMethodHasAHeader) {
  for (int i = 0; i < wirepas::kMethodCount; ++i) {
    const auto method = static_cast<wirepas::Method>(i);
    wirepas::GenericMessage message = NewGatewayRequest(method);
    EXPECT_EQ(wirepas::PayloadKindOf(message), wirepas::RequestKindOf(method)) << i;
    EXPECT_NE(wirepas::RequestHeaderOf(message), nullptr) << i;
  }
}

}  // namespace
}  // namespace wm::command
