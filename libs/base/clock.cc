#include "libs/base/clock.h"

#include "absl/time/clock.h"

namespace wm::base {

Clock RealClock() { return [] { return absl::Now(); }; }

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void FakeClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
}

Clock FakeClock::AsClock() const {
  return [this] { return Now(); };
}

}  // namespace wm::base
