// CPU cost of wm-ingest's own work per message (topic and protobuf parsing, de-duplication,
// decoding, event building, fan-out to one subscriber), without MQTT or gRPC.
//   bazel run -c opt //bench:processor_benchmark
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "libs/wirepas/topic.h"
#include "prometheus/registry.h"
#include "protos/wirepas/generic_message.pb.h"
#include "services/ingest/processor.h"

namespace {

namespace gwapi = ::wirepas::proto::gateway_api;

struct Message {
  std::string topic;
  std::string payload;
};

// Packets like the simulator's: every fourth one traffic diagnostics, the rest app data.
std::vector<Message> Packets(size_t count) {
  std::vector<Message> messages;
  for (size_t i = 0; i < count; ++i) {
    const bool diagnostics = i % 4 == 0;
    const uint32_t src_ep = diagnostics ? 251 : 10;
    const uint32_t dst_ep = diagnostics ? 255 : 10;
    gwapi::GenericMessage m;
    auto* p = m.mutable_wirepas()->mutable_packet_received_event();
    p->mutable_header()->set_gw_id("sim-gw-1");
    p->mutable_header()->set_sink_id("sink0");
    p->mutable_header()->set_event_id(0x9e3779b97f4a7c15ULL * (i + 1));
    p->mutable_header()->set_time_ms_epoch(1'800'000'000'000 + i);
    p->set_source_address(1000 + i % 40);
    p->set_destination_address(1);
    p->set_source_endpoint(src_ep);
    p->set_destination_endpoint(dst_ep);
    p->set_travel_time_ms(40);
    p->set_rx_time_ms_epoch(1'800'000'000'000 + i);
    p->set_qos(0);
    p->set_payload(std::string(diagnostics ? 18 : 6, '\x05'));
    p->set_hop_count(2);
    p->set_network_address(1193046);
    messages.push_back({wm::wirepas::ReceivedDataTopic("sim-gw-1", "sink0", 1193046, src_ep,
                                                       dst_ep),
                        m.SerializeAsString()});
  }
  return messages;
}

// The argument is the replay log's size (replay_log_size): 0 keeps no event, 100000 is the
// default.
void BM_HandleReceivedPacket(benchmark::State& state) {
  const std::vector<Message> messages = Packets(100000);
  prometheus::Registry registry;
  wm::ingest::IngestMetrics metrics(registry);
  wm::ingest::EventHub hub(1 << 20, metrics, absl::ZeroDuration(), {},
                           {.max_events = static_cast<size_t>(state.range(0))});
  auto subscription = hub.Subscribe({});
  auto new_processor = [&] {
    return std::make_unique<wm::ingest::IngestProcessor>(
        hub, wm::ingest::EventDeduplicator::Options{.capacity = 200000},
        wm::decoders::DecoderRegistry::WithBuiltins(), metrics);
  };
  auto processor = new_processor();
  size_t i = 0;
  for (auto _ : state) {
    const Message& m = messages[i++ % messages.size()];
    processor->Handle(m.topic, m.payload, false);
    benchmark::DoNotOptimize(subscription->PopOrArm());
    if (i % messages.size() == 0) {
      // Every event id repeats in the next round: a fresh de-duplication window keeps them new.
      state.PauseTiming();
      processor = new_processor();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HandleReceivedPacket)->Arg(0)->Arg(100000);

}  // namespace

BENCHMARK_MAIN();
