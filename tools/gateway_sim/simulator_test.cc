#include "tools/gateway_sim/simulator.h"

#include <set>

#include "gtest/gtest.h"
#include "libs/decoders/msap_encoder.h"
#include "libs/decoders/msap_responses.h"
#include "libs/testing/mosquitto.h"
#include "libs/wirepas/message.h"
#include "prometheus/registry.h"
#include "tools/gateway_sim/broker_observer.h"

namespace wm::gateway_sim {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;
using ::wm::testing::MosquittoProcess;

SimulatorOptions SmallRun(int port) {
  SimulatorOptions options;
  options.topology.gateways = 1;
  options.topology.sinks_per_gateway = 1;
  options.topology.nodes_per_sink = 4;
  options.mqtt.host = "127.0.0.1";
  options.mqtt.port = port;
  options.mqtt.force_unsecure = true;
  options.mqtt.reconnect_min_delay = absl::Milliseconds(50);
  options.mqtt.reconnect_max_delay = absl::Milliseconds(200);
  return options;
}

double CounterValue(prometheus::Registry& registry, const std::string& name,
                    const std::string& label, const std::string& value) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& pair : metric.label) {
        if (pair.name == label && pair.value == value) return metric.counter.value;
      }
    }
  }
  return -1;
}

TEST(SimulatorTest, RejectsBadOptions) {
  SimulatorOptions options = SmallRun(1);
  options.rate = -1;
  EXPECT_EQ(Simulator::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = SmallRun(1);
  options.traffic.duplicate_ratio = 2;
  EXPECT_EQ(Simulator::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = SmallRun(1);
  options.publish_window = 0;
  EXPECT_EQ(Simulator::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = SmallRun(1);
  options.topology.gateway_id_prefix = "a/b";
  EXPECT_EQ(Simulator::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SimulatorTest, AnswersGetGwInfoAndCountsInMetrics) {
  absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  BrokerObserver live((*broker)->port());
  ASSERT_TRUE(live.subscribed());
  SimulatorOptions options = SmallRun((*broker)->port());
  options.traffic.count = 12;
  options.rate = 0;
  prometheus::Registry registry;
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(options, &registry);
  ASSERT_TRUE(sim.ok()) << sim.status();
  ASSERT_TRUE((*sim)->Start().ok());
  ASSERT_TRUE((*sim)->WaitUntilTrafficDone(absl::Seconds(20)));
  ASSERT_TRUE(Eventually([&] { return live.LatestStateIs("sim-gw-1", gwapi::ON); }));

  wirepas::GenericMessage request;
  request.mutable_wirepas()->mutable_get_gateway_info_req()->mutable_header()->set_req_id(9);
  ASSERT_TRUE(live.client()
                  .Publish("gw-request/get_gw_info/sim-gw-1", request.SerializeAsString(), 2, false)
                  .ok());
  std::optional<gwapi::GetGwInfoResp> response;
  ASSERT_TRUE(Eventually([&] {
    for (const mqtt::MqttMessage& m : live.Messages()) {
      if (m.topic() != "gw-response/get_gw_info/sim-gw-1") continue;
      absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(m.payload());
      if (parsed.ok()) response = parsed->wirepas().get_gateway_info_resp();
    }
    return response.has_value();
  }));
  EXPECT_EQ(response->header().req_id(), 9u);
  EXPECT_EQ(response->header().gw_id(), "sim-gw-1");
  EXPECT_EQ(response->info().implemented_api_version(), 2u);

  // A request the simulator cannot answer is counted, not answered.
  ASSERT_TRUE(live.client().Publish("gw-request/get_gw_info/sim-gw-1", "\x07xx", 2, false).ok());
  ASSERT_TRUE(Eventually([&] { return (*sim)->Summary().requests_ignored == 1; }));

  (*sim)->Stop();
  EXPECT_EQ((*sim)->Summary().unique, 12);
  EXPECT_EQ((*sim)->Summary().responses, 1);
  EXPECT_EQ(CounterValue(registry, "wm_sim_packets_published_total", "kind", "unique"), 12);
  EXPECT_EQ(CounterValue(registry, "wm_sim_responses_sent_total", "method", "get_gw_info"), 1);
  EXPECT_EQ(CounterValue(registry, "wm_sim_requests_ignored_total", "reason", "invalid"), 1);
  EXPECT_EQ(CounterValue(registry, "wm_mqtt_messages_published_total", "gateway", "sim-gw-1"),
            (*sim)->Summary().unique + (*sim)->Summary().statuses + 1);
}

TEST(SimulatorTest, SurvivesABrokerRestartAndRepublishesItsStatus) {
  absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  SimulatorOptions options = SmallRun((*broker)->port());
  options.traffic.count = 60;
  options.rate = 30;
  absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Create(options);
  ASSERT_TRUE(sim.ok()) << sim.status();
  ASSERT_TRUE((*sim)->Start().ok());
  ASSERT_TRUE(Eventually([&] { return (*sim)->Summary().unique >= 5; }));

  ASSERT_TRUE((*broker)->Stop().ok());
  ASSERT_TRUE((*broker)->StartAgain().ok());
  // The retained status was lost with the broker; the gateway publishes it again on reconnect.
  BrokerObserver late((*broker)->port());
  ASSERT_TRUE(late.subscribed());
  ASSERT_TRUE(Eventually([&] { return late.LatestStateIs("sim-gw-1", gwapi::ON); }));
  ASSERT_TRUE((*sim)->WaitUntilTrafficDone(absl::Seconds(20)));
  EXPECT_EQ((*sim)->Summary().unique, 60);
  EXPECT_GE((*sim)->Summary().statuses, 2);
  (*sim)->Stop();
}

// A running simulator (1 gateway, 1 sink, 4 nodes; `count` packets at full speed, 0 = none
// once started, see below) and a backend's view of the broker.
struct RunningSim {
  explicit RunningSim(std::function<void(SimulatorOptions&)> configure = {}) {
    absl::StatusOr<std::unique_ptr<MosquittoProcess>> started = MosquittoProcess::Start();
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) return;
    broker = *std::move(started);
    live = std::make_unique<BrokerObserver>(broker->port());
    EXPECT_TRUE(live->subscribed());
    SimulatorOptions options = SmallRun(broker->port());
    options.traffic.count = 1;
    options.rate = 0;
    if (configure) configure(options);
    absl::StatusOr<std::unique_ptr<Simulator>> created = Simulator::Create(options, &registry);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return;
    sim = *std::move(created);
    EXPECT_TRUE(sim->Start().ok());
    EXPECT_TRUE(Eventually([&] { return live->LatestStateIs("sim-gw-1", gwapi::ON); }));
  }
  ~RunningSim() {
    if (sim != nullptr) sim->Stop();
  }
  bool ok() const { return sim != nullptr && live != nullptr && live->subscribed(); }

  void Request(wirepas::Method method, const wirepas::GenericMessage& request) {
    EXPECT_TRUE(live->client()
                    .Publish(wirepas::RequestTopic(method, "sim-gw-1", "sink0"),
                             request.SerializeAsString(), 2, false)
                    .ok());
  }

  prometheus::Registry registry;
  std::unique_ptr<MosquittoProcess> broker;
  std::unique_ptr<BrokerObserver> live;
  std::unique_ptr<Simulator> sim;
};

wirepas::GenericMessage SetChannel(uint64_t req_id, uint32_t channel) {
  wirepas::GenericMessage request;
  gwapi::SetConfigReq* req = request.mutable_wirepas()->mutable_set_config_req();
  req->mutable_header()->set_req_id(req_id);
  req->mutable_header()->set_sink_id("sink0");
  req->mutable_config()->set_sink_id("sink0");
  req->mutable_config()->set_network_channel(channel);
  return request;
}

wirepas::GenericMessage GetConfigs(uint64_t req_id) {
  wirepas::GenericMessage request;
  request.mutable_wirepas()->mutable_get_configs_req()->mutable_header()->set_req_id(req_id);
  return request;
}

TEST(SimulatorTest, SetConfigIsAnsweredThenAnnouncedWithStatusAndReqIdZeroResponses) {
  RunningSim run;
  ASSERT_TRUE(run.ok());
  run.Request(wirepas::Method::kSetConfig, SetChannel(501, 33));
  ASSERT_TRUE(Eventually([&] { return run.live->ResponseTo(501).has_value(); }));
  const auto [topic, response] = *run.live->ResponseTo(501);
  EXPECT_EQ(topic, "gw-response/set_config/sim-gw-1/sink0");
  EXPECT_EQ(response.wirepas().set_config_resp().header().res(), gwapi::OK);
  EXPECT_EQ(response.wirepas().set_config_resp().config().network_channel(), 33u);

  // A new ONLINE status with the new configuration, retained for newcomers.
  ASSERT_TRUE(Eventually([&] {
    auto statuses = run.live->Statuses("sim-gw-1");
    return statuses.size() >= 2 && statuses.back().has_value() &&
           statuses.back()->configs_size() == 1 &&
           statuses.back()->configs(0).network_channel() == 33;
  }));
  // The req_id 0 responses for older backends.
  ASSERT_TRUE(Eventually([&] {
    int unsolicited = 0;
    for (const auto& [t, m] : run.live->ParsedOn("gw-response/")) {
      const gwapi::ResponseHeader* header = wirepas::ResponseHeaderOf(m);
      if (header == nullptr || header->req_id() != 0) continue;
      if (t == "gw-response/get_configs/sim-gw-1" &&
          m.wirepas().get_configs_resp().configs(0).network_channel() == 33) {
        ++unsolicited;
      }
      if (t == "gw-response/set_config/sim-gw-1/sink0" &&
          m.wirepas().set_config_resp().config().network_channel() == 33) {
        ++unsolicited;
      }
    }
    return unsolicited == 2;
  }));
  BrokerObserver late(run.broker->port());
  ASSERT_TRUE(Eventually([&] { return !late.Statuses("sim-gw-1", true).empty(); }));
  EXPECT_EQ(late.Statuses("sim-gw-1", true).back()->configs(0).network_channel(), 33u);
  EXPECT_EQ(
      CounterValue(run.registry, "wm_sim_unsolicited_responses_total", "method", "set_config"), 1);

  // The same value again changes nothing: answered, not announced.
  run.Request(wirepas::Method::kSetConfig, SetChannel(502, 33));
  ASSERT_TRUE(Eventually([&] { return run.live->ResponseTo(502).has_value(); }));
  run.Request(wirepas::Method::kGetConfigs, GetConfigs(503));
  ASSERT_TRUE(Eventually([&] { return run.live->ResponseTo(503).has_value(); }));
  EXPECT_EQ(run.sim->Summary().statuses, 2);
}

TEST(SimulatorTest, NodesAnswerABroadcastPingOverTime) {
  RunningSim run;
  ASSERT_TRUE(run.ok());
  const std::string reference = "\x01\x02\x03\x04";
  wirepas::GenericMessage request;
  gwapi::SendPacketReq* req = request.mutable_wirepas()->mutable_send_packet_req();
  req->mutable_header()->set_req_id(601);
  req->set_destination_address(0xFFFFFFFF);
  req->set_source_endpoint(255);
  req->set_destination_endpoint(240);
  req->set_qos(0);
  req->set_payload(*decoders::EncodeMsapPing(reference));
  run.Request(wirepas::Method::kSendData, request);
  ASSERT_TRUE(Eventually([&] { return run.live->ResponseTo(601).has_value(); }));
  EXPECT_EQ(run.live->ResponseTo(601)->second.wirepas().send_packet_resp().header().res(),
            gwapi::OK);

  const std::string replies = "gw-event/received_data/sim-gw-1/sink0/1193046/240/255";
  ASSERT_TRUE(Eventually([&] { return run.live->ParsedOn(replies).size() == 4; }));
  std::set<uint32_t> sources;
  for (const auto& [topic, message] : run.live->ParsedOn(replies)) {
    const gwapi::PacketReceivedEvent& event = message.wirepas().packet_received_event();
    sources.insert(event.source_address());
    wm::v1::MsapResponses decoded;
    EXPECT_FALSE(decoders::DecodeMsapResponses(event.payload(), &decoded).has_value());
    ASSERT_EQ(decoded.frames_size(), 1);
    EXPECT_EQ(decoded.frames(0).ping().reference(), reference);
  }
  std::set<uint32_t> nodes;
  for (const SimNode& node : run.sim->topology().gateways[0].sinks[0].nodes) {
    nodes.insert(node.address);
  }
  EXPECT_EQ(sources, nodes);
  EXPECT_TRUE(Eventually([&] { return run.sim->Summary().node_packets == 4; }));
}

TEST(SimulatorTest, DroppedAndDelayedAnswers) {
  RunningSim run([](SimulatorOptions& options) {
    options.responses.drop_ratio[static_cast<size_t>(wirepas::Method::kSetConfig)] = 1;
    options.responses.delay = absl::Milliseconds(400);
  });
  ASSERT_TRUE(run.ok());
  const absl::Time sent = absl::Now();
  run.Request(wirepas::Method::kGetConfigs, GetConfigs(701));
  ASSERT_TRUE(Eventually([&] { return run.live->ResponseTo(701).has_value(); }));
  EXPECT_GE(absl::Now() - sent, absl::Milliseconds(400));

  // Dropped, yet applied and announced.
  run.Request(wirepas::Method::kSetConfig, SetChannel(702, 21));
  ASSERT_TRUE(Eventually([&] {
    auto statuses = run.live->Statuses("sim-gw-1");
    return statuses.back().has_value() && statuses.back()->configs_size() == 1 &&
           statuses.back()->configs(0).network_channel() == 21;
  }));
  run.Request(wirepas::Method::kGetConfigs, GetConfigs(703));
  ASSERT_TRUE(Eventually([&] { return run.live->ResponseTo(703).has_value(); }));
  EXPECT_FALSE(run.live->ResponseTo(702).has_value());
  EXPECT_EQ(
      run.live->ResponseTo(703)->second.wirepas().get_configs_resp().configs(0).network_channel(),
      21u);
  EXPECT_EQ(run.sim->Summary().responses_dropped, 1);
  EXPECT_EQ(CounterValue(run.registry, "wm_sim_responses_dropped_total", "method", "set_config"),
            1);
}

TEST(SimulatorTest, AStoppedSinkSendsNoTraffic) {
  RunningSim run([](SimulatorOptions& options) {
    options.traffic.count = 0;  // forever
    options.rate = 200;
  });
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(Eventually([&] { return run.sim->Summary().unique >= 10; }));
  wirepas::GenericMessage stop;
  gwapi::SetConfigReq* req = stop.mutable_wirepas()->mutable_set_config_req();
  req->mutable_header()->set_req_id(801);
  req->mutable_header()->set_sink_id("sink0");
  req->mutable_config()->set_sink_id("sink0");
  req->mutable_config()->set_sink_state(gwapi::OFF);
  run.Request(wirepas::Method::kSetConfig, stop);
  ASSERT_TRUE(Eventually([&] { return run.live->ResponseTo(801).has_value(); }));
  // The answer went out after the stack stopped: nothing was published since.
  const int64_t unique = run.sim->Summary().unique;
  ASSERT_TRUE(Eventually([&] {
    return CounterValue(run.registry, "wm_sim_packets_not_sent_total", "reason", "sink_stopped") >=
           20;
  }));
  EXPECT_EQ(run.sim->Summary().unique, unique);
}

}  // namespace
}  // namespace wm::gateway_sim
