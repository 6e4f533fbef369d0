#include "tools/gateway_sim/response_policy.h"

#include "gtest/gtest.h"

namespace wm::gateway_sim {
namespace {

using wirepas::Method;

double RatioOf(const DropRatios& ratios, Method method) {
  return ratios[static_cast<size_t>(method)];
}

TEST(ParseDropResponsesTest, EmptyDropsNothing) {
  absl::StatusOr<DropRatios> ratios = ParseDropResponses("");
  ASSERT_TRUE(ratios.ok()) << ratios.status();
  for (double ratio : *ratios) EXPECT_EQ(ratio, 0);
}

TEST(ParseDropResponsesTest, MethodsRatiosAndBoth) {
  absl::StatusOr<DropRatios> ratios =
      ParseDropResponses(" 0.1 , set_config, send_data=0.5,otap_status = 0 ");
  ASSERT_TRUE(ratios.ok()) << ratios.status();
  EXPECT_EQ(RatioOf(*ratios, Method::kSetConfig), 1);
  EXPECT_EQ(RatioOf(*ratios, Method::kSendData), 0.5);
  EXPECT_EQ(RatioOf(*ratios, Method::kOtapStatus), 0);
  EXPECT_EQ(RatioOf(*ratios, Method::kGetConfigs), 0.1);
  // A later ratio for all overrides earlier entries.
  ratios = ParseDropResponses("set_config,1");
  ASSERT_TRUE(ratios.ok());
  EXPECT_EQ(RatioOf(*ratios, Method::kGetGwInfo), 1);
}

TEST(ParseDropResponsesTest, BadEntriesAreNamed) {
  for (const char* text : {"set_confg", "send_data=2", "send_data=x", "1.5", "-0.1", "=0.5"}) {
    absl::StatusOr<DropRatios> ratios = ParseDropResponses(text);
    EXPECT_EQ(ratios.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(ratios.status().message().find("drop_responses"), absl::string_view::npos) << text;
  }
}

TEST(ResponsePolicyTest, DropsAlwaysNeverOrAboutTheRatio) {
  ResponsePolicy policy;
  policy.drop_ratio[static_cast<size_t>(Method::kSetConfig)] = 1;
  policy.drop_ratio[static_cast<size_t>(Method::kSendData)] = 0.25;
  SimRandom random(5);
  int dropped = 0;
  for (int i = 0; i < 4000; ++i) {
    EXPECT_TRUE(policy.ShouldDrop(Method::kSetConfig, random));
    EXPECT_FALSE(policy.ShouldDrop(Method::kGetConfigs, random));
    if (policy.ShouldDrop(Method::kSendData, random)) ++dropped;
  }
  EXPECT_NEAR(dropped, 1000, 150);
}

}  // namespace
}  // namespace wm::gateway_sim
