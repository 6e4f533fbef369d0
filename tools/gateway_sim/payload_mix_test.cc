#include "tools/gateway_sim/payload_mix.h"

#include "gtest/gtest.h"

namespace wm::gateway_sim {
namespace {

TEST(PayloadMixTest, DefaultsKeepApplicationDataMostFrequent) {
  const PayloadMix mix;
  ASSERT_TRUE(CheckPayloadMix(mix).ok());
  double total = 0;
  for (double weight : mix.weights) total += weight;
  const double app = mix.weight(PayloadKind::kAppData);
  EXPECT_GE(app / total, 0.5);
  for (size_t i = 1; i < kPayloadKindCount; ++i) {
    EXPECT_GT(mix.weights[i], 0) << PayloadKindName(static_cast<PayloadKind>(i));
    EXPECT_LT(mix.weights[i], app) << PayloadKindName(static_cast<PayloadKind>(i));
  }
}

TEST(PayloadMixTest, ListedKindsMakeTheMixAndTheRestAreOff) {
  absl::StatusOr<PayloadMix> mix = ParsePayloadMix(" app_data=3 , ruuvi=1.5,provisioning_start=0");
  ASSERT_TRUE(mix.ok()) << mix.status();
  EXPECT_EQ(mix->weight(PayloadKind::kAppData), 3);
  EXPECT_EQ(mix->weight(PayloadKind::kRuuvi), 1.5);
  EXPECT_EQ(mix->weight(PayloadKind::kProvisioningStart), 0);
  EXPECT_EQ(mix->weight(PayloadKind::kTrafficDiagnostics), 0);
  EXPECT_EQ(mix->weight(PayloadKind::kDiagnosticsV2), 0);
}

TEST(PayloadMixTest, FormatReadsBackTheSameMix) {
  PayloadMix mix;
  mix.set(PayloadKind::kAdvertiser, 0.25);
  const std::string text = FormatPayloadMix(mix);
  EXPECT_EQ(text.rfind("app_data=55,traffic_diagnostics=6,", 0), 0u) << text;
  absl::StatusOr<PayloadMix> back = ParsePayloadMix(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->weights, mix.weights);
}

TEST(PayloadMixTest, EveryKindHasItsOwnName) {
  for (size_t i = 0; i < kPayloadKindCount; ++i) {
    const std::string name(PayloadKindName(static_cast<PayloadKind>(i)));
    absl::StatusOr<PayloadMix> mix = ParsePayloadMix(name + "=1");
    ASSERT_TRUE(mix.ok()) << name << ": " << mix.status();
    for (size_t k = 0; k < kPayloadKindCount; ++k) EXPECT_EQ(mix->weights[k], k == i ? 1 : 0);
  }
}

TEST(PayloadMixTest, BadTextIsRejectedNamingWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "at least one kind"},
      {"app_data=0,ruuvi=0", "at least one kind"},
      {"app_data", "not kind=weight"},
      {"weather=2", "unknown kind 'weather'"},
      {"ruuvi=1,ruuvi=2", "ruuvi twice"},
      {"ruuvi=-1", "weight of ruuvi"},
      {"ruuvi=lots", "weight of ruuvi"},
      {"ruuvi=nan", "weight of ruuvi"},
      {"ruuvi=inf", "weight of ruuvi"},
  };
  for (const auto& [text, expected] : cases) {
    absl::StatusOr<PayloadMix> mix = ParsePayloadMix(text);
    ASSERT_FALSE(mix.ok()) << text;
    EXPECT_EQ(mix.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(mix.status().message().find(expected), std::string_view::npos)
        << text << ": " << mix.status();
  }
}

TEST(PayloadMixTest, CheckRejectsNegativeAndAllZeroWeights) {
  PayloadMix mix;
  mix.set(PayloadKind::kRuuvi, -1);
  EXPECT_EQ(CheckPayloadMix(mix).code(), absl::StatusCode::kInvalidArgument);
  mix.weights.fill(0);
  EXPECT_EQ(CheckPayloadMix(mix).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace wm::gateway_sim
