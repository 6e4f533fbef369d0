// Nothing lost when wm-ingest dies, with real processes (docs/durability.md): a mosquitto that
// keeps a persistent session's messages, wm-ingest with a fixed client id, a persistent
// session and the disk replay log, wm-registry following it, and three gateways publishing
// packets of ten nodes each at QoS 1 at a steady pace. While they publish, ingest is killed
// (kill -9) or stopped (SIGTERM) and started again on the same directory, or the whole host's
// services die and come back in either order. At the end the registry lists, per node,
// exactly the packets the broker accepted: none lost, none twice.
//
// The same with the memory-only replay log measures, without asserting it, what that mode
// loses on kill -9 (a documented limit, not a promise).
#include <signal.h>

#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "tests/registry/played_gateway.h"
#include "tests/registry/registry_stack.h"

namespace wm::system_test {
namespace {

using ::wm::testing::ListedPackets;
using ::wm::testing::NodeKey;
using ::wm::testing::PacketCounts;
using ::wm::testing::PacketFlow;
using ::wm::testing::PlayedGateway;
using ::wm::testing::RegistryStack;
using ::wm::testing::RegistryStackOptions;
using ::wm::testing::WaitUntil;

constexpr absl::Duration kTimeout = absl::Seconds(30);
constexpr int kGateways = 3;
constexpr uint64_t kFirstNetwork = 0x100;
// The end marker's network, beside the flow's.
constexpr uint64_t kMarkerNetwork = 0x999;
// Packets each phase of a scenario lets the gateways publish (about 0.3 s each).
constexpr uint64_t kPhase = 250;

class IngestKill9Test : public ::testing::Test {
 protected:
  // The stack, the gateways' retained statuses and a flow of packets.
  // `fsync` with `disk_log`: replay_log_fsync=true.
  void StartFlowing(bool disk_log, bool fsync = false) {
    std::vector<std::string> ingest_args = {"--mqtt_persist_session",
                                            "--mqtt_client_id=wm-ingest-kill9"};
    if (disk_log) {
      absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("ingest_kill9_log");
      ASSERT_TRUE(dir.ok()) << dir.status();
      ingest_args.push_back("--replay_log_dir=" + *dir);
      if (fsync) ingest_args.push_back("--replay_log_fsync=true");
    }
    auto stack = RegistryStack::StartWith(
        {.ingest_args = ingest_args, .broker = {.extra_config = {"max_queued_messages 0"}}});
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    std::vector<PlayedGateway*> flowing;
    for (int i = 0; i < kGateways; ++i) {
      gateways_.push_back(std::make_unique<PlayedGateway>(*stack_, kFirstNetwork + i,
                                                          absl::StrCat("gw-", i + 1)));
      ASSERT_TRUE(gateways_.back()->Status({{"sink0", kFirstNetwork + i, 1, 5}}).ok());
      flowing.push_back(gateways_.back().get());
    }
    marker_ = std::make_unique<PlayedGateway>(*stack_, kMarkerNetwork, "gw-marker");
    ASSERT_TRUE(marker_->Status({{"sink0", kMarkerNetwork, 1, 5}}).ok());
    flow_ = std::make_unique<PacketFlow>(flowing);
    // The registry follows before anything goes away.
    ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
    ASSERT_TRUE(WaitUntil([&] { return !ListedPackets(stack_->registry_client()).empty(); }))
        << "the registry lists nothing";
  }

  // Waits until the gateways published `packets` more (whoever is up or down meanwhile).
  void LetFlow(uint64_t packets) {
    const uint64_t until = flow_->total() + packets;
    ASSERT_TRUE(WaitUntil([&] { return flow_->total() >= until || flow_->failed(); }, kTimeout));
    ASSERT_FALSE(flow_->failed()) << "a gateway's publish failed";
  }

  void KillIngest() {
    ASSERT_TRUE(stack_->KillIngest().ok());
    ASSERT_EQ(stack_->ingest().Wait(kTimeout).value_or(-1), 128 + SIGKILL);
  }
  void RestartIngest() {
    absl::Status started = stack_->StartIngest();
    ASSERT_TRUE(started.ok()) << started;
  }

