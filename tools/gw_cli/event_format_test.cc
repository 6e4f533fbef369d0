#include "tools/gw_cli/event_format.h"

#include "gtest/gtest.h"

namespace wm::gw_cli {
namespace {

wm::v1::Event TrafficPacket() {
  wm::v1::Event e;
  e.set_sequence(42);
  e.set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  e.set_gateway_id("gw1");
  e.set_sink_id("sink0");
  e.set_ingest_time_ms_epoch(1'800'000'123'456);
  auto* p = e.mutable_packet();
  p->set_network_address(7);
  p->set_source_address(1001);
  p->set_source_endpoint(251);
  p->set_destination_endpoint(255);
  p->set_hop_count(2);
  p->set_travel_time_ms(40);
  p->set_payload(std::string(18, '\x01'));
  p->set_payload_size(18);
  p->mutable_decoded()->mutable_traffic_diagnostics()->set_cluster_channel(11);
  return e;
}

TEST(FormatEventLine, PacketShowsRoutingAndDecodedPayload) {
  const std::string line = FormatEventLine(TrafficPacket());
  EXPECT_EQ(line.rfind("#42 ", 0), 0u) << line;
  EXPECT_NE(line.find("packet   gw1/sink0 net=7 node=1001 ep=251->255 hops=2 travel=40ms 18B"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("traffic_diagnostics { cluster_channel: 11 }"), std::string::npos) << line;
}

TEST(FormatEventLine, UndecodablePayloadShowsReasonAndHex) {
  wm::v1::Event e = TrafficPacket();
  e.mutable_packet()->clear_decoded();
  e.mutable_packet()->set_payload("\xab\xcd");
  e.mutable_packet()->mutable_decode_error()->set_reason("wrong_length");
  const std::string line = FormatEventLine(e);
  EXPECT_NE(line.find("undecodable(wrong_length at 0"), std::string::npos) << line;
  EXPECT_NE(line.find("abcd"), std::string::npos) << line;
}

TEST(FormatEventLine, StatusAndSnapshot) {
  wm::v1::Event e;
  e.set_sequence(3);
  e.set_snapshot(true);
  e.set_gateway_id("gw1");
  e.mutable_status()->set_state(wm::v1::GATEWAY_STATE_OFFLINE);
  e.mutable_status()->set_model("sim");
  const std::string line = FormatEventLine(e);
  EXPECT_NE(line.find("status   gw1 OFFLINE model=sim"), std::string::npos) << line;
  EXPECT_NE(line.find("(snapshot)"), std::string::npos) << line;
}

TEST(FormatEventLine, ResponseNamesMethodAndResult) {
  wm::v1::Event e;
  e.set_gateway_id("gw1");
  e.mutable_response()->set_method(wm::v1::GATEWAY_METHOD_GET_CONFIGS);
  e.mutable_response()->set_request_id(9);
  e.mutable_response()->set_result_name("OK");
  EXPECT_NE(FormatEventLine(e).find("response gw1 get_configs req_id=9 OK"), std::string::npos);
}

TEST(FormatEventLine, GapSaysHowManyEventsWereLost) {
  wm::v1::Event e;
  e.set_kind(wm::v1::EVENT_KIND_STREAM_GAP);
  e.mutable_gap()->set_dropped(12);
  EXPECT_NE(FormatEventLine(e).find("gap      12 events lost"), std::string::npos);
}

}  // namespace
}  // namespace wm::gw_cli
