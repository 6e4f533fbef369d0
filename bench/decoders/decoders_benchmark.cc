// Payloads decoded per second, per core, for every decoder, decoding into a reused message as
// wm-ingest's hot path can, and the heap allocations each decode makes ("allocs_per_decode",
// counted by replacing the global operator new in this binary).
//   bazel run -c opt //bench/decoders:decoders_benchmark
// Targets: >= 5 million/s for the fixed-layout diagnostics (traffic, node, boot) and no heap
// allocation per fixed-layout decode.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "libs/decoders/advertiser.h"
#include "libs/decoders/boot_diagnostics.h"
#include "libs/decoders/neighbor_diagnostics.h"
#include "libs/decoders/node_diagnostics.h"
#include "libs/decoders/payload_builder.h"
#include "libs/decoders/positioning.h"
#include "libs/decoders/registry.h"
#include "libs/decoders/ruuvi.h"
#include "libs/decoders/test_network.h"
#include "libs/decoders/traffic_diagnostics.h"
#include "libs/testing/allocation_counter.h"


namespace {

using wm::decoders::PayloadBuilder;

// Payloads of realistic size: full diagnostics, and record-based payloads filling most of a
// radio frame.
std::string Traffic() {
  return PayloadBuilder().U16(0x0305).U8(11).U8(90).U16(1000).U16(900).Fill(10, 50).str();
}

std::string Node(size_t size) {
  PayloadBuilder b;
  b.U16(2000).U8(0x12).U8(130);
  for (size_t i = 4; i < size; ++i) b.U8(i * 7);
  return b.str();
}

std::string Boot() {
  return PayloadBuilder().U8(3).U8(0x12).U8(20).U8(0).U8(1).U8(5).Fill(25, 0x5A).str();
}

std::string Neighbors() {
  PayloadBuilder b;
  for (uint32_t i = 1; i <= 14; ++i) b.U24(0x10000 + i).U8(11).U8(3).U8(0x81).U8(150 + i);
  return b.str();
}

std::string Advertiser() {
  PayloadBuilder b;
  b.U8(2).U8(7);
  for (uint32_t i = 0; i < 25; ++i) b.U24(0x20000 + i % 20).U8(100 + i);
  return b.str();
}

std::string Positioning() {
  PayloadBuilder b;
  b.U16(77).U8(0x00).U8(32);
  for (uint32_t i = 0; i < 8; ++i) b.U24(0x30000 + i).U8(120 + i);
  b.U8(0x04).U8(2).U16(3000);
  return b.str();
}

std::string Ruuvi() {
  PayloadBuilder b;
  b.U8(1).U8(2).U16(17328).U8(2).U8(4).I32(2401).U8(3).U8(4).U32(16301).U8(4).U8(4).U32(9787039);
  b.U8(5).U8(4).I32(-12).U8(6).U8(4).I32(990).U8(7).U8(4).I32(4);
  return b.str();
}

std::string TestNetwork() {
  PayloadBuilder b;
  for (uint32_t row = 1; row <= 4; ++row) {
    b.U8(row).U8(1 << 6 | 8);  // 8 fields of 2 bytes
    for (uint32_t f = 0; f < 8; ++f) b.U16(row * 100 + f);
  }
  return b.str();
}

// Decodes `payload` with `decode` into one reused `Message` per iteration.
template <typename Message, typename Decode>
void Run(benchmark::State& state, const std::string& payload, Decode decode) {
  Message out;
  if (decode(payload, &out).has_value()) {
    state.SkipWithError("sample payload does not decode");
    return;
  }
  const long before = wm::testing::AllocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(decode(payload, &out));
    benchmark::ClobberMemory();
  }
  const long allocated = wm::testing::AllocationCount() - before;
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * payload.size());
  state.counters["allocs_per_decode"] =
      benchmark::Counter(static_cast<double>(allocated) / state.iterations());
}

void BM_TrafficDiagnostics(benchmark::State& state) {
  Run<wm::v1::TrafficDiagnostics>(state, Traffic(), wm::decoders::DecodeTrafficDiagnostics);
}
void BM_NodeDiagnostics59(benchmark::State& state) {
  Run<wm::v1::NodeDiagnostics>(state, Node(59), wm::decoders::DecodeNodeDiagnostics);
}
void BM_NodeDiagnostics67(benchmark::State& state) {
  Run<wm::v1::NodeDiagnostics>(state, Node(67), wm::decoders::DecodeNodeDiagnostics);
}
void BM_BootDiagnostics(benchmark::State& state) {
  Run<wm::v1::BootDiagnostics>(state, Boot(), wm::decoders::DecodeBootDiagnostics);
}
void BM_NeighborDiagnostics14Records(benchmark::State& state) {
  Run<wm::v1::NeighborDiagnostics>(state, Neighbors(), wm::decoders::DecodeNeighborDiagnostics);
}
void BM_Advertiser25Records(benchmark::State& state) {
  Run<wm::v1::AdvertiserReport>(state, Advertiser(), wm::decoders::DecodeAdvertiser);
}
void BM_Positioning9Measurements(benchmark::State& state) {
  Run<wm::v1::PositioningReport>(state, Positioning(), wm::decoders::DecodePositioning);
}
void BM_Ruuvi7Records(benchmark::State& state) {
  Run<wm::v1::RuuviReport>(state, Ruuvi(), wm::decoders::DecodeRuuvi);
}
void BM_TestNetwork4Rows(benchmark::State& state) {
  Run<wm::v1::TestNetworkReport>(state, TestNetwork(), wm::decoders::DecodeTestNetwork);
}

// What wm-ingest calls: the registry's lookup and decoder into a reused DecodedPayload.
void BM_RegistryNodeDiagnostics67(benchmark::State& state) {
  const wm::decoders::DecoderRegistry registry = wm::decoders::DecoderRegistry::WithBuiltins();
  Run<wm::v1::DecodedPayload>(state, Node(67),
                              [&](std::string_view payload, wm::v1::DecodedPayload* out) {
                                return registry.Find(253, 255)->decode(payload, out);
                              });
}

// A fresh message per decode, for comparison: what a caller pays without reuse.
void BM_NodeDiagnostics67FreshMessage(benchmark::State& state) {
  Run<wm::v1::NodeDiagnostics>(state, Node(67),
                               [](std::string_view payload, wm::v1::NodeDiagnostics*) {
                                 wm::v1::NodeDiagnostics fresh;
                                 auto error = wm::decoders::DecodeNodeDiagnostics(payload, &fresh);
                                 benchmark::DoNotOptimize(fresh);
                                 return error;
                               });
}

BENCHMARK(BM_TrafficDiagnostics);
BENCHMARK(BM_NodeDiagnostics59);
BENCHMARK(BM_NodeDiagnostics67);
BENCHMARK(BM_BootDiagnostics);
BENCHMARK(BM_RegistryNodeDiagnostics67);
BENCHMARK(BM_NodeDiagnostics67FreshMessage);
BENCHMARK(BM_NeighborDiagnostics14Records);
BENCHMARK(BM_Advertiser25Records);
BENCHMARK(BM_Positioning9Measurements);
BENCHMARK(BM_Ruuvi7Records);
BENCHMARK(BM_TestNetwork4Rows);

}  // namespace
