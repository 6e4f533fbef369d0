// Wire-format tests of the gateway API protos: every expected byte string below is written from
// the field numbers and wire types of docs/gateway-api.md "The wire protobuf files", not produced
// by protobuf, so a wrong number, type or label in a .proto file shows up as a byte mismatch.
#include <cstdint>
#include <string>
#include <string_view>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "protos/wirepas/generic_message.pb.h"
#include "protos/wirepas/wire_bytes.h"

namespace wirepas::proto::gateway_api {
namespace {

using google::protobuf::util::MessageDifferencer;

using wm::wirepas::testing::kLenWireType;
using wm::wirepas::testing::L;
using wm::wirepas::testing::Tag;
using wm::wirepas::testing::V;
using wm::wirepas::testing::Varint;

// Serializes `message`, compares with `expected`, parses the bytes back and compares again.
template <typename M>
void ExpectWire(const M& message, const std::string& expected) {
  ASSERT_TRUE(message.IsInitialized()) << message.InitializationErrorString();
  EXPECT_EQ(message.SerializeAsString(), expected);
  M parsed;
  ASSERT_TRUE(parsed.ParseFromString(expected));
  EXPECT_TRUE(MessageDifferencer::Equals(parsed, message)) << parsed.DebugString();
}

TEST(WireTest, HandWrittenHelpersMatchKnownBytes) {
  // Sanity of the helpers themselves: 300 = 0xAC 0x02; field 1 string "hi" = 0a 02 68 69.
  EXPECT_EQ(Varint(300), std::string("\xAC\x02", 2));
  EXPECT_EQ(L(1, "hi"), std::string("\x0A\x02hi", 4));
  EXPECT_EQ(V(2, 1), std::string("\x10\x01", 2));
}

TEST(WireTest, ResponseHeaderWithUnknownErrorCodeIsTenByteVarint) {
  ResponseHeader header;
  header.set_req_id(1);
  header.set_gw_id("gw");
  header.set_res(UNKNOWN_ERROR_CODE);
  const std::string expected(
      "\x08\x01"                                       // 1 req_id = 1
      "\x12\x02gw"                                     // 2 gw_id
      "\x20\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01",  // 4 res = -1
      17);
  ExpectWire(header, expected);
  EXPECT_EQ(expected.size() - 6, 11u);  // tag + 10-byte varint
}

TEST(WireTest, ResponseHeaderDefaultsToUnknownErrorCode) {
  ResponseHeader header;
  EXPECT_FALSE(header.has_res());
  EXPECT_EQ(header.res(), UNKNOWN_ERROR_CODE);
}

TEST(WireTest, ErrorCodeValuesAndAlias) {
  EXPECT_EQ(OK, 0);
  EXPECT_EQ(INTERNAL_ERROR, 1);
  EXPECT_EQ(INVALID_SINK_ID, 2);
  EXPECT_EQ(INVALID_SRC_ENDPOINT, 12);
  EXPECT_EQ(INVLAID_SEQUENCE_NUMBER, 17);
  EXPECT_EQ(INVALID_SEQUENCE_NUMBER, 17);
  EXPECT_EQ(INVALID_MAX_HOP_COUNT, 25);
  EXPECT_EQ(SINK_OUT_OF_MEMORY, 26);
  EXPECT_EQ(SINK_TIMEOUT, 27);
  EXPECT_EQ(INVALID_SCRATCHPAD_CHUNK_OFFSET, 28);
  EXPECT_EQ(INVALID_SCRATCHPAD_CHUNK_SIZE, 29);
  ErrorCode code;
  ASSERT_TRUE(ErrorCode_Parse("INVALID_SEQUENCE_NUMBER", &code));
  EXPECT_EQ(code, 17);
  ASSERT_TRUE(ErrorCode_Parse("INVLAID_SEQUENCE_NUMBER", &code));
  EXPECT_EQ(code, 17);
  EXPECT_FALSE(ErrorCode_IsValid(30));
  EXPECT_FALSE(ErrorCode_IsValid(-2));
  EXPECT_EQ(ErrorCode_descriptor()->value_count(), 32);  // -1..29 plus the alias
}

TEST(WireTest, EnumValues) {
  EXPECT_EQ(ON, 1);
  EXPECT_EQ(OFF, 2);
  EXPECT_EQ(BLANK, 1);
  EXPECT_EQ(PROCESS, 3);
  EXPECT_EQ(SUCCESS, 1);
  EXPECT_EQ(ERROR, 3);
  EXPECT_EQ(UNKNOWN_ACTION, 0);
  EXPECT_EQ(LEGACY_OTAP, 5);
  EXPECT_EQ(UNKNOWN_DELAY, 0);
  EXPECT_EQ(FIVE_DAYS, 7);
  EXPECT_EQ(UNKNOWN, 0);
  EXPECT_EQ(SCRATCHPAD_CHUNK_V1, 1);
  EXPECT_EQ(CONFIGURATION_DATA_V1, 2);
  EXPECT_EQ(SINK_KEY_MANAGEMENT_V1, 3);
  EXPECT_EQ(VIRTUAL_NODE_V1, 4);
  EXPECT_EQ(NodeRole::SINK, 1);
  EXPECT_EQ(NodeRole::NON_ROUTER, 3);
  EXPECT_EQ(NodeRole::LOW_LATENCY, 1);
  EXPECT_EQ(NodeRole::AUTOROLE, 2);
}

TEST(WireTest, StatusEventInEnvelope) {
  GenericMessage message;
  StatusEvent* status = message.mutable_wirepas()->mutable_status_event();
  status->mutable_header()->set_gw_id("gw-1");
  status->mutable_header()->set_event_id(0x8000000000000001ull);
  status->mutable_header()->set_time_ms_epoch(1700000000000ull);
  status->set_version(1);
  status->set_state(ON);
  SinkReadConfig* config = status->add_configs();
  config->set_sink_id("sink0");
  config->set_sink_state(OFF);
  status->set_gw_model("model");
  status->set_gw_version("1.2");
  status->set_max_scratchpad_size(1024);
  status->add_gw_features(SCRATCHPAD_CHUNK_V1);
  status->add_gw_features(CONFIGURATION_DATA_V1);

  const std::string header = L(1, "gw-1") + V(3, 0x8000000000000001ull) + V(4, 1700000000000ull);
  const std::string event = L(1, header) + V(2, 1) + V(3, 1) + L(4, L(1, "sink0") + V(17, 2)) +
                            L(5, "model") + L(6, "1.2") + V(7, 1024) + V(8, 1) +
                            V(8, 2);  // proto2 repeated: unpacked
  ExpectWire(message, L(1, L(1, event)));
  // The 64-bit event id takes 10 bytes (top bit set).
  EXPECT_EQ(Varint(0x8000000000000001ull).size(), 10u);
}

TEST(WireTest, PacketReceivedEventWithEveryField) {
  PacketReceivedEvent event;
  event.mutable_header()->set_gw_id("gw");
  event.mutable_header()->set_sink_id("sink1");
  event.mutable_header()->set_event_id(42);
  event.mutable_header()->set_time_ms_epoch(5);
  event.set_source_address(0xFFFFFFFEu);
  event.set_destination_address(1);
  event.set_source_endpoint(1);
  event.set_destination_endpoint(255);
  event.set_travel_time_ms(1234);
  event.set_rx_time_ms_epoch(1700000000123ull);
  event.set_qos(1);
  event.set_payload(std::string("\x00\x01\xFF", 3));
  event.set_payload_size(3);
  event.set_hop_count(2);
  event.set_network_address(0xABCDEF);

  const std::string expected =
      L(1, L(1, "gw") + L(2, "sink1") + V(3, 42) + V(4, 5)) + V(2, 0xFFFFFFFEu) + V(3, 1) +
      V(4, 1) + V(5, 255) + V(6, 1234) + V(7, 1700000000123ull) + V(8, 1) +
      L(9, std::string("\x00\x01\xFF", 3)) + V(10, 3) + V(11, 2) + V(12, 0xABCDEF);
  ExpectWire(event, expected);

  GenericMessage message;
  *message.mutable_wirepas()->mutable_packet_received_event() = event;
  ExpectWire(message, L(1, L(8, expected)));
}

TEST(WireTest, SendPacketReqWithEveryField) {
  SendPacketReq req;
  req.mutable_header()->set_req_id(7);
  req.mutable_header()->set_sink_id("sink0");
  req.mutable_header()->set_time_ms_epoch(9);
  req.set_destination_address(0xFFFFFFFFu);
  req.set_source_endpoint(10);
  req.set_destination_endpoint(20);
  req.set_qos(0);
  req.set_payload("abc");
  req.set_initial_delay_ms(100);
  req.set_is_unack_csma_ca(true);
  req.set_hop_limit(15);
  ExpectWire(req, L(1, V(1, 7) + L(2, "sink0") + V(3, 9)) + V(2, 0xFFFFFFFFu) + V(3, 10) +
                      V(4, 20) + V(5, 0) + L(6, "abc") + V(7, 100) + V(8, 1) + V(9, 15));

  GenericMessage message;
  *message.mutable_wirepas()->mutable_send_packet_req() = req;
  ExpectWire(message, L(1, L(6, req.SerializeAsString())));
}

TEST(WireTest, SetConfigReqWithEveryField) {
  SetConfigReq req;
  req.mutable_header()->set_req_id(0x0102030405060708ull);
  req.mutable_header()->set_sink_id("sink0");
  SinkNewConfig* config = req.mutable_config();
  config->set_sink_id("sink0");
  config->mutable_node_role()->set_role(NodeRole::SINK);
  config->mutable_node_role()->add_flags(NodeRole::LOW_LATENCY);
  config->mutable_node_role()->add_flags(NodeRole::AUTOROLE);
  config->set_node_address(0x123456);
  config->set_network_address(0xA1B2C3);
  config->set_network_channel(13);
  config->mutable_app_config()->set_diag_interval_s(60);
  config->mutable_app_config()->set_app_config_data("cfg");
  config->mutable_app_config()->set_seq(5);
  config->set_channel_map(0xF0);
  config->mutable_keys()->set_cipher(std::string(16, '\x11'));
  config->mutable_keys()->set_authentication(std::string(16, '\x22'));
  config->mutable_current_ac_range()->set_min_ms(2000);
  config->mutable_current_ac_range()->set_max_ms(8000);
  config->set_sink_state(ON);
  config->mutable_network_keys()->set_cipher("nc");
  config->mutable_network_keys()->set_authentication("na");
  config->mutable_network_keys()->set_sequence(3);
  config->mutable_management_keys()->set_cipher("mc");
  config->mutable_management_keys()->set_authentication("ma");
  config->mutable_management_keys()->set_sequence(4);

  const std::string new_config =
      L(1, "sink0") + L(2, V(1, 1) + V(2, 1) + V(2, 2)) + V(3, 0x123456) + V(4, 0xA1B2C3) +
      V(5, 13) + L(6, V(1, 60) + L(2, "cfg") + V(3, 5)) + V(7, 0xF0) +
      L(8, L(1, std::string(16, '\x11')) + L(2, std::string(16, '\x22'))) +
      L(9, V(1, 2000) + V(2, 8000)) + V(10, 1) + L(11, L(1, "nc") + L(2, "na") + V(3, 3)) +
      L(12, L(1, "mc") + L(2, "ma") + V(3, 4));
  ExpectWire(req, L(1, V(1, 0x0102030405060708ull) + L(2, "sink0")) + L(2, new_config));

  GenericMessage message;
  *message.mutable_wirepas()->mutable_set_config_req() = req;
  ExpectWire(message, L(1, L(4, req.SerializeAsString())));
}

TEST(WireTest, SinkReadConfigWithEveryField) {
  SinkReadConfig config;
  config.set_sink_id("sink3");
  config.mutable_node_role()->set_role(NodeRole::ROUTER);
  config.set_node_address(1);
  config.set_network_address(2);
  config.set_network_channel(3);
  config.mutable_app_config()->set_diag_interval_s(4);
  config.mutable_app_config()->set_app_config_data("x");
  config.mutable_app_config()->set_seq(5);
  config.set_channel_map(6);
  config.set_are_keys_set(true);
  config.mutable_current_ac_range()->set_min_ms(7);
  config.mutable_current_ac_range()->set_max_ms(8);
  config.mutable_ac_limits()->set_min_ms(9);
  config.mutable_ac_limits()->set_max_ms(10);
  config.set_max_mtu(102);
  config.mutable_channel_limits()->set_min_channel(1);
  config.mutable_channel_limits()->set_max_channel(40);
  config.set_hw_magic(11);
  config.set_stack_profile(12);
  config.set_app_config_max_size(80);
  config.mutable_firmware_version()->set_major(5);
  config.mutable_firmware_version()->set_minor(4);
  config.mutable_firmware_version()->set_maint(3);
  config.mutable_firmware_version()->set_dev(2);
  config.set_sink_state(ON);
  config.mutable_stored_scratchpad()->set_len(1000);
  config.mutable_stored_scratchpad()->set_crc(0xBEEF);
  config.mutable_stored_scratchpad()->set_seq(9);
  config.set_stored_status(NEW);
  config.set_stored_type(PRESENT);
  config.mutable_processed_scratchpad()->set_len(900);
  config.mutable_processed_scratchpad()->set_crc(0xCAFE);
  config.mutable_processed_scratchpad()->set_seq(8);
  config.set_firmware_area_id(0x12);
  config.mutable_target_and_action()->set_action(PROPAGATE_ONLY);
  ConfigurationDataItem* item = config.add_configuration_data_content();
  item->set_endpoint(0xFFFF);
  item->set_payload("cdd");

  const std::string expected = L(1, "sink3") + L(2, V(1, 2)) + V(3, 1) + V(4, 2) + V(5, 3) +
                               L(6, V(1, 4) + L(2, "x") + V(3, 5)) + V(7, 6) + V(8, 1) +
                               L(9, V(1, 7) + V(2, 8)) + L(10, V(1, 9) + V(2, 10)) + V(11, 102) +
                               L(12, V(1, 1) + V(2, 40)) + V(13, 11) + V(14, 12) + V(15, 80) +
                               L(16, V(1, 5) + V(2, 4) + V(3, 3) + V(4, 2)) + V(17, 1) +
                               L(18, V(1, 1000) + V(2, 0xBEEF) + V(3, 9)) + V(19, 2) + V(20, 2) +
                               L(21, V(1, 900) + V(2, 0xCAFE) + V(3, 8)) + V(22, 0x12) +
                               L(23, V(1, 2)) + L(24, V(1, 0xFFFF) + L(2, "cdd"));
  ExpectWire(config, expected);
  // Field 16 and above need a two-byte tag.
  EXPECT_EQ(Tag(16, kLenWireType), std::string("\x82\x01", 2));
}

TEST(WireTest, UploadScratchpadReqWithChunkInfo) {
  UploadScratchpadReq req;
  req.mutable_header()->set_req_id(3);
  req.mutable_header()->set_sink_id("sink0");
  req.set_seq(200);
  req.set_scratchpad(std::string(5, '\xAA'));
  req.mutable_chunk_info()->set_scratchpad_total_size(4096);
  req.mutable_chunk_info()->set_start_offset(1024);
  ExpectWire(req, L(1, V(1, 3) + L(2, "sink0")) + V(2, 200) + L(3, std::string(5, '\xAA')) +
                      L(4, V(1, 4096) + V(2, 1024)));

  // Without a scratchpad the request clears the stored one: field 3 is absent.
  UploadScratchpadReq clear;
  clear.mutable_header()->set_req_id(3);
  clear.set_seq(1);
  ExpectWire(clear, L(1, V(1, 3)) + V(2, 1));
}

TEST(WireTest, TargetScratchpadAndActionWithDelayOrRaw) {
  TargetScratchpadAndAction target;
  target.set_action(PROPAGATE_AND_PROCESS_WITH_DELAY);
  target.set_target_sequence(254);
  target.set_target_crc(0xFFFF);
  target.set_delay(ONE_DAY);
  ExpectWire(target, V(1, 4) + V(2, 254) + V(3, 0xFFFF) + V(4, 5));

  target.set_raw(0xC1);  // replaces the delay: one oneof
  EXPECT_FALSE(target.has_delay());
  ExpectWire(target, V(1, 4) + V(2, 254) + V(3, 0xFFFF) + V(5, 0xC1));

  SetScratchpadTargetAndActionReq req;
  req.mutable_header()->set_req_id(1);
  req.mutable_target_and_action()->set_action(NO_OTAP);
  GenericMessage message;
  *message.mutable_wirepas()->mutable_set_scratchpad_target_and_action_req() = req;
  ExpectWire(message, L(1, L(17, L(1, V(1, 1)) + L(2, V(1, 1)))));
}

TEST(WireTest, GetGwInfoRespWithFeatures) {
  GetGwInfoResp resp;
  resp.mutable_header()->set_req_id(11);
  resp.mutable_header()->set_gw_id("gw");
  resp.mutable_header()->set_res(OK);
  resp.mutable_header()->set_time_ms_epoch(12);
  GatewayInfo* info = resp.mutable_info();
  info->set_current_time_s_epoch(1700000000);
  info->set_gw_model("m");
  info->set_gw_version("v");
  info->set_implemented_api_version(2);
  info->set_max_scratchpad_size(1024);
  info->add_gw_features(CONFIGURATION_DATA_V1);
  info->add_gw_features(SINK_KEY_MANAGEMENT_V1);
  info->add_gw_features(VIRTUAL_NODE_V1);
  const std::string expected = L(1, V(1, 11) + L(2, "gw") + V(4, 0) + V(5, 12)) +
                               L(2, V(1, 1700000000) + L(2, "m") + L(3, "v") + V(4, 2) +
                                        V(5, 1024) + V(6, 2) + V(6, 3) + V(6, 4));
  ExpectWire(resp, expected);

  GenericMessage message;
  *message.mutable_wirepas()->mutable_get_gateway_info_resp() = resp;
  ExpectWire(message, L(1, L(16, expected)));
}

TEST(WireTest, GetScratchpadStatusRespWithEveryField) {
  GetScratchpadStatusResp resp;
  resp.mutable_header()->set_req_id(1);
  resp.mutable_header()->set_gw_id("g");
  resp.mutable_header()->set_sink_id("s");
  resp.mutable_header()->set_res(INVALID_SEQUENCE_NUMBER);
  resp.mutable_stored_scratchpad()->set_len(1);
  resp.mutable_stored_scratchpad()->set_crc(2);
  resp.mutable_stored_scratchpad()->set_seq(3);
  resp.set_stored_status(ERROR);
  resp.set_stored_type(PROCESS);
  resp.mutable_processed_scratchpad()->set_len(4);
  resp.mutable_processed_scratchpad()->set_crc(5);
  resp.mutable_processed_scratchpad()->set_seq(6);
  resp.set_firmware_area_id(7);
  resp.mutable_target_and_action()->set_action(LEGACY_OTAP);
  ExpectWire(resp, L(1, V(1, 1) + L(2, "g") + L(3, "s") + V(4, 17)) +
                       L(2, V(1, 1) + V(2, 2) + V(3, 3)) + V(3, 3) + V(4, 3) +
                       L(5, V(1, 4) + V(2, 5) + V(3, 6)) + V(6, 7) + L(7, V(1, 5)));
}

TEST(WireTest, ConfigurationDataItemRequestsAndResponses) {
  GenericMessage set;
  SetConfigurationDataItemReq* set_req =
      set.mutable_wirepas()->mutable_set_configuration_data_item_req();
  set_req->mutable_header()->set_req_id(5);
  set_req->mutable_configuration_data_item()->set_endpoint(100);
  set_req->mutable_configuration_data_item()->set_payload("");  // clears the item
  ExpectWire(set, L(1, L(19, L(1, V(1, 5)) + L(2, V(1, 100) + L(2, "")))));

  GenericMessage get;
  GetConfigurationDataItemReq* get_req =
      get.mutable_wirepas()->mutable_get_configuration_data_item_req();
  get_req->mutable_header()->set_req_id(6);
  get_req->set_endpoint(101);
  ExpectWire(get, L(1, L(21, L(1, V(1, 6)) + V(2, 101))));

  GenericMessage get_resp;
  GetConfigurationDataItemResp* resp =
      get_resp.mutable_wirepas()->mutable_get_configuration_data_item_resp();
  resp->mutable_header()->set_req_id(6);
  resp->mutable_header()->set_gw_id("g");
  resp->mutable_header()->set_res(OK);
  resp->mutable_configuration_data_item()->set_endpoint(101);
  resp->mutable_configuration_data_item()->set_payload("p");
  ExpectWire(get_resp,
             L(1, L(22, L(1, V(1, 6) + L(2, "g") + V(4, 0)) + L(2, V(1, 101) + L(2, "p")))));

  GenericMessage set_resp;
  SetConfigurationDataItemResp* sresp =
      set_resp.mutable_wirepas()->mutable_set_configuration_data_item_resp();
  sresp->mutable_header()->set_req_id(5);
  sresp->mutable_header()->set_gw_id("g");
  sresp->mutable_header()->set_res(SINK_OUT_OF_MEMORY);
  ExpectWire(set_resp, L(1, L(20, L(1, V(1, 5) + L(2, "g") + V(4, 26)))));
}

TEST(WireTest, EveryWirepasMessageFieldNumber) {
  // One header-only (or minimal) payload per WirepasMessage field, checked by its tag.
  struct Case {
    int field;
    void (*fill)(WirepasMessage*);
  };
  const Case cases[] = {
      {2, [](WirepasMessage* m) { m->mutable_get_configs_req(); }},
      {3, [](WirepasMessage* m) { m->mutable_get_configs_resp(); }},
      {5, [](WirepasMessage* m) { m->mutable_set_config_resp(); }},
      {7, [](WirepasMessage* m) { m->mutable_send_packet_resp(); }},
      {9, [](WirepasMessage* m) { m->mutable_get_scratchpad_status_req(); }},
      {10, [](WirepasMessage* m) { m->mutable_get_scratchpad_status_resp(); }},
      {11, [](WirepasMessage* m) { m->mutable_upload_scratchpad_req(); }},
      {12, [](WirepasMessage* m) { m->mutable_upload_scratchpad_resp(); }},
      {13, [](WirepasMessage* m) { m->mutable_process_scratchpad_req(); }},
      {14, [](WirepasMessage* m) { m->mutable_process_scratchpad_resp(); }},
      {15, [](WirepasMessage* m) { m->mutable_get_gateway_info_req(); }},
      {18, [](WirepasMessage* m) { m->mutable_set_scratchpad_target_and_action_resp(); }},
  };
  for (const Case& c : cases) {
    WirepasMessage message;
    c.fill(&message);
    EXPECT_EQ(message.SerializePartialAsString(), L(c.field, "")) << "field " << c.field;
  }
}

TEST(WireTest, CustomerMessage) {
  GenericMessage message;
  message.mutable_customer()->set_customer_name("acme");
  ExpectWire(message, L(2, L(1, "acme")));
}

// docs/gateway-api.md "Partial parsing": an enum value this build does not know, in a required
// field, lands in the unknown fields; ParseFromString then fails on the "missing" field,
// ParsePartialFromString does not, and re-serializing keeps the value.
TEST(WireTest, UnknownEnumInRequiredFieldNeedsPartialParse) {
  const std::string bytes = V(1, 9) + L(2, "gw") + V(4, 42);
  ResponseHeader header;
  EXPECT_FALSE(header.ParseFromString(bytes));
  ASSERT_TRUE(header.ParsePartialFromString(bytes));
  EXPECT_FALSE(header.has_res());
  EXPECT_EQ(header.res(), UNKNOWN_ERROR_CODE);
  EXPECT_EQ(header.req_id(), 9u);
  EXPECT_EQ(header.SerializePartialAsString(), bytes);
}

}  // namespace
}  // namespace wirepas::proto::gateway_api
