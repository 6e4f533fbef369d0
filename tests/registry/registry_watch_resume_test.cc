// WatchChanges resuming after the last change applied, against the real wm-registry
// (docs/registry-changes.md): a watcher that disconnects while changes happen, a position
// older than the change log, a position from before a registry restart.
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/registry/played_gateway.h"
#include "tests/registry/registry_stack.h"

namespace wm::registry {
namespace {

using ::wm::testing::ListedNodeCounts;
using ::wm::testing::NodeCounts;
using ::wm::testing::PlayedGateway;
using ::wm::testing::RegistryStack;
using ::wm::testing::WaitUntil;

constexpr uint64_t kNetwork = 78;
constexpr absl::Duration kTimeout = absl::Seconds(20);

// One WatchChanges stream, with a deadline so that a test never hangs on it.
class Watch {
 public:
  Watch(wm::v1::Registry::Stub& client, std::optional<uint64_t> resume_after) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    wm::v1::WatchChangesRequest request;
    if (resume_after.has_value()) request.set_resume_after(*resume_after);
    reader_ = client.WatchChanges(&context_, request);
    reader_->WaitForInitialMetadata();
  }
  ~Watch() { Close(); }

  // The next message; false when the stream ended.
  bool Read(wm::v1::RegistryChange* change) { return reader_->Read(change); }

  void Close() {
    if (reader_ == nullptr) return;
    context_.TryCancel();
    wm::v1::RegistryChange ignored;
    while (reader_->Read(&ignored)) {
    }
    reader_->Finish().IgnoreError();
    reader_ = nullptr;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<wm::v1::RegistryChange>> reader_;
};

class RegistryWatchResumeTest : public ::testing::Test {
 protected:
  void StartStack(std::vector<std::string> registry_args = {}) {
    auto stack = RegistryStack::Start(std::move(registry_args));
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    gateway_ = std::make_unique<PlayedGateway>(*stack_, kNetwork);
  }

  // The registry's change_sequence now.
  uint64_t ChangeSequence() {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    wm::v1::ListNetworksResponse response;
    EXPECT_TRUE(stack_->registry_client().ListNetworks(&context, {}, &response).ok());
    return response.change_sequence();
  }

  // Waits until the registry made `count` changes after `from`.
  bool WaitForChanges(uint64_t from, uint64_t count) {
    return WaitUntil([&] { return ChangeSequence() >= from + count; }, kTimeout);
  }

