// Runs the real wm-gateway-sim binary against a private mosquitto and watches the broker as a
// backend would: retained statuses, received_data, answers to requests, the last will.
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/subprocess.h"
#include "libs/wirepas/message.h"
#include "tools/gateway_sim/broker_observer.h"

namespace wm::gateway_sim {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;
using ::wm::testing::MosquittoProcess;
using ::wm::testing::Subprocess;

constexpr absl::Duration kTimeout = absl::Seconds(20);
const std::vector<std::string> kGateways = {"sim-gw-1", "sim-gw-2"};

std::vector<std::string> SimArgs(int port, std::vector<std::string> extra) {
  std::vector<std::string> args = {"--mqtt_hostname=127.0.0.1", absl::StrCat("--mqtt_port=", port),
                                   "--mqtt_force_unsecure",     "--gateways=2",
                                   "--sinks_per_gateway=2",     "--nodes_per_sink=3",
                                   "--log_level=debug"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string SimBinary() { return wm::testing::RunfilePath("tools/gateway_sim/wm-gateway-sim"); }

TEST(GatewaySimIntegrationTest, StatusTrafficRequestsAndOfflineOnSigterm) {
  absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  const int port = (*broker)->port();
  BrokerObserver live(port);
  ASSERT_TRUE(live.subscribed());

  absl::StatusOr<std::unique_ptr<Subprocess>> sim = Subprocess::Start(
      SimBinary(), SimArgs(port, {"--count=40", "--rate=0", "--duplicate_ratio=0.25",
                                  "--garbage_ratio=0.1", "--seed=5"}));
  ASSERT_TRUE(sim.ok()) << sim.status();

  // Every gateway comes online with every sink's configuration.
  for (const std::string& gw_id : kGateways) {
    ASSERT_TRUE(Eventually([&] { return live.LatestStateIs(gw_id, gwapi::ON); }))
        << gw_id << "\n"
        << (*sim)->Output();
    const gwapi::StatusEvent online = *live.Statuses(gw_id).back();
    EXPECT_EQ(online.header().gw_id(), gw_id);
    EXPECT_EQ(online.version(), 1u);
    ASSERT_EQ(online.configs_size(), 2);
    EXPECT_EQ(online.configs(0).sink_id(), "sink0");
    EXPECT_EQ(online.configs(1).max_mtu(), 102u);
    EXPECT_GT(online.gw_features_size(), 0);
  }
  // A backend starting now discovers them from the retained statuses.
  BrokerObserver late(port);
  for (const std::string& gw_id : kGateways) {
    ASSERT_TRUE(Eventually([&] { return !late.Statuses(gw_id, /*retained_only=*/true).empty(); }))
        << gw_id;
    ASSERT_TRUE(late.Statuses(gw_id, true).back().has_value());
    EXPECT_EQ(late.Statuses(gw_id, true).back()->state(), gwapi::ON);
  }

  // count unique packets, floor(count * ratio) duplicates and garbage messages.
  ASSERT_TRUE(Eventually([&] {
    BrokerObserver::DataCounts data = live.Data();
    return data.unique >= 40 && data.duplicates >= 10 && data.garbage >= 4;
  })) << (*sim)->Output();

  // get_configs is answered with the request's req_id and every sink.
  wirepas::GenericMessage request;
  request.mutable_wirepas()->mutable_get_configs_req()->mutable_header()->set_req_id(77);
  ASSERT_TRUE(live.client()
                  .Publish("gw-request/get_configs/sim-gw-1", request.SerializeAsString(), 1, false)
                  .ok());
  ASSERT_TRUE(Eventually([&] { return live.GetConfigsResponse(77).has_value(); }))
      << (*sim)->Output();
  const auto [topic, response] = *live.GetConfigsResponse(77);
  EXPECT_EQ(topic, "gw-response/get_configs/sim-gw-1");
  EXPECT_EQ(response.header().gw_id(), "sim-gw-1");
  EXPECT_EQ(response.header().res(), gwapi::OK);
  EXPECT_EQ(response.configs_size(), 2);

  // SIGTERM: each gateway says OFFLINE itself and the process exits 0.
  ASSERT_TRUE((*sim)->Signal(SIGTERM).ok());
  absl::StatusOr<int> exit_code = (*sim)->Wait(kTimeout);
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << (*sim)->Output();
  for (const std::string& gw_id : kGateways) {
    ASSERT_TRUE(Eventually([&] { return live.LatestStateIs(gw_id, gwapi::OFF); })) << gw_id;
    EXPECT_EQ(live.Statuses(gw_id).back()->configs_size(), 0);
  }
  // Nothing beyond what was configured arrived (the OFFLINE statuses came after all traffic).
  const BrokerObserver::DataCounts data = live.Data();
  EXPECT_EQ(data.unique, 40u);
  EXPECT_EQ(data.duplicates, 10u);
  EXPECT_EQ(data.garbage, 4u);
  EXPECT_EQ(data.incomplete, 0u);
  EXPECT_NE((*sim)->Output().find("summary unique=40 duplicates=10 garbage=4 responses=1"),
            std::string::npos)
      << (*sim)->Output();

  // The retained status is now OFFLINE for a newcomer.
  BrokerObserver after(port);
  for (const std::string& gw_id : kGateways) {
    ASSERT_TRUE(Eventually([&] { return !after.Statuses(gw_id, true).empty(); })) << gw_id;
    ASSERT_TRUE(after.Statuses(gw_id, true).back().has_value());
    EXPECT_EQ(after.Statuses(gw_id, true).back()->state(), gwapi::OFF);
  }
}

TEST(GatewaySimIntegrationTest, ClearStatusOnExitRemovesTheGateways) {
  absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  const int port = (*broker)->port();
  BrokerObserver live(port);
  ASSERT_TRUE(live.subscribed());
  absl::StatusOr<std::unique_ptr<Subprocess>> sim = Subprocess::Start(
      SimBinary(), SimArgs(port, {"--count=5", "--clear_status_on_exit", "--exit_after_count"}));
  ASSERT_TRUE(sim.ok()) << sim.status();
  absl::StatusOr<int> exit_code = (*sim)->Wait(kTimeout);
  ASSERT_TRUE(exit_code.ok()) << exit_code.status() << (*sim)->Output();
  EXPECT_EQ(*exit_code, 0) << (*sim)->Output();
  for (const std::string& gw_id : kGateways) {
    ASSERT_TRUE(Eventually([&] {
      auto statuses = live.Statuses(gw_id);
      return !statuses.empty() && !statuses.back().has_value();
    })) << gw_id;
  }
  EXPECT_EQ(live.Data().unique, 5u);
}

TEST(GatewaySimIntegrationTest, TheBrokerPublishesTheLastWillWhenTheSimulatorDies) {
  absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  const int port = (*broker)->port();
  BrokerObserver live(port);
  ASSERT_TRUE(live.subscribed());
  absl::StatusOr<std::unique_ptr<Subprocess>> sim =
      Subprocess::Start(SimBinary(), SimArgs(port, {"--gateways=1"}));
  ASSERT_TRUE(sim.ok()) << sim.status();
  ASSERT_TRUE(Eventually([&] { return live.LatestStateIs("sim-gw-1", gwapi::ON); }))
      << (*sim)->Output();
  ASSERT_TRUE((*sim)->Signal(SIGKILL).ok());
  ASSERT_TRUE(Eventually([&] { return live.LatestStateIs("sim-gw-1", gwapi::OFF); }));
  const gwapi::StatusEvent will = *live.Statuses("sim-gw-1").back();
  EXPECT_EQ(will.version(), 1u);
  EXPECT_EQ(will.configs_size(), 0);
  EXPECT_EQ(will.gw_model(), "wm-gateway-sim");
}

}  // namespace
}  // namespace wm::gateway_sim
