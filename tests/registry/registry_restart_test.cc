// wm-registry across restarts: its own (kill -9, SIGTERM) and wm-ingest's.
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "protos/wm/v1/events.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "libs/testing/subprocess.h"
#include "tests/ingest/gateway_messages.h"
#include "tests/registry/gateway_script.h"
#include "tests/registry/played_gateway.h"
#include "tests/registry/registry_stack.h"

namespace wm::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wm::testing::ListedNodeCounts;
using ::wm::testing::ListedPackets;
using ::wm::testing::NodeCounts;
using ::wm::testing::PacketFlow;
using ::wm::testing::PlayedGateway;
using ::wm::testing::PlayedSink;
using ::wm::testing::RegistryStack;
using ::wm::testing::WaitUntil;

constexpr uint64_t kNetwork = 77;
constexpr absl::Duration kTimeout = absl::Seconds(20);

// "nodes|packets" as the registry's database holds them, read through a connection of the
// test's own ("" when unreadable).
std::string StoredNodes(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::string result;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_exec(
        db, "SELECT count(*) || '|' || total(packets) FROM nodes",
        [](void* out, int, char** values, char**) {
          *static_cast<std::string*>(out) = values[0] != nullptr ? values[0] : "";
          return 0;
        },
        &result, nullptr);
  }
  sqlite3_close(db);
  return result;
}

class RegistryRestartTest : public ::testing::Test {
 protected:
  void StartStack(std::vector<std::string> registry_args = {}) {
    auto stack = RegistryStack::Start(std::move(registry_args));
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    gateway_ = std::make_unique<PlayedGateway>(*stack_, kNetwork);
  }

  void PublishPacket(uint32_t node) { ASSERT_TRUE(gateway_->Packet(node).ok()); }
  void PublishStatus(const std::vector<PlayedSink>& sinks) {
    ASSERT_TRUE(gateway_->Status(sinks).ok());
  }
  void PublishTenNodes() { ASSERT_TRUE(gateway_->TenNodes().ok()); }

  // Node count and packet total the registry answers with.
  NodeCounts ListedNodes() { return ListedNodeCounts(stack_->registry_client()); }

  std::vector<std::string> SinkIds() {
    std::vector<std::string> ids;
    absl::StatusOr<std::vector<wm::v1::Sink>> sinks = stack_->ListSinks();
    if (sinks.ok()) {
      for (const wm::v1::Sink& sink : *sinks) ids.push_back(sink.sink_id());
    }
    return ids;
  }

  std::unique_ptr<RegistryStack> stack_;
  std::unique_ptr<PlayedGateway> gateway_;
};

TEST_F(RegistryRestartTest, KeepsItsNodesAcrossKill9) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  ASSERT_TRUE(WaitUntil([&] { return ListedNodes() == NodeCounts(10, 20); }));
  // Written within a flush interval, without a transaction per packet.
  ASSERT_TRUE(WaitUntil([&] { return StoredNodes(stack_->db_path()) == "10|20.0"; }))
      << StoredNodes(stack_->db_path());

  ASSERT_TRUE(stack_->KillRegistry().ok());
  ASSERT_TRUE(stack_->StartRegistry().ok());
  // Nothing replays packets: what the registry lists now came from its file.
  EXPECT_EQ(ListedNodes(), NodeCounts(10, 20));
  absl::StatusOr<wm::v1::Node> node = stack_->GetNode(kNetwork, 1);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->voltage_mv(), 2950u);
  EXPECT_EQ(node->role().base(), wm::v1::BASE_ROLE_ROUTER);
  EXPECT_EQ(node->gateway_id(), "gw-1");
  EXPECT_EQ(node->sink_id(), "sink0");
  EXPECT_THAT(SinkIds(), ElementsAre("sink0"));
  EXPECT_EQ(stack_->registry().Metric("wm_registry_nodes", "stale=\"false\""), 10);

  // And it goes on counting.
  ASSERT_NO_FATAL_FAILURE(PublishPacket(1));
  EXPECT_TRUE(WaitUntil([&] { return ListedNodes().second == 21; }));
}

