#include "services/ingest/processor.h"

#include "gtest/gtest.h"
#include "libs/wirepas/topic.h"
#include "prometheus/registry.h"

namespace wm::ingest {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;

const absl::Time kNow = absl::FromUnixMillis(1'800'000'000'000);

std::string Serialize(const gwapi::GenericMessage& m) {
  std::string out;
  EXPECT_TRUE(m.SerializePartialToString(&out));
  return out;
}

std::string Packet(std::string gw, uint64_t event_id, uint32_t src_ep, uint32_t dst_ep,
                   std::string payload) {
  gwapi::GenericMessage m;
  auto* p = m.mutable_wirepas()->mutable_packet_received_event();
  p->mutable_header()->set_gw_id(gw);
  p->mutable_header()->set_sink_id("sink0");
  p->mutable_header()->set_event_id(event_id);
  p->set_source_address(1234);
  p->set_destination_address(1);
  p->set_source_endpoint(src_ep);
  p->set_destination_endpoint(dst_ep);
  p->set_travel_time_ms(40);
  p->set_rx_time_ms_epoch(1'800'000'000'100);
  p->set_qos(0);
  p->set_payload(payload);
  p->set_hop_count(2);
  return Serialize(m);
}

std::string Status(std::string gw, gwapi::OnOffState state, uint64_t event_id) {
  gwapi::GenericMessage m;
  auto* s = m.mutable_wirepas()->mutable_status_event();
  s->mutable_header()->set_gw_id(gw);
  s->mutable_header()->set_event_id(event_id);
  s->set_version(1);
  s->set_state(state);
  s->set_gw_model("sim");
  auto* config = s->add_configs();
  config->set_sink_id("sink0");
  config->set_network_address(77);
  return Serialize(m);
}

class IngestProcessorTest : public ::testing::Test {
 protected:
  IngestProcessorTest()
      : hub_(1000, metrics_),
        subscription_(hub_.Subscribe({})),
        processor_(hub_, {.capacity = 100, .max_age = absl::Minutes(5)},
                   decoders::DecoderRegistry::WithBuiltins(), metrics_, [] { return kNow; }) {}

  std::vector<EventPtr> Drain() {
    std::vector<EventPtr> events;
    while (EventPtr e = subscription_->PopOrArm()) events.push_back(e);
    return events;
  }

  double DecodeErrors(std::string reason) {
    auto& family = prometheus::BuildCounter().Name("wm_ingest_decode_errors_total").Register(registry_);
    return family.Add({{"reason", reason}}).Value();
  }

  prometheus::Registry registry_;
  IngestMetrics metrics_{registry_};
  EventHub hub_;
  std::shared_ptr<Subscription> subscription_;
  IngestProcessor processor_;
};

TEST_F(IngestProcessorTest, ReceivedPacketBecomesEventWithEveryHeaderField) {
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11",
                    Packet("gw1", 5, 10, 11, "\x01\x02"), false);
  auto events = Drain();
  ASSERT_EQ(events.size(), 1u);
  const wm::v1::Event& e = *events[0];
  EXPECT_EQ(e.kind(), wm::v1::EVENT_KIND_PACKET_RECEIVED);
  EXPECT_EQ(e.sequence(), 1u);
  EXPECT_EQ(e.gateway_id(), "gw1");
  EXPECT_EQ(e.sink_id(), "sink0");
  EXPECT_EQ(e.event_id(), 5u);
  EXPECT_EQ(e.ingest_time_ms_epoch(), 1'800'000'000'000u);
  const wm::v1::PacketReceived& p = e.packet();
  EXPECT_EQ(p.network_address(), 77u);  // from the topic: the message has none
  EXPECT_EQ(p.source_address(), 1234u);
  EXPECT_EQ(p.destination_address(), 1u);
  EXPECT_EQ(p.source_endpoint(), 10u);
  EXPECT_EQ(p.destination_endpoint(), 11u);
  EXPECT_EQ(p.travel_time_ms(), 40u);
  EXPECT_EQ(p.rx_time_ms_epoch(), 1'800'000'000'100u);
  EXPECT_EQ(p.tx_time_ms_epoch(), 1'800'000'000'060u);
  EXPECT_EQ(p.hop_count(), 2u);
  EXPECT_EQ(p.payload(), "\x01\x02");
  EXPECT_FALSE(p.has_decoded());  // no decoder for 10->11: raw bytes only
  EXPECT_FALSE(p.has_decode_error());
  EXPECT_EQ(metrics_.packet_messages.Value(), 1);
}