  std::unique_ptr<RegistryStack> stack_;
  std::unique_ptr<PlayedGateway> gateway_;
};

// A watcher disconnects while new nodes keep arriving, then resumes after the last change it
// read: across both streams it sees every change once, in order (unfiltered, this run's
// sequences are consecutive, so any loss or repeat shows).
TEST_F(RegistryWatchResumeTest, AWatcherThatReconnectsSeesEveryChangeOnceInOrder) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  const uint64_t start = ChangeSequence();
  ASSERT_TRUE(gateway_->Status({{"sink0", 1, 5}}).ok());
  constexpr uint32_t kNodes = 300;
  std::atomic<bool> failed{false};
  std::vector<wm::v1::RegistryChange> seen;
  {
    Watch first(stack_->registry_client(), start);
    // New nodes, each one change (ADDED), published while the watcher reads and reconnects.
    std::thread publisher([&] {
      for (uint32_t node = 1; node <= kNodes; ++node) {
        if (!gateway_->Packet(node).ok()) {
          failed = true;
          return;
        }
      }
    });
    wm::v1::RegistryChange change;
    while (seen.size() < 60 && first.Read(&change)) seen.push_back(change);
    first.Close();
    ASSERT_EQ(seen.size(), 60u);
    // Away until a good part of the rest happened.
    EXPECT_TRUE(WaitForChanges(seen.back().sequence(), 100));
    Watch resumed(stack_->registry_client(), seen.back().sequence());
    const uint64_t last = start + 2 + kNodes;  // gateway and sink added, then the nodes
    while (seen.back().sequence() < last && resumed.Read(&change)) seen.push_back(change);
    publisher.join();
  }
  ASSERT_FALSE(failed);
  std::map<uint32_t, int> nodes_seen;
  uint64_t expected = start + 1;
  for (const wm::v1::RegistryChange& change : seen) {
    ASSERT_NE(change.kind(), wm::v1::CHANGE_KIND_GAP) << change.ShortDebugString();
    ASSERT_EQ(change.sequence(), expected++) << change.ShortDebugString();
    if (change.has_node()) ++nodes_seen[change.node().address()];
  }
  ASSERT_EQ(nodes_seen.size(), kNodes);
  for (const auto& [node, times] : nodes_seen) EXPECT_EQ(times, 1) << "node " << node;
  EXPECT_TRUE(stack_->registry()
                  .WaitForMetric("wm_registry_watch_resumes_total", "", 2, absl::Seconds(5))
                  .ok());
}

TEST_F(RegistryWatchResumeTest, APositionOlderThanTheChangeLogGetsAGapWithTheCount) {
  ASSERT_NO_FATAL_FAILURE(StartStack({"--change_log_size=5"}));
  const uint64_t start = ChangeSequence();
  // Gateway and sink added, 10 nodes added, node 1's diagnostics: 13 changes.
  ASSERT_TRUE(gateway_->TenNodes().ok());
  ASSERT_TRUE(
      WaitUntil([&] { return ListedNodeCounts(stack_->registry_client()) == NodeCounts(10, 20); }));
  const uint64_t total = ChangeSequence() - start;
  ASSERT_EQ(total, 13u);
  Watch watch(stack_->registry_client(), start);
  wm::v1::RegistryChange change;
  ASSERT_TRUE(watch.Read(&change));
  EXPECT_EQ(change.kind(), wm::v1::CHANGE_KIND_GAP);
  EXPECT_EQ(change.gap_cause(), wm::v1::CHANGE_GAP_CAUSE_POSITION_TOO_OLD);
  EXPECT_EQ(change.dropped(), total - 5) << "the log keeps 5";
  EXPECT_FALSE(change.count_unknown());
  for (uint64_t sequence = start + total - 4; sequence <= start + total; ++sequence) {
    ASSERT_TRUE(watch.Read(&change));
    EXPECT_EQ(change.sequence(), sequence);
    EXPECT_TRUE(change.has_node());
  }
  EXPECT_TRUE(stack_->registry()
                  .WaitForMetric("wm_registry_watch_resume_gaps_total", "reason=\"too_old\"", 1,
                                 absl::Seconds(5))
                  .ok());
  EXPECT_TRUE(stack_->registry()
                  .WaitForMetric("wm_registry_change_log_changes", "", 5, absl::Seconds(5))
                  .ok());
}

TEST_F(RegistryWatchResumeTest, APositionFromBeforeARegistryRestartHasAnUnknownCount) {
  ASSERT_NO_FATAL_FAILURE(StartStack());
  ASSERT_TRUE(gateway_->TenNodes().ok());
  ASSERT_TRUE(
      WaitUntil([&] { return ListedNodeCounts(stack_->registry_client()) == NodeCounts(10, 20); }));
  const uint64_t position = ChangeSequence();
  ASSERT_TRUE(stack_->KillRegistry().ok());
  ASSERT_TRUE(stack_->StartRegistry().ok());
  Watch watch(stack_->registry_client(), position);
  ASSERT_TRUE(gateway_->Packet(11).ok());  // a new node: the new run's change
  wm::v1::RegistryChange change;
  ASSERT_TRUE(watch.Read(&change));
  EXPECT_EQ(change.kind(), wm::v1::CHANGE_KIND_GAP);
  EXPECT_EQ(change.gap_cause(), wm::v1::CHANGE_GAP_CAUSE_OTHER_RUN);
  EXPECT_TRUE(change.count_unknown());
  EXPECT_EQ(change.dropped(), 0u);
  // Then the new run's changes (what ingest replays to the restarted registry may change
  // entries again first), up to the new node, with sequences above every earlier one.
  uint64_t previous = position;
  bool new_node = false;
  while (!new_node && watch.Read(&change)) {
    ASSERT_NE(change.kind(), wm::v1::CHANGE_KIND_GAP) << change.ShortDebugString();
    EXPECT_GT(change.sequence(), previous) << "sequences keep increasing across restarts";
    previous = change.sequence();
    new_node = change.has_node() && change.node().address() == 11 &&
               change.kind() == wm::v1::CHANGE_KIND_ADDED;
  }
  EXPECT_TRUE(new_node);
  EXPECT_TRUE(stack_->registry()
                  .WaitForMetric("wm_registry_watch_resume_gaps_total", "reason=\"unknown\"", 1,
                                 absl::Seconds(5))
                  .ok());
}

}  // namespace
}  // namespace wm::registry
