#include "tools/gateway_sim/processing_delay.h"

#include "gtest/gtest.h"

namespace wm::gateway_sim {
namespace {

TEST(ProcessingDelayTest, PredefinedDelaysHaveTheReferenceCodes) {
  EXPECT_EQ(ProcessingDelayCode(gwapi::TEN_MINUTES), 0x4A);
  EXPECT_EQ(ProcessingDelayCode(gwapi::THIRTY_MINUTES), 0x5E);
  EXPECT_EQ(ProcessingDelayCode(gwapi::ONE_HOUR), 0x81);
  EXPECT_EQ(ProcessingDelayCode(gwapi::SIX_HOURS), 0x86);
  EXPECT_EQ(ProcessingDelayCode(gwapi::ONE_DAY), 0xC1);
  EXPECT_EQ(ProcessingDelayCode(gwapi::TWO_DAYS), 0xC2);
  EXPECT_EQ(ProcessingDelayCode(gwapi::FIVE_DAYS), 0xC5);
  EXPECT_EQ(ProcessingDelayCode(gwapi::UNKNOWN_DELAY), 0);
}

TEST(ProcessingDelayTest, CodesReadBackAsTheirPredefinedDelay) {
  EXPECT_EQ(PredefinedProcessingDelay(0xC1), gwapi::ONE_DAY);
  EXPECT_EQ(PredefinedProcessingDelay(0x4A), gwapi::TEN_MINUTES);
  EXPECT_EQ(PredefinedProcessingDelay(0xC3), std::nullopt);  // 3 days: valid, not predefined
  EXPECT_EQ(PredefinedProcessingDelay(0), std::nullopt);
}

TEST(ProcessingDelayTest, UnitAndAmount) {
  EXPECT_EQ(ProcessingDelayMinutes(0x4A), 10u);
  EXPECT_EQ(ProcessingDelayMinutes(0x86), 360u);
  EXPECT_EQ(ProcessingDelayMinutes(0xC3), 3u * 1440);
  EXPECT_TRUE(IsValidProcessingDelayCode(0x41));
  EXPECT_FALSE(IsValidProcessingDelayCode(0x40));  // 0 minutes
  EXPECT_FALSE(IsValidProcessingDelayCode(0x0A));  // no unit
  EXPECT_FALSE(IsValidProcessingDelayCode(0));
  EXPECT_EQ(ProcessingDelayMinutes(0x40), 0u);
}

}  // namespace
}  // namespace wm::gateway_sim