TEST_F(IngestProcessorTest, DuplicateEventIdFromSameGatewayIsDroppedAndCounted) {
  const std::string packet = Packet("gw1", 5, 10, 11, "x");
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11", packet, false);
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11", packet, false);
  processor_.Handle("gw-event/received_data/gw2/sink0/77/10/11", Packet("gw2", 5, 10, 11, "x"),
                    false);
  EXPECT_EQ(Drain().size(), 2u);
  EXPECT_EQ(metrics_.duplicates.Value(), 1);
}

TEST_F(IngestProcessorTest, APacketLoadedFromTheDiskLogIsADuplicateWhenDeliveredAgain) {
  // What the previous run wrote to its disk log before it died: the packet with its id.
  wm::v1::Event loaded;
  loaded.set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  loaded.set_gateway_id("gw1");
  loaded.set_event_id(5);
  loaded.set_ingest_time_ms_epoch(absl::ToUnixMillis(kNow - absl::Seconds(30)));
  processor_.RememberLoaded(loaded);
  wm::v1::Event status = loaded;  // other kinds seed nothing
  status.set_kind(wm::v1::EVENT_KIND_GATEWAY_STATUS);
  status.set_event_id(6);
  processor_.RememberLoaded(status);

  // The broker delivers it again (its PUBACK was not sent): dropped and counted.
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11", Packet("gw1", 5, 10, 11, "x"),
                    false);
  EXPECT_TRUE(Drain().empty());
  EXPECT_EQ(metrics_.duplicates.Value(), 1);
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11", Packet("gw1", 6, 10, 11, "x"),
                    false);
  EXPECT_EQ(Drain().size(), 1u);
}

TEST_F(IngestProcessorTest, TrafficDiagnosticsAreDecoded) {
  processor_.Handle("gw-event/received_data/gw1/sink0/77/251/255",
                    Packet("gw1", 1, 251, 255, std::string(18, '\x03')), false);
  auto events = Drain();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0]->packet().decoded().has_traffic_diagnostics());
  EXPECT_EQ(events[0]->packet().decoded().traffic_diagnostics().cluster_channel(), 3u);
}

TEST_F(IngestProcessorTest, MalformedPayloadIsCountedAndStillDelivered) {
  processor_.Handle("gw-event/received_data/gw1/sink0/77/251/255",
                    Packet("gw1", 1, 251, 255, std::string(17, '\x03')), false);
  auto events = Drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0]->packet().has_decoded());
  EXPECT_EQ(events[0]->packet().decode_error().reason(), "wrong_length");
  EXPECT_EQ(events[0]->packet().payload().size(), 17u);
  EXPECT_EQ(DecodeErrors("payload_wrong_length"), 1);
}

TEST_F(IngestProcessorTest, RecordsBeforeAFaultAreKeptWithTheError) {
  // Two complete 7-byte neighbor records, then a cut third one.
  const std::string neighbors =
      std::string("\x01\x00\x00\x0b\x05\x01\x40", 7) +
      std::string("\x02\x00\x00\x0b\x05\x01\x41", 7) + std::string("\x03\x00", 2);
  processor_.Handle("gw-event/received_data/gw1/sink0/77/252/255",
                    Packet("gw1", 1, 252, 255, neighbors), false);
  auto events = Drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->packet().decode_error().reason(), "truncated");
  EXPECT_EQ(events[0]->packet().decoded().neighbor_diagnostics().neighbors_size(), 2);
}

