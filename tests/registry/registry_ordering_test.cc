// wm-registry orders a gateway's messages by the gateway's own time, end to end: a real
// mosquitto, the real wm-ingest and wm-registry, an MQTT client playing a gateway whose
// publish queue is last-in-first-out (older messages arrive after newer ones), and checks over
// wm.v1.Registry (docs/ordering.md).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/gateway_messages.h"
#include "tests/registry/gateway_script.h"
#include "tests/registry/registry_stack.h"

namespace wm::registry {
namespace {

using ::testing::ElementsAre;
using ::wm::testing::GatewayPacket;
using ::wm::testing::PlayedSink;
using ::wm::testing::RegistryStack;
using ::wm::testing::WaitUntil;

constexpr uint64_t kNetwork = 77;
constexpr uint64_t kT = 1'800'000'000'000;  // the gateway's clock
const PlayedSink kSinkA{"sinkA", kNetwork, 1, 5};
const PlayedSink kSinkB{"sinkB", kNetwork, 2, 5};
const PlayedSink kSinkC{"sinkC", kNetwork, 3, 5};

class RegistryOrderingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stack = RegistryStack::Start();
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
  }

  void Status(const std::vector<PlayedSink>& sinks, uint64_t gateway_ms) {
    ASSERT_TRUE(
        stack_
            ->Publish(wm::testing::GatewayStatusTopic("gw-1"),
                      wm::testing::OnlineStatusBytes("gw-1", sinks, ++event_id_, gateway_ms),
                      /*retained=*/true)
            .ok());
  }
  void GetConfigs(const std::vector<PlayedSink>& sinks, uint64_t gateway_ms) {
    ASSERT_TRUE(stack_
                    ->Publish(wm::testing::GetConfigsResponseTopic("gw-1"),
                              wm::testing::GetConfigsResponseBytes("gw-1", sinks, /*request_id=*/0,
                                                                   gateway_ms))
                    .ok());
  }
  void SetConfig(const PlayedSink& sink, uint64_t gateway_ms) {
    ASSERT_TRUE(stack_
                    ->Publish(wm::testing::SetConfigResponseTopic("gw-1", sink.sink_id),
                              wm::testing::SetConfigResponseBytes("gw-1", sink, /*request_id=*/0,
                                                                  gateway_ms))
                    .ok());
  }
  // A packet from `node` received by the gateway at kT + `rx_offset_ms`.
  void Packet(uint32_t node, uint64_t rx_offset_ms, const std::string& payload = "app",
              uint32_t src_ep = 10) {
    // GatewayPacket's rx time is 1'800'000'000'000 + event id.
    GatewayPacket packet{.gateway_id = "gw-1",
                         .sink_id = "sinkA",
                         .network_address = kNetwork,
                         .event_id = rx_offset_ms,
                         .source_address = node,
                         .source_endpoint = src_ep,
                         .destination_endpoint = src_ep == 10 ? 10u : 255u,
                         .payload = payload};
    ASSERT_TRUE(stack_->Publish(packet.Topic(), packet.Bytes()).ok());
  }
  // Publishes one more packet of a marker node and waits until the registry counted it: the
  // registry applies ingest's stream in order, so everything published before is applied.
  void Settle() {
    ++marker_packets_;
    ASSERT_NO_FATAL_FAILURE(Packet(9999, 900'000 + marker_packets_));
    ASSERT_TRUE(WaitUntil([&] {
      absl::StatusOr<wm::v1::Node> node = stack_->GetNode(kNetwork, 9999);
      return node.ok() && node->packets() == marker_packets_;
    })) << "the registry never applied marker packet "
        << marker_packets_;
  }

  std::vector<std::string> SinkIds() {
    std::vector<std::string> ids;
    absl::StatusOr<std::vector<wm::v1::Sink>> sinks = stack_->ListSinks();
    EXPECT_TRUE(sinks.ok()) << sinks.status();
    if (sinks.ok()) {
      for (const wm::v1::Sink& sink : *sinks) ids.push_back(sink.sink_id());
    }
    return ids;
  }

  std::unique_ptr<RegistryStack> stack_;
  uint64_t event_id_ = 0;
  uint64_t marker_packets_ = 0;
};

TEST_F(RegistryOrderingTest, AHeldBackGetConfigsAnswerNeverDropsASinkOfANewerStatus) {
  // The gateway made the req_id 0 answer (sink A only) before its status (A and B), but its
  // queue published the status first.
  ASSERT_NO_FATAL_FAILURE(Status({kSinkA, kSinkB}, kT + 2000));
  ASSERT_NO_FATAL_FAILURE(GetConfigs({kSinkA}, kT + 1000));
  ASSERT_NO_FATAL_FAILURE(Settle());
  EXPECT_THAT(SinkIds(), ElementsAre("sinkA", "sinkB"));

  // A sink added after the status, then an answer of between the two, held back too.
  ASSERT_NO_FATAL_FAILURE(SetConfig(kSinkC, kT + 3000));
  ASSERT_NO_FATAL_FAILURE(GetConfigs({kSinkA, kSinkB}, kT + 2500));
  ASSERT_NO_FATAL_FAILURE(Settle());
  EXPECT_THAT(SinkIds(), ElementsAre("sinkA", "sinkB", "sinkC"));

  // The times are kept across a restart of the registry: the stream it follows again starts
  // with the (older) status, and another held-back answer arrives.
  ASSERT_TRUE(stack_->StopRegistry(absl::Seconds(20)).ok());
  ASSERT_TRUE(stack_->StartRegistry().ok());
  ASSERT_NO_FATAL_FAILURE(GetConfigs({kSinkA}, kT + 1500));
  ASSERT_NO_FATAL_FAILURE(Settle());
  EXPECT_THAT(SinkIds(), ElementsAre("sinkA", "sinkB", "sinkC"));

  // A newer answer that lists A only is a real removal.
  ASSERT_NO_FATAL_FAILURE(GetConfigs({kSinkA}, kT + 4000));
  ASSERT_TRUE(WaitUntil([&] { return SinkIds() == std::vector<std::string>{"sinkA"}; }))
      << "sinks B and C were never removed";
  absl::StatusOr<wm::v1::Gateway> gateway = stack_->GetGateway("gw-1");
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  EXPECT_THAT(gateway->sink_ids(), ElementsAre("sinkA"));
}

TEST_F(RegistryOrderingTest, NodeValuesFollowTheRxTimeNotTheArrival) {
  ASSERT_NO_FATAL_FAILURE(Status({kSinkA}, kT + 1000));
  // Node diagnostics: 95 -> 2.95 V, received by the gateway after the 2.80 V one that its
  // queue publishes later.
  ASSERT_NO_FATAL_FAILURE(Packet(1001, 50, wm::testing::NodeDiagnosticsPayload(0x82, 95), 253));
  ASSERT_NO_FATAL_FAILURE(Packet(1001, 40, wm::testing::NodeDiagnosticsPayload(0x82, 80), 253));
  ASSERT_NO_FATAL_FAILURE(Settle());
  absl::StatusOr<wm::v1::Node> node = stack_->GetNode(kNetwork, 1001);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->packets(), 2u);
  EXPECT_EQ(node->voltage_mv(), 2950u);
}

TEST_F(RegistryOrderingTest, WithoutGatewayTimesTheLaterArrivalWins) {
  // A gateway from before 2022: no time_ms_epoch in any header.
  ASSERT_NO_FATAL_FAILURE(Status({kSinkA, kSinkB}, 0));
  ASSERT_NO_FATAL_FAILURE(GetConfigs({kSinkA}, 0));
  ASSERT_TRUE(WaitUntil([&] { return SinkIds() == std::vector<std::string>{"sinkA"}; }))
      << "the later answer did not replace the sinks";
}

}  // namespace
}  // namespace wm::registry
