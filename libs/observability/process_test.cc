#include "libs/observability/process.h"

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace wm::observability {
namespace {

// Takes two mutexes in one order, then in the other: a potential deadlock, though a single
// thread never blocks on it.
void LockInBothOrders() {
  absl::Mutex a;
  absl::Mutex b;
  {
    absl::MutexLock first(&a);
    absl::MutexLock second(&b);
  }
  {
    absl::MutexLock first(&b);
    absl::MutexLock second(&a);
  }
}

TEST(PrepareServiceProcessDeathTest, WithoutItTheSystemAbseilAbortsOnALockOrderInversion) {
  // What the services pay for on every lock unless they turn it off: Debian's Abseil checks
  // lock order. If this stops dying, the check is gone and PrepareServiceProcess can go too.
  EXPECT_DEATH(LockInBothOrders(), "Potential Mutex deadlock");
}

TEST(PrepareServiceProcessTest, TurnsTheLockOrderCheckOff) {
  PrepareServiceProcess();
  LockInBothOrders();  // would abort with the check on
  SUCCEED();
}

}  // namespace
}  // namespace wm::observability
