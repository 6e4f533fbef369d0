#include "services/registry/fact_time.h"

#include "gtest/gtest.h"

namespace wm::registry {
namespace {

TEST(FactTimeTest, GatewayTimesOrderFactsWhateverTheirArrival) {
  // The older fact arrived later (a gateway publishing from a LIFO queue).
  const FactTime newer{.gateway_ms = 2000, .received_ms = 5000};
  const FactTime older{.gateway_ms = 1000, .received_ms = 6000};
  EXPECT_FALSE(NotOlder(older, newer));
  EXPECT_TRUE(NotOlder(newer, older));
  EXPECT_TRUE(NotOlder(newer, newer)) << "a repeated report is applied again";
}

TEST(FactTimeTest, WithoutAGatewayTimeReceptionOrders) {
  const FactTime timed{.gateway_ms = 2000, .received_ms = 5000};
  const FactTime untimed_later{.gateway_ms = 0, .received_ms = 5001};
  const FactTime untimed_earlier{.gateway_ms = 0, .received_ms = 4999};
  EXPECT_TRUE(NotOlder(untimed_later, timed));
  EXPECT_FALSE(NotOlder(untimed_earlier, timed));
  // Nothing applied yet (or applied before gateway times were kept): reception decides.
  EXPECT_TRUE(NotOlder({.gateway_ms = 1, .received_ms = 1}, FactTime{}));
  EXPECT_FALSE(NotOlder({.gateway_ms = 9000, .received_ms = 4000}, untimed_later));
}

TEST(FactTimeTest, AdvanceKeepsTheGatewayTimeAMessageWithoutOneLacks) {
  const FactTime applied{.gateway_ms = 2000, .received_ms = 5000};
  const FactTime untimed{.gateway_ms = 0, .received_ms = 6000};
  const FactTime after = Advance(applied, untimed);
  EXPECT_EQ(after, (FactTime{.gateway_ms = 2000, .received_ms = 6000}));
  // A timed message older than the first one, arriving after the untimed one, stays older.
  EXPECT_FALSE(NotOlder({.gateway_ms = 1500, .received_ms = 7000}, after));
  EXPECT_TRUE(NotOlder({.gateway_ms = 2500, .received_ms = 7000}, after));
  EXPECT_EQ(Advance(applied, {.gateway_ms = 3000, .received_ms = 4000}),
            (FactTime{.gateway_ms = 3000, .received_ms = 5000}))
      << "reception time never goes back";
}

}  // namespace
}  // namespace wm::registry
