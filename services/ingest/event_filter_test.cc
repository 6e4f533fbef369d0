#include "services/ingest/event_filter.h"

#include "gtest/gtest.h"

namespace wm::ingest {
namespace {

wm::v1::Event Packet(std::string gw, std::string sink, uint64_t network, uint32_t src_ep,
                     uint32_t dst_ep, uint32_t src_addr) {
  wm::v1::Event e;
  e.set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  e.set_gateway_id(gw);
  e.set_sink_id(sink);
  auto* p = e.mutable_packet();
  p->set_network_address(network);
  p->set_source_endpoint(src_ep);
  p->set_destination_endpoint(dst_ep);
  p->set_source_address(src_addr);
  return e;
}

wm::v1::Event Status(std::string gw) {
  wm::v1::Event e;
  e.set_kind(wm::v1::EVENT_KIND_GATEWAY_STATUS);
  e.set_gateway_id(gw);
  e.mutable_status()->set_state(wm::v1::GATEWAY_STATE_ONLINE);
  return e;
}

TEST(EventFilter, EmptyRequestMatchesEverything) {
  EventFilter filter{wm::v1::SubscribeRequest()};
  EXPECT_TRUE(filter.Matches(Packet("gw", "sink0", 1, 251, 255, 7)));
  EXPECT_TRUE(filter.Matches(Status("gw")));
}

TEST(EventFilter, EachListNarrows) {
  wm::v1::SubscribeRequest r;
  r.add_gateway_ids("gw1");
  r.add_gateway_ids("gw2");
  r.add_networks(5);
  r.add_source_endpoints(251);
  r.add_source_addresses(7);
  EventFilter filter(r);
  EXPECT_TRUE(filter.Matches(Packet("gw2", "sink0", 5, 251, 255, 7)));
  EXPECT_FALSE(filter.Matches(Packet("gw3", "sink0", 5, 251, 255, 7)));
  EXPECT_FALSE(filter.Matches(Packet("gw1", "sink0", 6, 251, 255, 7)));
  EXPECT_FALSE(filter.Matches(Packet("gw1", "sink0", 5, 252, 255, 7)));
  EXPECT_FALSE(filter.Matches(Packet("gw1", "sink0", 5, 251, 255, 8)));
}

TEST(EventFilter, PacketFieldsExcludeKindsWithoutThem) {
  wm::v1::SubscribeRequest r;
  r.add_networks(5);
  EventFilter filter(r);
  EXPECT_FALSE(filter.Matches(Status("gw")));

  wm::v1::SubscribeRequest by_sink;
  by_sink.add_sink_ids("sink0");
  EXPECT_FALSE(EventFilter(by_sink).Matches(Status("gw")));
  EXPECT_TRUE(EventFilter(by_sink).Matches(Packet("gw", "sink0", 1, 1, 1, 1)));
}

TEST(EventFilter, KindsSelectEventKinds) {
  wm::v1::SubscribeRequest r;
  r.add_kinds(wm::v1::EVENT_KIND_GATEWAY_STATUS);
  EventFilter filter(r);
  EXPECT_TRUE(filter.Matches(Status("gw")));
  EXPECT_FALSE(filter.Matches(Packet("gw", "sink0", 1, 1, 1, 1)));
}

TEST(EventFilter, EndpointsApplyToDownlinks) {
  wm::v1::SubscribeRequest r;
  r.add_destination_endpoints(240);
  EventFilter filter(r);
  wm::v1::Event e;
  e.set_kind(wm::v1::EVENT_KIND_DOWNLINK);
  e.mutable_downlink()->set_destination_endpoint(240);
  EXPECT_TRUE(filter.Matches(e));
  e.mutable_downlink()->set_destination_endpoint(1);
  EXPECT_FALSE(filter.Matches(e));
}

}  // namespace
}  // namespace wm::ingest
