// How long a resume holds wm-ingest's hub (and so delays Publish): replaying the replay log to
// a new stream, with the default sizes (docs/event-stream.md).
//   bazel run -c opt //bench:replay_benchmark
#include <benchmark/benchmark.h>

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

}  // namespace

BENCHMARK_MAIN();
