#include "services/ingest/deduplicator.h"

#include "gtest/gtest.h"

namespace wm::ingest {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

TEST(EventDeduplicator, SecondSightingIsDuplicate) {
  EventDeduplicator dedup({});
  EXPECT_TRUE(dedup.FirstSeen("gw1", 42, kT0));
  EXPECT_FALSE(dedup.FirstSeen("gw1", 42, kT0 + absl::Seconds(1)));
}

TEST(EventDeduplicator, SameEventIdFromAnotherGatewayIsNotDuplicate) {
  EventDeduplicator dedup({});
  EXPECT_TRUE(dedup.FirstSeen("gw1", 42, kT0));
  EXPECT_TRUE(dedup.FirstSeen("gw2", 42, kT0));
}

TEST(EventDeduplicator, ForgetsAfterMaxAge) {
  EventDeduplicator dedup({.capacity = 100, .max_age = absl::Seconds(10)});
  EXPECT_TRUE(dedup.FirstSeen("gw", 1, kT0));
  EXPECT_FALSE(dedup.FirstSeen("gw", 1, kT0 + absl::Seconds(10)));
  EXPECT_TRUE(dedup.FirstSeen("gw", 1, kT0 + absl::Seconds(11)));
}

TEST(EventDeduplicator, CapacityBoundsMemoryAndForgetsOldest) {
  EventDeduplicator dedup({.capacity = 3, .max_age = absl::Hours(1)});
  for (uint64_t id = 1; id <= 4; ++id) EXPECT_TRUE(dedup.FirstSeen("gw", id, kT0));
  EXPECT_EQ(dedup.size(), 3u);
  EXPECT_TRUE(dedup.FirstSeen("gw", 1, kT0));   // 1 was pushed out by 4
  EXPECT_FALSE(dedup.FirstSeen("gw", 4, kT0));  // 4 is still inside the window
}

}  // namespace
}  // namespace wm::ingest
