// Decoding a fixed-layout diagnostics payload into a reused message must not allocate: ingest
// and benchmarks decode millions of them. Allocations are counted by
// //libs/testing:allocation_counter, which replaces the global operator new in this binary.
#include <atomic>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/boot_diagnostics.h"
#include "libs/decoders/node_diagnostics.h"
#include "libs/decoders/positioning.h"
#include "libs/decoders/registry.h"
#include "libs/decoders/traffic_diagnostics.h"
#include "libs/testing/allocation_counter.h"


namespace wm::decoders {
namespace {

// Allocations made by `decode` run `n` times, after one warm-up run that may allocate (the
// message's first use).
template <typename Fn>
long AllocationsPerRuns(Fn decode, int n = 100) {
  decode();
  const long before = wm::testing::AllocationCount();
  for (int i = 0; i < n; ++i) decode();
  return wm::testing::AllocationCount() - before;
}

TEST(FixedLayoutAllocation, CountingWorks) {
  const long before = wm::testing::AllocationCount();
  auto* p = new std::string(100, 'x');
  EXPECT_GT(wm::testing::AllocationCount(), before);
  delete p;
}

TEST(FixedLayoutAllocation, TrafficDiagnostics) {
  const std::string payload(18, '\x05');
  wm::v1::TrafficDiagnostics out;
  EXPECT_EQ(AllocationsPerRuns([&] { DecodeTrafficDiagnostics(payload, &out); }), 0);
}

TEST(FixedLayoutAllocation, NodeDiagnosticsBothForms) {
  const std::string short_form(59, '\x05'), long_form(67, '\x06');
  wm::v1::NodeDiagnostics out;
  EXPECT_EQ(AllocationsPerRuns([&] {
              DecodeNodeDiagnostics(long_form, &out);
              DecodeNodeDiagnostics(short_form, &out);
            }),
            0);
}

TEST(FixedLayoutAllocation, BootDiagnostics) {
  std::string payload(31, '\x05');
  wm::v1::BootDiagnostics out;
  EXPECT_EQ(AllocationsPerRuns([&] {
              DecodeBootDiagnostics(payload, &out);
              ++payload[5];  // a new firmware version string every time
            }),
            0);
}

TEST(FixedLayoutAllocation, ThroughTheRegistryIntoAReusedPayload) {
  const DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  const Decoder* node = registry.Find(253, 255);
  ASSERT_NE(node, nullptr);
  const std::string payload(67, '\x07');
  wm::v1::DecodedPayload out;
  EXPECT_EQ(AllocationsPerRuns([&] { node->decode(payload, &out); }), 0);
}

// Record-based payloads are not fixed-layout, but a reused message keeps the storage of its
// cleared records, so decoding the same shape again does not allocate either.
TEST(FixedLayoutAllocation, PositioningIntoAReusedMessage) {
  const std::string payload(
      "\x01\x00"                                  // sequence
      "\x00\x08\x01\x02\x03\x50\x04\x05\x06\x60"  // two RSS entries
      "\x04\x02\xb8\x0b"                          // voltage
      "\x7e\x11xxxxxxxxxxxxxxxxx",                // unknown record, 17 bytes
      35);
  wm::v1::PositioningReport out;
  ASSERT_FALSE(DecodePositioning(payload, &out).has_value());
  ASSERT_EQ(out.measurements_size(), 3);
  EXPECT_EQ(AllocationsPerRuns([&] { DecodePositioning(payload, &out); }), 0);
}

}  // namespace
}  // namespace wm::decoders
