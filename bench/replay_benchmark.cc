// How long a resume holds wm-ingest's hub (and so delays Publish): replaying the replay log to
// a new stream, with the default sizes (docs/event-stream.md). And what Publish costs with the
// memory log alone and with the disk log (docs/event-stream.md "The disk log"), flushed every
// `flush_every` events as the MQTT hand-off does once per read.
//   bazel run -c opt //bench:replay_benchmark
//   bazel run -c opt //bench:replay_benchmark -- --benchmark_filter=Publish  # in /tmp
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "prometheus/registry.h"
#include "services/ingest/event_hub.h"

namespace {

constexpr uint64_t kEpoch = 1'800'000'000'000;

std::unique_ptr<wm::v1::Event> Packet(uint32_t node) {
  auto e = std::make_unique<wm::v1::Event>();
  e->set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  e->set_gateway_id(node % 2 == 0 ? "sim-gw-1" : "sim-gw-2");
  e->mutable_packet()->set_source_address(node);
  e->mutable_packet()->set_payload(std::string(18, '\x05'));
  return e;
}

// A full default log (100 000 events), a default stream queue (20 000 events); the argument
// is how many events follow the resume position. Arg 100000 with a gateway filter: the replay
// filters every event and queues half of them.
void BM_Resume(benchmark::State& state, bool filtered) {
  prometheus::Registry registry;
  wm::ingest::IngestMetrics metrics(registry);
  wm::ingest::EventHub hub(20000, metrics, absl::ZeroDuration(), {},
                           {.max_events = 100000, .max_age = absl::Hours(1)}, kEpoch);
  for (uint32_t i = 0; i < 100000; ++i) hub.Publish(Packet(i));
  wm::v1::SubscribeRequest request;
  request.mutable_resume_after()->set_stream_epoch(kEpoch);
  request.mutable_resume_after()->set_sequence(100000 - static_cast<uint64_t>(state.range(0)));
  if (filtered) request.add_gateway_ids("sim-gw-1");
  for (auto _ : state) {
    auto subscription = hub.Subscribe(request);
    state.PauseTiming();
    hub.Unsubscribe(subscription);
    subscription.reset();
    state.ResumeTiming();
  }
}
BENCHMARK_CAPTURE(BM_Resume, all, false)->Arg(0)->Arg(1000)->Arg(20000)->Arg(100000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Resume, one_gateway, true)->Arg(100000)->Unit(benchmark::kMicrosecond);

// One subscriber (as the registry; popping its events is part of the time), the default memory
// log; arguments: events per flush, and 0 without the disk log, 1 with it, 2 with it and
// fdatasync. The directory is under $TMPDIR (default /tmp): put it on the disk to measure.
void BM_Publish(benchmark::State& state) {
  const int64_t flush_every = state.range(0);
  const int64_t disk = state.range(1);
  prometheus::Registry registry;
  wm::ingest::IngestMetrics metrics(registry);
  wm::ingest::EventHub hub(1 << 20, metrics, absl::ZeroDuration(), {},
                           {.max_events = 100000, .max_age = absl::Hours(1)}, kEpoch);
  std::string directory;
  std::unique_ptr<wm::ingest::SegmentLog> log;
  if (disk != 0) {
    const char* tmp = getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/replay_benchmark-XXXXXX";
    directory = mkdtemp(pattern.data());
    auto opened = hub.OpenDiskLog({.directory = directory, .fsync = disk == 2}, {});
    if (!opened.ok()) {
      state.SkipWithError(std::string(opened.status().message()).c_str());
      return;
    }
    log = *std::move(opened);
  }
  auto subscription = hub.Subscribe({});
  uint32_t node = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < flush_every; ++i) hub.Publish(Packet(node++));
    if (log != nullptr && !hub.FlushDiskLog().ok()) state.SkipWithError("flush failed");
    while (subscription->PopOrArm() != nullptr) {  // as the stream would, in every variant
    }
  }
  state.SetItemsProcessed(state.iterations() * flush_every);
  log.reset();
  if (!directory.empty()) std::filesystem::remove_all(directory);
}
BENCHMARK(BM_Publish)
    ->ArgNames({"per_flush", "disk"})
    ->Args({16, 0})
    ->Args({1, 1})
    ->Args({16, 1})
    ->Args({64, 1})
    ->Args({16, 2})
    ->Args({64, 2})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
