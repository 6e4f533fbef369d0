// Cost of generating received_data traffic (topic, event, payload, serialization), i.e. the
// simulator's own share of each publish at full speed:
//   bazel run -c opt //tools/gateway_sim:traffic_benchmark
#include "benchmark/benchmark.h"
#include "tools/gateway_sim/traffic.h"

namespace wm::gateway_sim {
namespace {

void BM_NextPacket(benchmark::State& state) {
  const Topology topology = *BuildTopology({});
  TrafficGenerator traffic(topology, {}, SimRandom(1), SimRandom(2), absl::Now);
  size_t bytes = 0;
  for (auto _ : state) {
    std::optional<OutgoingPacket> packet = traffic.Next();
    bytes += packet->payload.size() + packet->topic.size();
    benchmark::DoNotOptimize(packet);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_NextPacket);

}  // namespace
}  // namespace wm::gateway_sim