// The registry stopped mid-stream, by kill -9 or SIGTERM, resumes after the position it
// stored: every packet published while it ran, while it was away and after counts exactly
// once per node (docs/event-stream.md "wm-registry resumes").
void ResumesExactly(RegistryStack& stack, PlayedGateway& gateway, bool kill) {
  PacketFlow flow({&gateway});
  ASSERT_TRUE(WaitUntil([&] { return ListedNodeCounts(stack.registry_client()).second >= 300; }));
  if (kill) {
    ASSERT_TRUE(stack.KillRegistry().ok());
  } else {
    absl::StatusOr<int> code = stack.StopRegistry(absl::Seconds(10));
    ASSERT_TRUE(code.ok()) << code.status();
  }
  const uint64_t while_away = flow.total();
  ASSERT_TRUE(WaitUntil([&] { return flow.total() >= while_away + 200; }))
      << "packets flow while the registry is away";
  ASSERT_TRUE(stack.StartRegistry().ok());
  ASSERT_TRUE(WaitUntil([&] { return flow.total() >= while_away + 600; }));
  flow.Stop();
  ASSERT_FALSE(flow.failed());
  wm::testing::PacketCounts published = flow.published();
  for (auto& [node, packets] : published) packets += 2;  // TenNodes' two each
  EXPECT_TRUE(WaitUntil([&] { return ListedPackets(stack.registry_client()) == published; },
                        absl::Seconds(30)))
      << "published " << flow.total() << ", listed "
      << ListedNodeCounts(stack.registry_client()).second;
  EXPECT_EQ(stack.registry().Metric("wm_registry_ingest_stream_gaps_total"), 0);
  EXPECT_EQ(stack.registry().Metric("wm_registry_ingest_stream_unknown_gaps_total"), 0);
  EXPECT_EQ(stack.registry().Metric("wm_registry_ingest_restarts_total"), 0);
}

TEST_F(RegistryRestartTest, Kill9MidStreamResumesWithoutGapOrDoubleCount) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  ASSERT_TRUE(WaitUntil([&] { return ListedNodes() == NodeCounts(10, 20); }));
  ASSERT_NO_FATAL_FAILURE(ResumesExactly(*stack_, *gateway_, /*kill=*/true));
}

TEST_F(RegistryRestartTest, AGracefulRestartMidStreamResumesWithoutGapOrDoubleCount) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  ASSERT_TRUE(WaitUntil([&] { return ListedNodes() == NodeCounts(10, 20); }));
  ASSERT_NO_FATAL_FAILURE(ResumesExactly(*stack_, *gateway_, /*kill=*/false));
}

TEST_F(RegistryRestartTest, SigtermWritesEverythingAndExitsZeroPromptly) {
  // Flushes far apart: only the final one on SIGTERM can have written the nodes.
  ASSERT_NO_FATAL_FAILURE(StartStack({"--registry_flush_ms=60000"}));
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  ASSERT_TRUE(WaitUntil([&] { return ListedNodes() == NodeCounts(10, 20); }));
  grpc::ClientContext watch_context;
  auto watch = stack_->registry_client().WatchChanges(&watch_context, {});
  watch->WaitForInitialMetadata();

  const absl::Time start = absl::Now();
  absl::StatusOr<int> code = stack_->StopRegistry(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << stack_->registry().process().Output();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  wm::v1::RegistryChange change;
  EXPECT_FALSE(watch->Read(&change));
  EXPECT_TRUE(watch->Finish().ok()) << "watchers end cleanly";
  EXPECT_EQ(StoredNodes(stack_->db_path()), "10|20.0");

  ASSERT_TRUE(stack_->StartRegistry().ok());
  EXPECT_EQ(ListedNodes(), NodeCounts(10, 20));
}

// A drain long enough that waiting it out cannot pass for stopping at once: the stop must end
// as soon as nothing is left to drain, not when the drain time is up.
constexpr absl::Duration kLongDrain = absl::Seconds(30);
const std::string kLongDrainFlag = "--drain_timeout_s=30";

// This process's gRPC clients leave their idle connections alone (no backup polling), as a
// client busy elsewhere does: a server that waits for its clients to close connections
// without calls would wait out its whole drain. Read once, when gRPC starts, before any
// channel exists.
[[maybe_unused]] const bool kIdleClients = [] {
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "0", /*overwrite=*/1);
  return true;
}();

