#include "libs/decoders/registry.h"

#include <map>
#include <set>
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

TEST(DecoderRegistry, EveryBuiltinOnItsStandardPairFillsItsOwnField) {
  struct Case {
    uint32_t src, dst;
    std::string name;
    wm::v1::DecodedPayload::PayloadCase field;
    std::string payload;
  };
  const Case cases[] = {
      {251, 255, "traffic_diagnostics", wm::v1::DecodedPayload::kTrafficDiagnostics,
       std::string(18, '\x01')},
      {252, 255, "neighbor_diagnostics", wm::v1::DecodedPayload::kNeighborDiagnostics,
       std::string(7, '\x01')},
      {253, 255, "node_diagnostics", wm::v1::DecodedPayload::kNodeDiagnostics,
       std::string(59, '\x01')},
      {254, 255, "boot_diagnostics", wm::v1::DecodedPayload::kBootDiagnostics,
       std::string(31, '\x01')},
      {200, 200, "advertiser", wm::v1::DecodedPayload::kAdvertiser, std::string(6, '\x02')},
      {238, 238, "positioning", wm::v1::DecodedPayload::kPositioning, std::string("\x01\x00", 2)},
      {11, 11, "ruuvi", wm::v1::DecodedPayload::kRuuvi, std::string("\x01\x02\x05\x00", 4)},
      {100, 100, "test_network", wm::v1::DecodedPayload::kTestNetwork,
       std::string("\x01\x01\x07", 3)},
      // CBOR {1: 2} (role: router).
      {247, 255, "diagnostics_v2", wm::v1::DecodedPayload::kDiagnosticsV2,
       std::string("\xa1\x01\x02", 3)},
      // MSAP "begin" acknowledged.
      {240, 255, "msap_responses", wm::v1::DecodedPayload::kMsapResponses,
       std::string("\x81\x00", 2)},
      // Provisioning DATA_ACK: type 3, node address, session id.
      {246, 255, "provisioning", wm::v1::DecodedPayload::kProvisioning,
       std::string("\x03\x01\x02\x03\x04\x07", 6)},
      // Provisioning NACK from the server: reason 0 (not authorized).
      {255, 246, "provisioning", wm::v1::DecodedPayload::kProvisioning,
       std::string("\x04\x01\x02\x03\x04\x07\x00", 7)},
  };
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  ASSERT_EQ(DecoderRegistry::Builtins().size(), std::size(cases));
  for (const Case& c : cases) {
    const Decoder* decoder = registry.Find(c.src, c.dst);
    ASSERT_NE(decoder, nullptr) << c.name;
    EXPECT_EQ(decoder->name, c.name);
    ASSERT_NE(DecoderRegistry::BuiltinByName(c.name), nullptr) << c.name;
    EXPECT_EQ(DecoderRegistry::BuiltinByName(c.name)->decode, decoder->decode) << c.name;
    wm::v1::DecodedPayload out;
    DecodeStatus error = decoder->decode(c.payload, &out);
    EXPECT_FALSE(error.has_value()) << c.name << ": " << (error ? error->message : "");
    EXPECT_EQ(out.payload_case(), c.field) << c.name;
  }
}

TEST(DecoderRegistry, EachBuiltinNameNamesOneDecoder) {
  // A decoder may serve several pairs (provisioning frames go both ways), but a name used in
  // settings always means the same decoder.
  std::map<std::string_view, DecoderFn> by_name;
  for (const DecoderRegistry::Binding& b : DecoderRegistry::Builtins()) {
    auto [it, inserted] = by_name.emplace(b.decoder.name, b.decoder.decode);
    EXPECT_TRUE(inserted || it->second == b.decoder.decode) << b.decoder.name;
  }
}

TEST(DecoderRegistry, UnknownPairHasNoDecoder) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  EXPECT_EQ(registry.Find(1, 1), nullptr);
  EXPECT_EQ(registry.Find(255, 251), nullptr);
  EXPECT_EQ(registry.Find(247, 254), nullptr);
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
