#include "libs/decoders/settings.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace wm::decoders {
namespace {

// Applies settings given as flags to a registry of the built-in decoders.
absl::Status Apply(const std::vector<std::string>& flags, DecoderRegistry* registry) {
  config::Schema schema;
  AddDecoderSettings(schema);
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, flags, {});
  if (!settings.ok()) return settings.status();
  return ApplyDecoderSettings(*settings, registry);
}

TEST(DecoderSettings, DefaultsKeepTheBuiltins) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  ASSERT_TRUE(Apply({}, &registry).ok());
  for (const DecoderRegistry::Binding& b : DecoderRegistry::Builtins()) {
    EXPECT_NE(registry.Find(b.source_endpoint, b.destination_endpoint), nullptr)
        << b.decoder.name;
  }
}

TEST(DecoderSettings, DisabledPairsPassThroughRaw) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  ASSERT_TRUE(Apply({"--decoders_disabled= 251:255 , 252:255,"}, &registry).ok());
  EXPECT_EQ(registry.Find(251, 255), nullptr);
  EXPECT_EQ(registry.Find(252, 255), nullptr);
  EXPECT_NE(registry.Find(253, 255), nullptr);
}

TEST(DecoderSettings, ExtraPairsMapToBuiltinDecodersByName) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  ASSERT_TRUE(Apply({"--decoders_extra=10:10=traffic_diagnostics, 20:21 = ruuvi,0:255=advertiser"},
                    &registry)
                  .ok());
  ASSERT_NE(registry.Find(10, 10), nullptr);
  EXPECT_EQ(registry.Find(10, 10)->name, "traffic_diagnostics");
  ASSERT_NE(registry.Find(20, 21), nullptr);
  EXPECT_EQ(registry.Find(20, 21)->name, "ruuvi");
  EXPECT_EQ(registry.Find(21, 20), nullptr);
  ASSERT_NE(registry.Find(0, 255), nullptr);
  EXPECT_NE(registry.Find(11, 11), nullptr) << "the built-in pair stays";
}

TEST(DecoderSettings, ExtraMayReplaceABuiltinPairsDecoder) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  ASSERT_TRUE(Apply({"--decoders_extra=251:255=node_diagnostics"}, &registry).ok());
  EXPECT_EQ(registry.Find(251, 255)->name, "node_diagnostics");
}

TEST(DecoderSettings, BadItemsAreInvalidArgumentNamingKeyAndItem) {
  struct Case {
    std::string flag;
    std::string key;
    std::string item;
  };
  const Case cases[] = {
      {"--decoders_disabled=251", "decoders_disabled", "'251'"},
      {"--decoders_disabled=251:255:1", "decoders_disabled", "'251:255:1'"},
      {"--decoders_disabled=256:255", "decoders_disabled", "'256:255'"},
      {"--decoders_disabled=1:-1", "decoders_disabled", "'1:-1'"},
      {"--decoders_disabled=a:b", "decoders_disabled", "'a:b'"},
      {"--decoders_disabled=1:1,1:1", "decoders_disabled", "'1:1'"},
      {"--decoders_extra=10:10", "decoders_extra", "'10:10'"},
      {"--decoders_extra=10:1000=ruuvi", "decoders_extra", "'10:1000=ruuvi'"},
      {"--decoders_extra=10:10=no_such", "decoders_extra", "'no_such'"},
      {"--decoders_extra=10:10=", "decoders_extra", "'10:10='"},
      {"--decoders_extra=10:10=ruuvi,10:10=advertiser", "decoders_extra", "'10:10=advertiser'"},
  };
  for (const Case& c : cases) {
    DecoderRegistry registry = DecoderRegistry::WithBuiltins();
    absl::Status status = Apply({c.flag}, &registry);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.flag;
    EXPECT_NE(status.message().find(c.key), std::string::npos) << status;
    EXPECT_NE(status.message().find(c.item), std::string::npos) << status;
  }
}

TEST(DecoderSettings, UnknownDecoderErrorListsTheKnownOnes) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  absl::Status status = Apply({"--decoders_extra=1:1=traffic"}, &registry);
  EXPECT_NE(status.message().find("traffic_diagnostics"), std::string::npos) << status;
}

TEST(DecoderSettings, PairBothDisabledAndMappedIsAnError) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  absl::Status status = Apply(
      {"--decoders_disabled=20:20", "--decoders_extra=20:20=ruuvi"}, &registry);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("decoders_disabled"), std::string::npos) << status;
}

TEST(DecoderSettings, AnErrorLeavesTheRegistryUnchanged) {
  DecoderRegistry registry = DecoderRegistry::WithBuiltins();
  ASSERT_FALSE(Apply({"--decoders_disabled=251:255", "--decoders_extra=5:5=bogus"}, &registry)
                   .ok());
  EXPECT_NE(registry.Find(251, 255), nullptr);
  EXPECT_EQ(registry.Find(5, 5), nullptr);
}

}  // namespace
}  // namespace wm::decoders