  // kill -9 at three different moments: in the middle of steady traffic, at once after a
  // restart (while the broker redelivers the backlog and the registry is still away), and
  // again while the registry resumes.
  void KillThreeTimes() {
    ASSERT_NO_FATAL_FAILURE(KillIngest());
    ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
    ASSERT_NO_FATAL_FAILURE(RestartIngest());
    ASSERT_NO_FATAL_FAILURE(KillIngest());
    ASSERT_NO_FATAL_FAILURE(RestartIngest());
    ASSERT_TRUE(stack_->registry().WaitForMetric("wm_registry_ingest_connected", "", 1, kTimeout)
                    .ok());
    ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase / 5));
    ASSERT_NO_FATAL_FAILURE(KillIngest());
    ASSERT_NO_FATAL_FAILURE(RestartIngest());
    ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
  }

  // Stops the gateways, then publishes one packet through a gateway of its own and waits
  // until the registry lists it. The broker hands ingest its session's messages in order,
  // and ingest and the registry keep that order, so everything published before has been
  // applied then (or is lost): the counts can be compared once, not polled until they match.
  void Drain() {
    flow_->Stop();
    ASSERT_FALSE(flow_->failed()) << "a gateway's publish failed";
    ASSERT_TRUE(marker_->Packet(1).ok());
    ASSERT_TRUE(WaitUntil(
        [&] { return ListedPackets(stack_->registry_client()).count({kMarkerNetwork, 1}) > 0; },
        kTimeout))
        << "the marker never reached the registry: " << stack_->registry().process().Output();
  }

  // What the registry lists per flowing node (the marker left out).
  PacketCounts Listed() {
    PacketCounts listed = ListedPackets(stack_->registry_client());
    listed.erase({kMarkerNetwork, 1});
    return listed;
  }

  // Checks that the registry lists exactly what was published, and saw one continuous stream.
  void ExpectExactlyOnce() {
    ASSERT_NO_FATAL_FAILURE(Drain());
    const PacketCounts published = flow_->published();
    ASSERT_EQ(published.size(), kGateways * 10u);
    EXPECT_EQ(Listed(), published) << Mismatch(published, Listed());
    ExpectOneContinuousStream();
  }

  // The registry's view of the stream: with the disk log, ingest restarts keep the stream.
  void ExpectOneContinuousStream() {
    wm::testing::ServiceProcess& registry = stack_->registry();
    EXPECT_EQ(registry.Metric("wm_registry_ingest_restarts_total"), 0);
    EXPECT_EQ(registry.Metric("wm_registry_ingest_stream_gaps_total"), 0);
    EXPECT_EQ(registry.Metric("wm_registry_ingest_stream_unknown_gaps_total"), 0);
    EXPECT_EQ(stack_->IngestMetric("wm_mqtt_hand_off_failures_total"), 0);
  }

  // "lost L, doubled D;" and the first few nodes that differ (published->listed).
  static std::string Mismatch(const PacketCounts& published, const PacketCounts& listed) {
    uint64_t lost = 0;
    uint64_t doubled = 0;
    std::string nodes;
    int shown = 0;
    for (const auto& [node, count] : published) {
      auto it = listed.find(node);
      const uint64_t got = it == listed.end() ? 0 : it->second;
      if (got == count) continue;
      (got < count ? lost : doubled) += got < count ? count - got : got - count;
      if (shown++ < 5) {
        absl::StrAppend(&nodes, " ", node.first, "/", node.second, ": ", count, "->", got);
      }
    }
    return absl::StrCat("lost ", lost, ", doubled ", doubled, ";", nodes);
  }

  std::unique_ptr<RegistryStack> stack_;
  std::vector<std::unique_ptr<PlayedGateway>> gateways_;
  std::unique_ptr<PlayedGateway> marker_;
  std::unique_ptr<PacketFlow> flow_;
};

// The three kills of KillThreeTimes.
TEST_F(IngestKill9Test, Kill9OfIngestMidStreamLosesNothingAndCountsNothingTwice) {
  ASSERT_NO_FATAL_FAILURE(StartFlowing(/*disk_log=*/true));
  ASSERT_NO_FATAL_FAILURE(KillThreeTimes());
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce());
  // The backlog came back through the broker's session, and what the dead run had already
  // written was recognised as duplicates (a count, not asserted: it depends on the moment).
  std::cout << "ingest duplicates after the last restart: "
            << stack_->IngestMetric("wm_ingest_duplicates_total").value_or(-1) << "\n";
}

