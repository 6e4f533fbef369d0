#include "libs/decoders/registry.h"

#include <string>

#include "gtest/gtest.h"

namespace wm::decoders {
namespace {

TEST(DecoderRegistry, BuiltinsDecodeTrafficDiagnosticsOn251To255) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  const Decoder* decoder = registry.Find(251, 255);
  ASSERT_NE(decoder, nullptr);
  EXPECT_EQ(decoder->name, "traffic_diagnostics");
  wm::v1::DecodedPayload out;
  ASSERT_FALSE(decoder->decode(std::string(18, '\x01'), &out).has_value());
  EXPECT_EQ(out.traffic_diagnostics().cluster_channel(), 1u);
}

TEST(DecoderRegistry, UnknownPairHasNoDecoder) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  EXPECT_EQ(registry.Find(1, 1), nullptr);
  EXPECT_EQ(registry.Find(255, 251), nullptr);
}

TEST(DecoderRegistry, RemoveTurnsDecodingOffAndSetMapsExtraPairs) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  registry.Remove(251, 255);
  EXPECT_EQ(registry.Find(251, 255), nullptr);
  const Decoder* traffic = DecoderRegistry::BuiltinByName("traffic_diagnostics");
  ASSERT_NE(traffic, nullptr);
  registry.Set(10, 20, *traffic);
  ASSERT_NE(registry.Find(10, 20), nullptr);
  EXPECT_EQ(DecoderRegistry::BuiltinByName("no_such_decoder"), nullptr);
}

}  // namespace
}  // namespace wm::decoders
