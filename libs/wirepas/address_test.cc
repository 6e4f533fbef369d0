#include "libs/wirepas/address.h"

#include "gtest/gtest.h"

namespace wm::wirepas {
namespace {

TEST(AddressTest, BroadcastAndAnySinkAreNoNodeAddress) {
  EXPECT_EQ(kBroadcastAddress, 0xFFFFFFFFu);
  EXPECT_EQ(kAnySinkAddress, 0u);
  EXPECT_FALSE(IsNodeAddress(kBroadcastAddress));
  EXPECT_FALSE(IsNodeAddress(kAnySinkAddress));
  EXPECT_TRUE(IsNodeAddress(1));
  EXPECT_TRUE(IsNodeAddress(0xFFFFFFFE));
}

}  // namespace
}  // namespace wm::wirepas
