#include "tools/gateway_sim/data_handlers.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/decoders/msap_encoder.h"
#include "libs/decoders/msap_responses.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/provisioning/frames.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/handler_testing.h"
#include "tools/gateway_sim/provisioning_node.h"

namespace wm::gateway_sim {
namespace {

using testing::Answer;
using testing::Header;
using ::testing::IsEmpty;
using testing::kNow;
using testing::TestGatewayState;
using ::testing::UnorderedElementsAre;

constexpr char kSink0Topic[] = "gw-request/send_data/sim-gw-1/sink0";

RequestRouter DataRouter() {
  RequestRouter router;
  router.Register(wirepas::Method::kSendData, HandleSendData);
  return router;
}

wirepas::GenericMessage SendData(uint32_t destination, uint32_t src_ep, uint32_t dst_ep,
                                 const std::string& payload) {
  wirepas::GenericMessage message;
  gwapi::SendPacketReq* req = message.mutable_wirepas()->mutable_send_packet_req();
  *req->mutable_header() = Header(51, "sink0");
  req->set_destination_address(destination);
  req->set_source_endpoint(src_ep);
  req->set_destination_endpoint(dst_ep);
  req->set_qos(1);
  req->set_payload(payload);
  return message;
}

wirepas::GenericMessage Msap(uint32_t destination, const std::string& payload) {
  return SendData(destination, 255, 240, payload);
}

gwapi::SendPacketReq& Req(wirepas::GenericMessage& message) {
  return *message.mutable_wirepas()->mutable_send_packet_req();
}

Response Send(GatewayState& state, const wirepas::GenericMessage& request,
              const std::string& topic = kSink0Topic) {
  absl::StatusOr<Response> response = Answer(DataRouter(), topic, request, state);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? *response : Response{};
}

gwapi::ErrorCode Res(const Response& response) {
  return response.message.wirepas().send_packet_resp().header().res();
}

wm::v1::MsapResponses Decode(const NodePacket& packet) {
  wm::v1::MsapResponses decoded;
  const decoders::DecodeStatus status = decoders::DecodeMsapResponses(
      packet.message.wirepas().packet_received_event().payload(), &decoded);
  EXPECT_FALSE(status.has_value()) << status->message;
  return decoded;
}

TEST(SendDataTest, AcceptedDownlinkIsAnsweredOk) {
  GatewayState state = TestGatewayState();
  const Response response = Send(state, SendData(2101, 10, 10, "hello"));
  EXPECT_EQ(response.topic, "gw-response/send_data/sim-gw-1/sink0");
  const gwapi::ResponseHeader& header = response.message.wirepas().send_packet_resp().header();
  EXPECT_EQ(header.req_id(), 51u);
  EXPECT_EQ(header.sink_id(), "sink0");
  EXPECT_EQ(header.res(), gwapi::OK);
  // Not a remote API request: nobody answers.
  EXPECT_THAT(response.node_packets, IsEmpty());
  EXPECT_THAT(response.changed_sinks, IsEmpty());
}

TEST(SendDataTest, TheSinkComesFromTheTopicOnly) {
  GatewayState state = TestGatewayState();
  // The header says sink0 in both: the topic decides.
  Response response = Send(state, SendData(1, 10, 10, "x"), "gw-request/send_data/sim-gw-1/sink7");
  EXPECT_EQ(Res(response), gwapi::INVALID_SINK_ID);
  EXPECT_EQ(response.topic, "gw-response/send_data/sim-gw-1/sink7");
  EXPECT_EQ(response.message.wirepas().send_packet_resp().header().sink_id(), "sink7");
  response = Send(state, SendData(1, 10, 10, "x"), "gw-request/send_data/sim-gw-1/sink1");
  EXPECT_EQ(Res(response), gwapi::OK);
  EXPECT_EQ(response.message.wirepas().send_packet_resp().header().sink_id(), "sink1");
}

TEST(SendDataTest, ErrorCodes) {
  GatewayState state = TestGatewayState();
  wirepas::GenericMessage hops = SendData(1, 10, 10, "x");
  Req(hops).set_hop_limit(16);
  EXPECT_EQ(Res(Send(state, hops)), gwapi::INVALID_MAX_HOP_COUNT);
  Req(hops).set_hop_limit(15);
  EXPECT_EQ(Res(Send(state, hops)), gwapi::OK);

  EXPECT_EQ(Res(Send(state, SendData(1, 10, 10, std::string(1501, 'p')))), gwapi::INVALID_PARAM);
  EXPECT_EQ(Res(Send(state, SendData(1, 10, 10, std::string(1500, 'p')))), gwapi::OK);

  wirepas::GenericMessage qos = SendData(1, 10, 10, "x");
  Req(qos).set_qos(2);
  // The reference answers values the sink cannot take with INVALID_PARAM, never INVALID_QOS,
  // INVALID_SRC_ENDPOINT or INVALID_DEST_ENDPOINT.
  EXPECT_EQ(Res(Send(state, qos)), gwapi::INVALID_PARAM);
  Req(qos).set_qos(1);
  EXPECT_EQ(Res(Send(state, qos)), gwapi::OK);
  EXPECT_EQ(Res(Send(state, SendData(1, 256, 10, "x"))), gwapi::INVALID_PARAM);
  EXPECT_EQ(Res(Send(state, SendData(1, 10, 256, "x"))), gwapi::INVALID_PARAM);
  EXPECT_EQ(Res(Send(state, SendData(1, 255, 255, "x"))), gwapi::OK);

  state.FindSink("sink0")->config.set_sink_state(gwapi::OFF);
  EXPECT_EQ(Res(Send(state, SendData(1, 10, 10, "x"))), gwapi::INVALID_SINK_STATE);
  EXPECT_THAT(Send(state, Msap(0xFFFFFFFF, decoders::EncodeMsapBegin())).node_packets, IsEmpty());
}

TEST(SendDataTest, ARequestWithoutRequiredFieldsGetsNoAnswer) {
  GatewayState state = TestGatewayState();
  wirepas::GenericMessage no_payload = SendData(1, 10, 10, "x");
  Req(no_payload).clear_payload();
  EXPECT_EQ(Answer(DataRouter(), kSink0Topic, no_payload, state).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SendDataTest, EveryNodeOfTheSinkAnswersABroadcastPing) {
  GatewayState state = TestGatewayState(GatewayIdentity{}, 6);
  const std::string reference("\x10\x20\x30\x40\x50\x60\x70\x80", 8);
  const Response response =
      Send(state, Msap(kBroadcastAddress, *decoders::EncodeMsapPing(reference)));
  EXPECT_EQ(Res(response), gwapi::OK);
  ASSERT_EQ(response.node_packets.size(), 6u);
  std::set<uint32_t> sources;
  std::set<absl::Duration> delays;
  for (const NodePacket& packet : response.node_packets) {
    EXPECT_EQ(packet.topic, "gw-event/received_data/sim-gw-1/sink0/1193046/240/255");
    const gwapi::PacketReceivedEvent& event = packet.message.wirepas().packet_received_event();
    EXPECT_EQ(event.header().gw_id(), "sim-gw-1");
    EXPECT_EQ(event.header().sink_id(), "sink0");
    EXPECT_EQ(event.destination_address(), 1000u);
    EXPECT_EQ(event.source_endpoint(), 240u);
    EXPECT_EQ(event.destination_endpoint(), 255u);
    EXPECT_EQ(event.network_address(), 0x123456u);
    // Node n of the test gateway (address 2000 + n) is n hops away.
    EXPECT_EQ(event.hop_count(), event.source_address() - 2000);
    // 4..80 ticks of 1/128 s per hop.
    EXPECT_GE(event.travel_time_ms(), event.hop_count() * 4 * 1000 / 128);
    EXPECT_LE(event.travel_time_ms(), event.hop_count() * 80 * 1000 / 128);
    // The downlink's way and processing come before the uplink's travel time.
    EXPECT_GT(packet.delay, absl::Milliseconds(event.travel_time_ms()));
    EXPECT_EQ(event.rx_time_ms_epoch(),
              static_cast<uint64_t>(absl::ToUnixMillis(kNow + packet.delay)));
    const wm::v1::MsapResponses decoded = Decode(packet);
    ASSERT_EQ(decoded.frames_size(), 1);
    EXPECT_EQ(decoded.frames(0).ping().reference(), reference);
    sources.insert(event.source_address());
    delays.insert(packet.delay);
  }
  EXPECT_THAT(sources, UnorderedElementsAre(2001, 2002, 2003, 2004, 2005, 2006));
  EXPECT_GT(delays.size(), 1u);  // spread out, not all at once
  // Distinct event ids.
  std::set<uint64_t> ids;
  for (const NodePacket& packet : response.node_packets) {
    ids.insert(packet.message.wirepas().packet_received_event().header().event_id());
  }
  EXPECT_EQ(ids.size(), 6u);
}

TEST(SendDataTest, AUnicastReachesOneNodeTheSinkOrNobody) {
  GatewayState state = TestGatewayState();
  Response response = Send(state, Msap(2102, decoders::EncodeMsapScratchpadStatus()));
  EXPECT_THAT(response.node_packets, IsEmpty());  // 2102 is a node of sink1, not sink0
  response = Send(state, Msap(2002, decoders::EncodeMsapScratchpadStatus()));
  ASSERT_EQ(response.node_packets.size(), 1u);
  const gwapi::PacketReceivedEvent& event =
      response.node_packets[0].message.wirepas().packet_received_event();
  EXPECT_EQ(event.source_address(), 2002u);
  EXPECT_EQ(event.hop_count(), 2u);
  const wm::v1::MsapResponses decoded = Decode(response.node_packets[0]);
  ASSERT_EQ(decoded.frames_size(), 1);
  EXPECT_EQ(decoded.frames(0).scratchpad_status().version(), 3u);
  EXPECT_EQ(decoded.frames(0).scratchpad_status().fw_major(), 5u);

  // The sink itself, for the diagnostic control sent to its own address.
  response = Send(state, Msap(1000, *decoders::EncodeDiagnosticControl(
                                        60, decoders::kDiagnosticContentNeighbor)));
  ASSERT_EQ(response.node_packets.size(), 1u);
  const gwapi::PacketReceivedEvent& from_sink =
      response.node_packets[0].message.wirepas().packet_received_event();
  EXPECT_EQ(from_sink.source_address(), 1000u);
  EXPECT_FALSE(from_sink.has_hop_count());
  EXPECT_EQ(from_sink.travel_time_ms(), 0u);
  EXPECT_EQ(Decode(response.node_packets[0]).frames(0).diagnostic_control().interval(), 60u);
}

TEST(SendDataTest, HopLimitAndInitialDelay) {
  GatewayState state = TestGatewayState(GatewayIdentity{}, 6);
  wirepas::GenericMessage near = Msap(kBroadcastAddress, decoders::EncodeMsapBegin());
  Req(near).set_hop_limit(2);
  Response response = Send(state, near);
  ASSERT_EQ(response.node_packets.size(), 2u);
  for (const NodePacket& packet : response.node_packets) {
    EXPECT_LE(packet.message.wirepas().packet_received_event().hop_count(), 2u);
  }

  wirepas::GenericMessage delayed = Msap(2001, decoders::EncodeMsapBegin());
  Req(delayed).set_initial_delay_ms(5000);
  response = Send(state, delayed);
  ASSERT_EQ(response.node_packets.size(), 1u);
  EXPECT_GT(response.node_packets[0].delay, absl::Seconds(5));
}

TEST(SendDataTest, AnswersLongerThanTheMtuComeInSeveralPackets) {
  GatewayState state = TestGatewayState();
  const std::string status = decoders::EncodeMsapScratchpadStatus();
  const Response response = Send(state, Msap(2001, status + status + status));
  ASSERT_EQ(response.node_packets.size(), 2u);
  EXPECT_EQ(Decode(response.node_packets[0]).frames_size(), 2);
  EXPECT_EQ(Decode(response.node_packets[1]).frames_size(), 1);
}

TEST(SendDataTest, AnUndecodableRemoteRequestIsAcceptedButNotAnswered) {
  GatewayState state = TestGatewayState();
  const Response response = Send(state, Msap(kBroadcastAddress, std::string("\x19\x05", 2)));
  EXPECT_EQ(Res(response), gwapi::OK);
  EXPECT_THAT(response.node_packets, IsEmpty());
}

// A test gateway whose sink0 has an unsecured joining node 3000, two hops away, that has sent
// START for session 5.
GatewayState StateWithJoiningNode() {
  GatewayState state = TestGatewayState();
  JoiningNodeState joining;
  joining.node.address = 3000;
  joining.node.hop_count = 2;
  joining.node.uid = "sim-000bb8";
  joining.node.method = 0;
  SimRandom random(1);
  StartProvisioning(joining, 5, random);
  state.FindSink("sink0")->joining_nodes.push_back(joining);
  return state;
}

// An unsecured DATA for node 3000, session 5, that gives it network 0x123456 on channel 5.
std::string UnsecuredData() {
  const std::string content = std::string(
      "\xa4"  // a map of 4
      "\x00\x50"
      "eeeeeeeeeeeeeeee"  // 0: encryption key
      "\x01\x50"
      "aaaaaaaaaaaaaaaa"          // 1: authentication key
      "\x02\x1a\x00\x12\x34\x56"  // 2: network address
      "\x03\x05",                 // 3: network channel
      1 + 2 * 18 + 6 + 2);
  return provisioning::EncodeDataFrame({3000, 5, provisioning::kKeyIndexUnsecured, 77}, content);
}

wirepas::GenericMessage Provisioning(uint32_t destination, const std::string& payload) {
  return SendData(destination, 255, 246, payload);
}

TEST(SendDataTest, AJoiningNodeAnswersItsDataWithDataAck) {
  GatewayState state = StateWithJoiningNode();
  const Response response = Send(state, Provisioning(3000, UnsecuredData()));
  EXPECT_EQ(Res(response), gwapi::OK);
  ASSERT_EQ(response.node_packets.size(), 1u);
  const NodePacket& packet = response.node_packets[0];
  EXPECT_EQ(packet.topic, "gw-event/received_data/sim-gw-1/sink0/1193046/246/255");
  const gwapi::PacketReceivedEvent& event = packet.message.wirepas().packet_received_event();
  EXPECT_EQ(event.source_address(), 3000u);
  EXPECT_EQ(event.destination_address(), 1000u);
  EXPECT_EQ(event.source_endpoint(), 246u);
  EXPECT_EQ(event.destination_endpoint(), 255u);
  EXPECT_EQ(event.qos(), 1u);
  EXPECT_EQ(event.hop_count(), 2u);
  EXPECT_GE(event.travel_time_ms(), 2u * 4 * 1000 / 128);
  EXPECT_GT(packet.delay, absl::Milliseconds(event.travel_time_ms()));
  EXPECT_EQ(event.payload(), provisioning::EncodeDataAckFrame(3000, 5));
  wm::v1::ProvisioningFrame ack;
  EXPECT_FALSE(decoders::DecodeProvisioningFrame(event.payload(), &ack).has_value());
  EXPECT_TRUE(ack.has_data_ack());

  ASSERT_EQ(response.provisioning.size(), 1u);
  const ProvisioningNodeEvent& done = response.provisioning[0];
  EXPECT_EQ(done.sink_id, "sink0");
  EXPECT_EQ(done.address, 3000u);
  EXPECT_EQ(done.uid, "sim-000bb8");
  EXPECT_EQ(done.outcome.result, DownlinkResult::kProvisioned);
  EXPECT_EQ(done.network_address, 0x123456u);
  EXPECT_EQ(done.network_channel, 5u);
  EXPECT_TRUE(state.FindSink("sink0")->joining_nodes[0].provisioned);

  // A provisioned node has no session left: the same DATA changes nothing.
  const Response again = Send(state, Provisioning(3000, UnsecuredData()));
  EXPECT_THAT(again.node_packets, IsEmpty());
  ASSERT_EQ(again.provisioning.size(), 1u);
  EXPECT_EQ(again.provisioning[0].outcome.ignored, "no_session");
}

TEST(SendDataTest, AProvisioningFrameForNoJoiningNodeOfTheSinkIsCountedAndUnanswered) {
  GatewayState state = StateWithJoiningNode();
  for (const auto& [address, topic] : std::vector<std::pair<uint32_t, std::string>>{
           {3001, kSink0Topic},
           {2001, kSink0Topic},  // a node in the network
           {3000, "gw-request/send_data/sim-gw-1/sink1"}}) {
    const Response response = Send(state, Provisioning(address, UnsecuredData()), topic);
    EXPECT_EQ(Res(response), gwapi::OK);
    EXPECT_THAT(response.node_packets, IsEmpty()) << address;
    ASSERT_EQ(response.provisioning.size(), 1u);
    EXPECT_EQ(response.provisioning[0].outcome.result, DownlinkResult::kIgnored);
    EXPECT_EQ(response.provisioning[0].outcome.ignored, "unknown_node");
    EXPECT_EQ(response.provisioning[0].uid, "");
  }
  EXPECT_TRUE(state.FindSink("sink0")->joining_nodes[0].pending.has_value());
}

TEST(SendDataTest, AJoiningNodeBeyondTheHopLimitGetsNothing) {
  GatewayState state = StateWithJoiningNode();
  wirepas::GenericMessage near = Provisioning(3000, UnsecuredData());
  Req(near).set_hop_limit(1);
  Response response = Send(state, near);
  EXPECT_THAT(response.node_packets, IsEmpty());
  ASSERT_EQ(response.provisioning.size(), 1u);
  EXPECT_EQ(response.provisioning[0].outcome.ignored, "beyond_hop_limit");
  EXPECT_FALSE(state.FindSink("sink0")->joining_nodes[0].provisioned);

  // A rejected send_data reaches nobody.
  wirepas::GenericMessage bad_qos = Provisioning(3000, UnsecuredData());
  Req(bad_qos).set_qos(2);
  response = Send(state, bad_qos);
  EXPECT_EQ(Res(response), gwapi::INVALID_PARAM);
  EXPECT_THAT(response.provisioning, IsEmpty());
  EXPECT_FALSE(state.FindSink("sink0")->joining_nodes[0].provisioned);
}

TEST(SendDataTest, AJoiningNodeNacksDataItCannotRead) {
  GatewayState state = StateWithJoiningNode();
  const std::string garbage =
      provisioning::EncodeDataFrame({3000, 5, provisioning::kKeyIndexUnsecured, 1}, "not cbor");
  const Response response = Send(state, Provisioning(3000, garbage));
  ASSERT_EQ(response.node_packets.size(), 1u);
  EXPECT_EQ(response.node_packets[0].message.wirepas().packet_received_event().payload(),
            provisioning::EncodeNackFrame(3000, 5, provisioning::NackReason::kInvalidData));
  ASSERT_EQ(response.provisioning.size(), 1u);
  EXPECT_EQ(response.provisioning[0].outcome.result, DownlinkResult::kNackSent);
}

}  // namespace
}  // namespace wm::gateway_sim