TEST_F(IngestKill9Test, Kill9OfIngestWithFsyncLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartFlowing(/*disk_log=*/true, /*fsync=*/true));
  ASSERT_NO_FATAL_FAILURE(KillThreeTimes());
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce());
}

TEST_F(IngestKill9Test, SigtermRestartsOfIngestMidStreamLoseNothing) {
  ASSERT_NO_FATAL_FAILURE(StartFlowing(/*disk_log=*/true));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(stack_->StopIngest().ok());
    ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
    ASSERT_NO_FATAL_FAILURE(RestartIngest());
    ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
  }
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce());
}

// The host's services die together (kill -9 of both) while the gateways go on publishing;
// the registry comes back first and waits for ingest.
TEST_F(IngestKill9Test, BothKilledThenRegistryFirstLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartFlowing(/*disk_log=*/true));
  ASSERT_NO_FATAL_FAILURE(KillIngest());
  ASSERT_TRUE(stack_->KillRegistry().ok());
  ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
  ASSERT_TRUE(stack_->LaunchRegistry().ok());
  ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
  ASSERT_NO_FATAL_FAILURE(RestartIngest());
  ASSERT_TRUE(stack_->registry().WaitReady(kTimeout).ok());
  ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce());
}

// The same with ingest back first: it takes the backlog from the broker while no registry
// follows, and the registry resumes from the position it stored.
TEST_F(IngestKill9Test, BothKilledThenIngestFirstLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartFlowing(/*disk_log=*/true));
  ASSERT_TRUE(stack_->KillRegistry().ok());
  ASSERT_NO_FATAL_FAILURE(KillIngest());
  ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
  ASSERT_NO_FATAL_FAILURE(RestartIngest());
  ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
  ASSERT_TRUE(stack_->StartRegistry().ok());
  ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce());
}

// The memory-only replay log (no replay_log_dir), its ingest stopped three times by `stop`
// (kill -9 or SIGTERM) while the registry follows. Each restart is a new stream (epoch) for
// the registry. What kill -9 takes with the process: the events ingest had acknowledged to
// the broker and not yet delivered to the registry (lost), and the events it had delivered
// whose acknowledgement was not yet written (the broker sends them again and the new run,
// with an empty deduplicator, emits them again: counted twice). Measured and printed for
// docs/durability.md, not asserted: it depends on the moment of each stop.
class MemoryLogTest : public IngestKill9Test {
 protected:
  void MeasureThreeStops(const std::string& how, const std::function<void()>& stop) {
    ASSERT_NO_FATAL_FAILURE(StartFlowing(/*disk_log=*/false));
    constexpr int kStops = 3;
    for (int i = 0; i < kStops; ++i) {
      ASSERT_NO_FATAL_FAILURE(stop());
      ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase / 5));
      ASSERT_NO_FATAL_FAILURE(RestartIngest());
      ASSERT_TRUE(stack_->registry()
                      .WaitForMetric("wm_registry_ingest_restarts_total", "", i + 1, kTimeout)
                      .ok());
      ASSERT_NO_FATAL_FAILURE(LetFlow(kPhase));
    }
    ASSERT_NO_FATAL_FAILURE(Drain());
    const PacketCounts published = flow_->published();
    uint64_t total = 0;
    for (const auto& [node, count] : published) total += count;
    std::cout << "memory log, " << kStops << " x " << how << ", " << total
              << " packets published: " << Mismatch(published, Listed()) << "\n";
    // Every restart is seen as one, with a gap of unknown size, never as silence.
    EXPECT_EQ(stack_->registry().Metric("wm_registry_ingest_restarts_total"), kStops);
    EXPECT_EQ(stack_->registry().Metric("wm_registry_ingest_stream_unknown_gaps_total"), kStops);
  }
};

TEST_F(MemoryLogTest, Kill9LossIsMeasured) {
  MeasureThreeStops("kill -9", [&] { ASSERT_NO_FATAL_FAILURE(KillIngest()); });
}

TEST_F(MemoryLogTest, SigtermLossIsMeasured) {
  MeasureThreeStops("SIGTERM", [&] { ASSERT_TRUE(stack_->StopIngest().ok()); });
}

}  // namespace
}  // namespace wm::system_test
