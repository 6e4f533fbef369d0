// Payloads decoded per second, per core, decoding into a reused message as wm-ingest's hot path
// can, and the heap allocations each decode makes ("allocs_per_decode", counted by replacing
// the global operator new in this binary).
//   bazel run -c opt //bench/decoders_v2:decoders_v2_benchmark
// Target: >= 1 million CBOR diagnostics decodes/s per core.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "libs/decoders/cbor.h"
#include "libs/decoders/diagnostics_v2.h"
#include "libs/decoders/msap_encoder.h"
#include "libs/decoders/msap_responses.h"
#include "libs/decoders/payload_builder.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/testing/allocation_counter.h"


namespace {

using wm::decoders::CborWriter;
using wm::decoders::PayloadBuilder;

// How a report's arrays and maps are encoded: with their counts, or in the indefinite-length
// form (0x9f / 0xbf ... break) that real nodes send.
enum class Lengths { kDefinite, kIndefinite };

// Writes array and map heads, and their ends, in one of the two forms.
class ReportWriter {
 public:
  explicit ReportWriter(Lengths lengths) : indefinite_(lengths == Lengths::kIndefinite) {}

  CborWriter& Map(uint64_t pairs) { return indefinite_ ? w.IndefiniteMap() : w.MapHeader(pairs); }
  CborWriter& Array(uint64_t count) {
    return indefinite_ ? w.IndefiniteArray() : w.ArrayHeader(count);
  }
  CborWriter& End() { return indefinite_ ? w.Break() : w; }

  CborWriter w;