TEST_F(RegistryRestartTest, SigtermAfterTheLastWatchEndedDoesNotWaitOutTheDrain) {
  ASSERT_NO_FATAL_FAILURE(StartStack({kLongDrainFlag}));
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  ASSERT_TRUE(WaitUntil([&] { return ListedNodes() == NodeCounts(10, 20); }));
  {
    // A watch that ends before the stop; its connection (the stack's client) stays open and
    // idle, as a client's does between calls.
    grpc::ClientContext watch_context;
    auto watch = stack_->registry_client().WatchChanges(&watch_context, {});
    watch->WaitForInitialMetadata();
    watch_context.TryCancel();
    EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }

  const absl::Time start = absl::Now();
  absl::StatusOr<int> code = stack_->StopRegistry(kLongDrain + absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << stack_->registry().process().Output();
  EXPECT_LT(absl::Now() - start, kLongDrain / 2) << "nothing was left to drain";
  EXPECT_EQ(StoredNodes(stack_->db_path()), "10|20.0");
}

TEST_F(RegistryRestartTest, SigtermEndsAnOpenWatchWithOkWithoutWaitingOutTheDrain) {
  ASSERT_NO_FATAL_FAILURE(StartStack({kLongDrainFlag}));
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  ASSERT_TRUE(WaitUntil([&] { return ListedNodes() == NodeCounts(10, 20); }));
  grpc::ClientContext watch_context;
  auto watch = stack_->registry_client().WatchChanges(&watch_context, {});
  watch->WaitForInitialMetadata();

  const absl::Time start = absl::Now();
  absl::StatusOr<int> code = stack_->StopRegistry(kLongDrain + absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << stack_->registry().process().Output();
  EXPECT_LT(absl::Now() - start, kLongDrain / 2) << "the open watch ends at once";
  wm::v1::RegistryChange change;
  EXPECT_FALSE(watch->Read(&change));
  EXPECT_TRUE(watch->Finish().ok()) << "watchers end cleanly";
}

TEST_F(RegistryRestartTest, FollowsIngestThroughARestart) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  ASSERT_TRUE(WaitUntil([&] { return ListedNodes() == NodeCounts(10, 20); }));

  ASSERT_TRUE(stack_->StopIngest().ok());
  ASSERT_TRUE(stack_->registry().WaitNotReady(kTimeout).ok()) << "readiness follows the stream";
  EXPECT_EQ(ListedNodes(), NodeCounts(10, 20)) << "still answering";
  EXPECT_EQ(stack_->registry().Metric("wm_registry_ingest_connected"), 0);
  // While ingest is away the gateway gains a sink: its retained status says so.
  ASSERT_NO_FATAL_FAILURE(PublishStatus({{"sink0", kNetwork, 1, 5}, {"sink1", kNetwork, 2, 5}}));

  ASSERT_TRUE(stack_->StartIngest().ok());
  ASSERT_TRUE(stack_->registry().WaitReady(kTimeout).ok());
  EXPECT_TRUE(WaitUntil([&] {
    return SinkIds() == std::vector<std::string>{"sink0", "sink1"};
  })) << "the new ingest's status reaches the registry";
  ASSERT_NO_FATAL_FAILURE(PublishPacket(1));
  EXPECT_TRUE(WaitUntil([&] { return ListedNodes().second == 21; }));
  EXPECT_TRUE(
      stack_->registry().WaitForMetric("wm_registry_ingest_restarts_total", "", 1, kTimeout).ok());
  EXPECT_EQ(stack_->registry().Metric("wm_registry_ingest_restarts_total"), 1) << "once";
  // The resume position was of the old run: one gap of unknown count, none with a count.
  EXPECT_EQ(stack_->registry().Metric("wm_registry_ingest_stream_unknown_gaps_total"), 1);
  EXPECT_EQ(stack_->registry().Metric("wm_registry_ingest_stream_gaps_total"), 0);
  EXPECT_GE(stack_->registry().Metric("wm_registry_ingest_reconnects_total").value_or(0), 1);
  absl::StatusOr<wm::v1::Gateway> gateway = stack_->GetGateway("gw-1");
  ASSERT_TRUE(gateway.ok());
  EXPECT_EQ(gateway->state(), wm::v1::GATEWAY_STATE_ONLINE);
  EXPECT_EQ(ListedNodes().first, 10u);
}

TEST_F(RegistryRestartTest, LearnsOfAGatewayRemovedWhileItWasDown) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_NO_FATAL_FAILURE(PublishStatus({{"sink0", kNetwork, 1, 5}}));
  ASSERT_TRUE(WaitUntil([&] { return stack_->GetGateway("gw-1").ok(); }));
  ASSERT_TRUE(WaitUntil([&] { return !SinkIds().empty(); }));

  absl::StatusOr<int> code = stack_->StopRegistry(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  // The gateway is cleared from the broker: nothing retained is left of it; only wm-ingest
  // sees it go (a live stream of its own tells when it has).
  auto events = wm::v1::Events::NewStub(
      grpc::CreateChannel(stack_->ingest_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  wm::v1::SubscribeRequest live;
  live.set_skip_snapshot(true);
  live.add_kinds(wm::v1::EVENT_KIND_GATEWAY_STATUS);
  auto stream = events->Subscribe(&context, live);
  stream->WaitForInitialMetadata();
  ASSERT_TRUE(stack_->Publish(wm::testing::GatewayStatusTopic("gw-1"), "", /*retained=*/true).ok());
  wm::v1::Event removed;
  ASSERT_TRUE(stream->Read(&removed));
  EXPECT_EQ(removed.status().state(), wm::v1::GATEWAY_STATE_REMOVED);
  context.TryCancel();
  stream->Finish();

  ASSERT_TRUE(stack_->StartRegistry().ok());
  EXPECT_TRUE(WaitUntil([&] {
    absl::StatusOr<std::vector<wm::v1::Gateway>> gateways = stack_->ListGateways();
    return gateways.ok() && gateways->empty();
  })) << "the removal reached the registry through ingest's snapshot";
  EXPECT_TRUE(SinkIds().empty());
}

TEST(RegistryStartTest, ADatabaseFileThatIsNotOneStopsTheStartNamingIt) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("bad-db");
  ASSERT_TRUE(dir.ok());
  const std::string path = *dir + "/registry.db";
  ASSERT_TRUE(wm::testing::WriteFile(path, std::string(4096, 'x')).ok());
  auto registry =
      wm::testing::Subprocess::Start(wm::testing::RunfilePath("services/registry/wm-registry"),
                                     {"--registry_db=" + path, "--grpc_port=0", "--http_port=0",
                                      "--grpc_host=127.0.0.1", "--http_host=127.0.0.1"});
  ASSERT_TRUE(registry.ok());
  absl::StatusOr<int> code = (*registry)->Wait(kTimeout);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_THAT((*registry)->Output(), HasSubstr(path));
  EXPECT_THAT((*registry)->Output(), HasSubstr("not a SQLite database"));
}

}  // namespace
}  // namespace wm::registry
