#include "services/registry/store_flusher.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "prometheus/registry.h"
#include "services/registry/sqlite_store.h"
#include "services/registry/test_events.h"

namespace wm::registry {
namespace {

using ::wm::registry::testing::PacketEvent;
using ::wm::registry::testing::SetBootDiagnostics;
using ::wm::registry::testing::SetNodeDiagnostics;
using ::wm::registry::testing::SinkConfigOf;
using ::wm::registry::testing::StatusEvent;

// A store that keeps the batches it is given and fails while told to.
class RecordingStore : public RegistryStore {
 public:
  absl::StatusOr<RegistrySnapshot> Load() override { return RegistrySnapshot(); }
  absl::Status Write(const StoreBatch& batch) override {
    batches.push_back(batch);
    if (fail) return absl::UnavailableError("disk on fire");
    return absl::OkStatus();
  }
  std::vector<StoreBatch> batches;
  bool fail = false;
};

class StoreFlusherTest : public ::testing::Test {
 protected:
  prometheus::Registry registry_;
  RegistryMetrics metrics_{registry_};
  RegistryState state_{{}, nullptr};
};

TEST_F(StoreFlusherTest, EventsSurviveARestartThroughTheSqliteFile) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("flusher");
  ASSERT_TRUE(dir.ok());
  const std::string path = *dir + "/registry.db";
  {
    auto store = SqliteRegistryStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    StoreFlusher flusher(state_, **store, metrics_);
    state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                             {SinkConfigOf("sink0", 77, 1), SinkConfigOf("sink1", 77, 2)}));
    wm::v1::Event node = PacketEvent("gw-1", "sink0", 77, 1001);
    SetNodeDiagnostics(&node, 0x83, 3.1);
    state_.Apply(node);
    ASSERT_TRUE(flusher.Flush().ok());
    wm::v1::Event boot = PacketEvent("gw-1", "sink1", 77, 1001, 2'000'000);
    SetBootDiagnostics(&boot, 3, 0x83, 0x05000001, 9);
    state_.Apply(boot);
    state_.Apply(PacketEvent("gw-1", "sink1", 78, 42));
    ASSERT_TRUE(flusher.Flush().ok());
  }
  // Gateway, two sinks, a node; then the gateway (seen later) and two nodes.
  EXPECT_EQ(metrics_.store_rows.Value(), (1 + 2 + 1) + (1 + 2));
  EXPECT_EQ(metrics_.store_errors.Value(), 0);

  auto store = SqliteRegistryStore::Open(path);
  ASSERT_TRUE(store.ok());
  absl::StatusOr<RegistrySnapshot> snapshot = (*store)->Load();
  ASSERT_TRUE(snapshot.ok());
  RegistryState restored({}, nullptr);
  restored.Restore(*snapshot);
  for (const auto& [network, address] :
       std::vector<std::pair<uint64_t, uint32_t>>{{77, 1001}, {78, 42}}) {
    absl::StatusOr<wm::v1::Node> before = state_.GetNode(network, address);
    absl::StatusOr<wm::v1::Node> after = restored.GetNode(network, address);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(before->DebugString(), after->DebugString());
  }
  absl::StatusOr<wm::v1::Node> node = restored.GetNode(77, 1001);
  EXPECT_EQ(node->voltage_mv(), 3100u);
  EXPECT_EQ(node->boot_count(), 3u);
  EXPECT_EQ(node->sink_id(), "sink1");
  EXPECT_EQ(node->packets(), 2u);
  wm::v1::ListSinksResponse sinks;
  restored.ListSinks({}, &sinks);
  ASSERT_EQ(sinks.sinks_size(), 2);
  EXPECT_EQ(sinks.sinks(1).node_count(), 2u);
  EXPECT_EQ(restored.GetGateway("gw-1")->state(), wm::v1::GATEWAY_STATE_ONLINE);
}

TEST_F(StoreFlusherTest, ManyPacketsCostOneTransaction) {
  RecordingStore store;
  StoreFlusher flusher(state_, store, metrics_);
  for (int i = 0; i < 1000; ++i) state_.Apply(PacketEvent("gw", "sink0", 1, 1 + i % 10));
  ASSERT_TRUE(flusher.Flush().ok());
  ASSERT_EQ(store.batches.size(), 1u);
  EXPECT_EQ(store.batches[0].nodes.size(), 10u);
  EXPECT_EQ(store.batches[0].gateways.size(), 1u);
  ASSERT_TRUE(flusher.Flush().ok());
  EXPECT_EQ(store.batches.size(), 1u) << "nothing changed: nothing written";
}

TEST_F(StoreFlusherTest, AFailedBatchGoesWithTheNextFlush) {
  RecordingStore store;
  StoreFlusher flusher(state_, store, metrics_);
  state_.Apply(PacketEvent("gw", "sink0", 1, 5));
  store.fail = true;
  EXPECT_EQ(flusher.Flush().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(metrics_.store_errors.Value(), 1);
  state_.Apply(PacketEvent("gw", "sink0", 1, 6));
  store.fail = false;
  ASSERT_TRUE(flusher.Flush().ok());
  ASSERT_EQ(store.batches.size(), 2u);
  EXPECT_EQ(store.batches[1].nodes.size(), 2u) << "node 5 again, and node 6";
  EXPECT_EQ(metrics_.store_rows.Value(), 3);  // the gateway and two nodes
}

}  // namespace
}  // namespace wm::registry