 private:
  bool indefinite_;
};

// A full diagnostics v2 report as a stack sends it: every single-value id, the vectors, two
// neighbors, a scan result and four CCA channels (307 bytes definite, 319 indefinite).
std::string FullDiagnostics(Lengths lengths = Lengths::kDefinite) {
  ReportWriter r(lengths);
  CborWriter& w = r.w;
  r.Map(40 + 5 + 2 + 1 + 4);
  for (uint64_t id = 1; id <= 40; ++id) {
    w.Unsigned(id);
    w.Unsigned(id == 30 || id == 39 ? 0x05010014 : id * 37);
  }
  w.Unsigned(65);
  r.Array(6).Unsigned(3).Unsigned(0x123456).Unsigned(0x654321).Unsigned(200);
  w.Int(-70).Int(8);
  r.End();
  w.Unsigned(66);
  r.Array(2).Unsigned(12).Unsigned(40);
  r.End();
  w.Unsigned(69);
  r.Array(9);
  for (uint64_t i = 0; i < 9; ++i) w.Unsigned(i * 100);
  r.End();
  w.Unsigned(72);
  r.Array(2).Unsigned(3).Unsigned(0);
  r.End();
  w.Unsigned(73);
  r.Array(15);
  for (uint64_t i = 0; i < 15; ++i) w.Unsigned(i);
  r.End();
  for (uint64_t id : {151, 155}) {
    w.Unsigned(id);
    r.Array(4).Unsigned(0x10000 + id).Unsigned(11).Int(4).Int(-80);
    r.End();
  }
  w.Unsigned(200);
  r.Array(4).Unsigned(0x20001).Unsigned(17).Int(-60).Int(4);
  r.End();
  for (uint64_t id : {250, 251, 252, 253}) {
    w.Unsigned(id);
    r.Array(2).Unsigned(id - 240).Unsigned(1);
    r.End();
  }
  r.End();
  return w.Release();
}

// A small periodic report: role, voltage, buffer usage and the next hop.
std::string SmallDiagnostics(Lengths lengths = Lengths::kDefinite) {
  ReportWriter r(lengths);
  CborWriter& w = r.w;
  r.Map(4).Unsigned(1).Unsigned(0x13).Unsigned(2).Unsigned(3300);
  w.Unsigned(66);
  r.Array(2).Unsigned(12).Unsigned(40);
  r.End();
  w.Unsigned(65);
  r.Array(6).Unsigned(3).Unsigned(0x123456).Unsigned(0x654321).Unsigned(200);
  w.Int(-70).Int(8);
  r.End();
  r.End();
  return w.Release();
}

std::string MsapResponses() {
  PayloadBuilder b;
  b.U8(0x81).U8(0).U8(0x9A).U8(1).U8(7).U8(0x83).U8(0);
  b.U8(0x99).U8(47).U32(0x12345).U16(0xBEEF).U8(7).U8(1).U8(255).U32(0x54321).U16(0xCAFE);
  b.U8(6).U32(0x11223344).U8(5).U8(1).U8(2).U8(20).U32(0x1000).U16(0x1234).U8(9);
  b.U32(0x55667788).U8(1).U8(2).U8(3).U8(4).U8(3).U8(8).U16(0xABCD).U16(60).U16(0);
  return b.str();
}

std::string ProvisioningStart() {
  return PayloadBuilder().U8(1).U32(0x12345678).U8(42).U8(1).Fill(16, 0x5A).Bytes("uid-0042").str();
}

template <typename Message, typename Decode>
void Run(benchmark::State& state, const std::string& payload, Decode decode) {
  Message out;
  if (decode(payload, &out).has_value()) {
    state.SkipWithError("sample payload does not decode");
    return;
  }
  const long before = wm::testing::AllocationCount();
  for (auto _ : state) {
    auto error = decode(payload, &out);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(payload.size()));
  state.counters["allocs_per_decode"] =
      static_cast<double>(wm::testing::AllocationCount() - before) / static_cast<double>(state.iterations());
  state.counters["payload_bytes"] = static_cast<double>(payload.size());
}

void BM_DiagnosticsV2Full(benchmark::State& state) {
  Run<wm::v1::DiagnosticsV2>(state, FullDiagnostics(), wm::decoders::DecodeDiagnosticsV2);
}
BENCHMARK(BM_DiagnosticsV2Full);

// The same report in the indefinite-length form real nodes send (0xbf ... 0xff).
void BM_DiagnosticsV2FullIndefinite(benchmark::State& state) {
  Run<wm::v1::DiagnosticsV2>(state, FullDiagnostics(Lengths::kIndefinite),
                             wm::decoders::DecodeDiagnosticsV2);
}
BENCHMARK(BM_DiagnosticsV2FullIndefinite);

void BM_DiagnosticsV2Small(benchmark::State& state) {
  Run<wm::v1::DiagnosticsV2>(state, SmallDiagnostics(), wm::decoders::DecodeDiagnosticsV2);
}
BENCHMARK(BM_DiagnosticsV2Small);

void BM_DiagnosticsV2SmallIndefinite(benchmark::State& state) {
  Run<wm::v1::DiagnosticsV2>(state, SmallDiagnostics(Lengths::kIndefinite),
                             wm::decoders::DecodeDiagnosticsV2);
}
BENCHMARK(BM_DiagnosticsV2SmallIndefinite);

// The first decode into a fresh message each time: what a caller pays without reuse.
void BM_DiagnosticsV2FullFreshMessage(benchmark::State& state) {
  const std::string payload = FullDiagnostics();
  const long before = wm::testing::AllocationCount();
  for (auto _ : state) {
    wm::v1::DiagnosticsV2 out;
    auto error = wm::decoders::DecodeDiagnosticsV2(payload, &out);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_decode"] =
      static_cast<double>(wm::testing::AllocationCount() - before) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_DiagnosticsV2FullFreshMessage);

void BM_MsapResponses(benchmark::State& state) {
  Run<wm::v1::MsapResponses>(state, MsapResponses(), wm::decoders::DecodeMsapResponses);
}
BENCHMARK(BM_MsapResponses);

void BM_ProvisioningStart(benchmark::State& state) {
  Run<wm::v1::ProvisioningFrame>(state, ProvisioningStart(), wm::decoders::DecodeProvisioningFrame);
}
BENCHMARK(BM_ProvisioningStart);

}  // namespace
