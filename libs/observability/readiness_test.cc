#include "libs/observability/readiness.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm::observability {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ReadinessTest, ReadyWithoutConditionsUntilDraining) {
  Readiness readiness;
  EXPECT_TRUE(readiness.IsReady());
  EXPECT_THAT(readiness.FailingConditions(), IsEmpty());
  readiness.SetDraining();
  EXPECT_FALSE(readiness.IsReady());
  EXPECT_TRUE(readiness.IsDraining());
  EXPECT_THAT(readiness.FailingConditions(), ElementsAre("draining"));
}

TEST(ReadinessTest, ReadyWhenAllConditionsAre) {
  Readiness readiness;
  readiness.Declare("mqtt", "connecting");
  readiness.Declare("subscribed");
  EXPECT_FALSE(readiness.IsReady());
  EXPECT_THAT(readiness.FailingConditions(), ElementsAre("mqtt: connecting", "subscribed: starting"));

  readiness.Set("mqtt", true);
  EXPECT_FALSE(readiness.IsReady());
  EXPECT_THAT(readiness.FailingConditions(), ElementsAre("subscribed: starting"));

  readiness.Set("subscribed", true);
  EXPECT_TRUE(readiness.IsReady());

  readiness.Set("mqtt", false, "connection lost");
  EXPECT_FALSE(readiness.IsReady());
  EXPECT_THAT(readiness.FailingConditions(), ElementsAre("mqtt: connection lost"));

  readiness.Set("mqtt", true);
  readiness.SetDraining();
  EXPECT_FALSE(readiness.IsReady());
  readiness.Set("mqtt", true);  // draining cannot be undone
  EXPECT_FALSE(readiness.IsReady());
}

TEST(ReadinessTest, SetDeclaresUnknownCondition) {
  Readiness readiness;
  readiness.Set("db", false);
  EXPECT_THAT(readiness.FailingConditions(), ElementsAre("db: not ready"));
}

TEST(ReadinessTest, ListenersHearTheCurrentStateAndEachChange) {
  Readiness readiness;
  std::vector<bool> heard;
  int id = readiness.AddListener([&](bool ready) { heard.push_back(ready); });
  EXPECT_THAT(heard, ElementsAre(true));  // called at once

  readiness.Declare("mqtt");
  readiness.Declare("subscribed");   // no change: still not ready
  readiness.Set("mqtt", true);       // no change
  readiness.Set("subscribed", true);  // ready
  readiness.Set("subscribed", true);  // no change
  readiness.SetDraining();           // not ready
  EXPECT_THAT(heard, ElementsAre(true, false, true, false));

  readiness.RemoveListener(id);
  Readiness other;
  other.AddListener([&](bool ready) { heard.push_back(ready); });
  heard.clear();
  other.SetDraining();
  EXPECT_THAT(heard, ElementsAre(false));
}

TEST(ReadinessTest, RemovedListenerIsNotCalled) {
  Readiness readiness;
  int calls = 0;
  int id = readiness.AddListener([&](bool) { ++calls; });
  readiness.RemoveListener(id);
  readiness.Declare("x");
  readiness.Set("x", true);
  EXPECT_EQ(calls, 1);
}

TEST(ReadinessTest, ListenerMayReadReadiness) {
  Readiness readiness;
  std::vector<size_t> failing_counts;
  readiness.AddListener(
      [&](bool) { failing_counts.push_back(readiness.FailingConditions().size()); });
  readiness.Declare("a");
  EXPECT_THAT(failing_counts, ElementsAre(0u, 1u));
}

TEST(ReadinessTest, ConcurrentChangesLeaveListenersOnTheFinalState) {
  Readiness readiness;
  std::atomic<int> last{-1};
  readiness.AddListener([&](bool ready) { last = ready ? 1 : 0; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&readiness, t] {
      std::string name = "c" + std::to_string(t);
      for (int i = 0; i < 2000; ++i) readiness.Set(name, (i + t) % 2 == 0);
      readiness.Set(name, true);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(readiness.IsReady());
  EXPECT_EQ(last.load(), 1);
  readiness.Set("c0", false);
  EXPECT_EQ(last.load(), 0);
}

}  // namespace
}  // namespace wm::observability