TEST_F(IngestProcessorTest, GarbageIsCountedNeverDelivered) {
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11", "\xff\xff\xff garbage", false);
  processor_.Handle("gw-event/received_data/gw1/sink0", Packet("gw1", 1, 1, 1, "x"), false);
  processor_.Handle("something/else", "x", false);
  // A status message on a data topic.
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11",
                    Status("gw1", gwapi::ON, 1), false);
  // A packet without its required fields.
  gwapi::GenericMessage incomplete;
  incomplete.mutable_wirepas()->mutable_packet_received_event()->mutable_header()->set_gw_id("g");
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11", Serialize(incomplete), false);
  EXPECT_TRUE(Drain().empty());
  EXPECT_EQ(DecodeErrors("protobuf"), 1);
  EXPECT_EQ(DecodeErrors("topic"), 2);
  EXPECT_EQ(DecodeErrors("message"), 2);

  // Good data still flows afterwards.
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11", Packet("gw1", 9, 10, 11, "ok"),
                    false);
  EXPECT_EQ(Drain().size(), 1u);
}

TEST_F(IngestProcessorTest, StatusLifecycle) {
  processor_.Handle("gw-event/status/gw1", Status("gw1", gwapi::ON, 1), true);
  processor_.Handle("gw-event/status/gw1", Status("gw1", gwapi::ON, 1), true);  // redelivered
  processor_.Handle("gw-event/status/gw1", Status("gw1", gwapi::OFF, 0), true);  // last will
  processor_.Handle("gw-event/status/gw1", Status("gw1", gwapi::ON, 2), true);
  processor_.Handle("gw-event/status/gw1", Status("gw1", gwapi::OFF, 0), true);  // same will again
  processor_.Handle("gw-event/status/gw1", "", true);                            // cleared
  processor_.Handle("gw-event/status/gw1", "", true);                            // cleared again
  auto events = Drain();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0]->status().state(), wm::v1::GATEWAY_STATE_ONLINE);
  EXPECT_TRUE(events[0]->status().retained());
  ASSERT_EQ(events[0]->status().configs_size(), 1);
  EXPECT_EQ(events[0]->status().configs(0).network_address(), 77u);
  EXPECT_EQ(events[1]->status().state(), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_EQ(events[2]->status().state(), wm::v1::GATEWAY_STATE_ONLINE);
  EXPECT_EQ(events[3]->status().state(), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_EQ(events[4]->status().state(), wm::v1::GATEWAY_STATE_REMOVED);
  EXPECT_EQ(metrics_.duplicates.Value(), 2);
  EXPECT_TRUE(hub_.Snapshot().empty());
}

TEST_F(IngestProcessorTest, ResponsesCarryRequestIdResultAndRawMessage) {
  gwapi::GenericMessage m;
  auto* r = m.mutable_wirepas()->mutable_get_configs_resp();
  r->mutable_header()->set_req_id(0);
  r->mutable_header()->set_gw_id("gw1");
  r->mutable_header()->set_res(gwapi::OK);
  r->add_configs()->set_sink_id("sink0");
  const std::string bytes = Serialize(m);
  processor_.Handle("gw-response/get_configs/gw1", bytes, false);
  auto events = Drain();
  ASSERT_EQ(events.size(), 1u);
  const wm::v1::GatewayResponse& response = events[0]->response();
  EXPECT_EQ(events[0]->kind(), wm::v1::EVENT_KIND_RESPONSE);
  EXPECT_EQ(response.method(), wm::v1::GATEWAY_METHOD_GET_CONFIGS);
  EXPECT_EQ(response.request_id(), 0u);
  EXPECT_EQ(response.result(), 0);
  EXPECT_EQ(response.result_name(), "OK");
  ASSERT_EQ(response.configs_size(), 1);
  EXPECT_EQ(response.raw_message(), bytes);

  // A response on the wrong method's topic is rejected.
  processor_.Handle("gw-response/get_gw_info/gw1", bytes, false);
  EXPECT_TRUE(Drain().empty());
}

TEST_F(IngestProcessorTest, GatewayMessagesCarryTheGatewaysTime) {
  gwapi::GenericMessage status;
  ASSERT_TRUE(status.ParseFromString(Status("gw1", gwapi::ON, 1)));
  status.mutable_wirepas()->mutable_status_event()->mutable_header()->set_time_ms_epoch(
      1'700'000'000'001);
  processor_.Handle("gw-event/status/gw1", Serialize(status), true);

  gwapi::GenericMessage packet;
  ASSERT_TRUE(packet.ParseFromString(Packet("gw1", 5, 10, 11, "x")));
  packet.mutable_wirepas()->mutable_packet_received_event()->mutable_header()->set_time_ms_epoch(
      1'700'000'000'002);
  processor_.Handle("gw-event/received_data/gw1/sink0/77/10/11", Serialize(packet), false);

  gwapi::GenericMessage configs;
  auto* get_configs = configs.mutable_wirepas()->mutable_get_configs_resp();
  get_configs->mutable_header()->set_req_id(0);
  get_configs->mutable_header()->set_gw_id("gw1");
  get_configs->mutable_header()->set_res(gwapi::OK);
  get_configs->mutable_header()->set_time_ms_epoch(1'700'000'000'003);
  processor_.Handle("gw-response/get_configs/gw1", Serialize(configs), false);

  gwapi::GenericMessage set_config;
  auto* set = set_config.mutable_wirepas()->mutable_set_config_resp();
  set->mutable_header()->set_req_id(7);
  set->mutable_header()->set_gw_id("gw1");
  set->mutable_header()->set_sink_id("sink0");
  set->mutable_header()->set_res(gwapi::OK);
  set->mutable_header()->set_time_ms_epoch(1'700'000'000'004);
  processor_.Handle("gw-response/set_config/gw1/sink0", Serialize(set_config), false);

  gwapi::GenericMessage info;
  auto* gw_info = info.mutable_wirepas()->mutable_get_gateway_info_resp();
  gw_info->mutable_header()->set_req_id(8);
  gw_info->mutable_header()->set_gw_id("gw1");
  gw_info->mutable_header()->set_res(gwapi::OK);
  gw_info->mutable_header()->set_time_ms_epoch(1'700'000'000'005);
  processor_.Handle("gw-response/get_gw_info/gw1", Serialize(info), false);

  get_configs->mutable_header()->clear_time_ms_epoch();  // a gateway from before 2022
  processor_.Handle("gw-response/get_configs/gw1", Serialize(configs), false);

  auto events = Drain();
  ASSERT_EQ(events.size(), 6u);
  for (uint64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(events[i]->gateway_time_ms_epoch(), 1'700'000'000'001 + i) << "event " << i;
    EXPECT_EQ(events[i]->ingest_time_ms_epoch(), 1'800'000'000'000u);
  }
  EXPECT_EQ(events[5]->gateway_time_ms_epoch(), 0u);
}

TEST_F(IngestProcessorTest, ObservedDownlinkBecomesEvent) {
  gwapi::GenericMessage m;
  auto* req = m.mutable_wirepas()->mutable_send_packet_req();
  req->mutable_header()->set_req_id(99);
  req->set_destination_address(0xFFFFFFFF);
  req->set_source_endpoint(255);
  req->set_destination_endpoint(240);
  req->set_qos(1);
  req->set_payload("\x00\x01", 2);
  req->set_hop_limit(3);
  processor_.Handle("gw-request/send_data/gw1/sink1", Serialize(m), false);
  auto events = Drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->kind(), wm::v1::EVENT_KIND_DOWNLINK);
  EXPECT_EQ(events[0]->sink_id(), "sink1");
  EXPECT_EQ(events[0]->downlink().request_id(), 99u);
  EXPECT_EQ(events[0]->downlink().destination_address(), 0xFFFFFFFFu);
  EXPECT_EQ(events[0]->downlink().hop_limit(), 3u);
}

}  // namespace
}  // namespace wm::ingest
