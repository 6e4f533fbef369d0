#include "libs/base/clock.h"

#include <chrono>

#include "absl/time/clock.h"

namespace wm::base {

Clock RealClock() { return [] { return absl::Now(); }; }

Clock SteadyClock() {
  return [] {
    return absl::UnixEpoch() +
           absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
  };
}

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
