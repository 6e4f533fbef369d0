#include "services/command/node_reply_router.h"

#include <vector>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"
#include "libs/wirepas/message.h"

namespace wm::command {
namespace {

namespace gwapi = wirepas::gwapi;

std::string Packet(uint32_t source, std::string payload, uint32_t hops) {
  wirepas::GenericMessage message;
  gwapi::PacketReceivedEvent* packet = message.mutable_wirepas()->mutable_packet_received_event();
  packet->mutable_header()->set_gw_id("gw-2");
  packet->mutable_header()->set_sink_id("sink1");
  packet->mutable_header()->set_event_id(source);
  packet->set_source_address(source);
  packet->set_destination_address(1);
  packet->set_source_endpoint(240);
  packet->set_destination_endpoint(255);
  packet->set_travel_time_ms(30);
  packet->set_rx_time_ms_epoch(1000);
  packet->set_qos(0);
  packet->set_payload(std::move(payload));
  packet->set_hop_count(hops);
  return message.SerializeAsString();
}

class NodeReplyRouterTest : public ::testing::Test {
 protected:
  NodeReplyRouter router_{[] { return absl::FromUnixSeconds(100); }};
  const wirepas::Topic topic_ =
      *wirepas::ParseTopic("gw-event/received_data/gw-2/sink1/5000/240/255");
};

TEST_F(NodeReplyRouterTest, DecodesAndHandsAnswersToMatchingListeners) {
  std::vector<NodeReply> network, other_network, gateway;
  router_.Add({.network_address = 5000}, [&](const NodeReply& r) { network.push_back(r); });
  router_.Add({.network_address = 6000}, [&](const NodeReply& r) { other_network.push_back(r); });
  router_.Add({.gateway_id = "gw-2"}, [&](const NodeReply& r) { gateway.push_back(r); });

  const std::string ping_echo = decoders::PayloadBuilder().U8(0x80).U8(2).U8(0xAB).U8(0xCD).str();
  ASSERT_TRUE(router_.HandleReceivedData(topic_, Packet(1001, ping_echo, 3)));
  ASSERT_EQ(network.size(), 1u);
  EXPECT_TRUE(other_network.empty());
  ASSERT_EQ(gateway.size(), 1u);
  const NodeReply& reply = network[0];
  EXPECT_EQ(reply.source_address, 1001u);
  EXPECT_EQ(reply.hop_count, 3u);
  EXPECT_EQ(reply.travel_time_ms, 30u);
  EXPECT_EQ(reply.gateway_id, "gw-2");
  EXPECT_EQ(reply.sink_id, "sink1");
  EXPECT_EQ(reply.network_address, 5000u);
  EXPECT_EQ(reply.received_at, absl::FromUnixSeconds(100));
  EXPECT_TRUE(reply.decoded);
  ASSERT_EQ(reply.frames.frames_size(), 1);
  EXPECT_EQ(reply.frames.frames(0).ping().reference(), "\xAB\xCD");
}

TEST_F(NodeReplyRouterTest, RemovedListenerHearsNothing) {
  int heard = 0;
  const uint64_t id = router_.Add({}, [&](const NodeReply&) { ++heard; });
  router_.Remove(id);
  EXPECT_EQ(router_.listeners(), 0u);
  router_.HandleReceivedData(topic_, Packet(1, std::string("\x84\x00", 2), 1));
  EXPECT_EQ(heard, 0);
}

TEST_F(NodeReplyRouterTest, MalformedPayloadStillReachesListenersMarkedUndecoded) {
  std::vector<NodeReply> heard;
  router_.Add({}, [&](const NodeReply& r) { heard.push_back(r); });
  // A frame whose length runs past the end.
  ASSERT_TRUE(router_.HandleReceivedData(topic_, Packet(7, std::string("\x84\x05", 2), 1)));
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_FALSE(heard[0].decoded);
}

TEST_F(NodeReplyRouterTest, OtherEndpointsAndGarbageAreRefused) {
  int heard = 0;
  router_.Add({}, [&](const NodeReply&) { ++heard; });
  const wirepas::Topic diagnostics =
      *wirepas::ParseTopic("gw-event/received_data/gw-2/sink1/5000/251/255");
  EXPECT_FALSE(router_.HandleReceivedData(diagnostics, Packet(1, "x", 1)));
  EXPECT_FALSE(router_.HandleReceivedData(topic_, "not protobuf \xff"));
  EXPECT_EQ(heard, 0);
}

}  // namespace
}  // namespace wm::command
