#include "tools/gateway_sim/simulator.h"

#include "gtest/gtest.h"
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

}  // namespace
}  // namespace wm::gateway_sim
