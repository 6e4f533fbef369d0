#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace wm::gateway_sim {

// The simulator's source of randomness: a seeded 64-bit Mersenne Twister with the few draws the
// simulator needs. The draws are written out here (not std:: distributions, whose results vary
// between standard libraries) so that one seed gives the same network and traffic everywhere.
//
//   SimRandom random(42);
//   uint32_t channel = random.Uniform(1, 40);
class SimRandom {
 public:
  explicit SimRandom(uint64_t seed) : engine_(seed) {}

  // A uniformly random 64-bit value (event ids, request ids).
  uint64_t Next() { return engine_(); }

  // A value in [lo, hi] (inclusive); returns lo when hi <= lo. The modulo bias is below 2^-32
  // for the small ranges used here.
  uint64_t Uniform(uint64_t lo, uint64_t hi) {
    if (hi <= lo) return lo;
    const uint64_t span = hi - lo;
    if (span == UINT64_MAX) return Next();
    return lo + Next() % (span + 1);
  }

  // A double in [0, 1).
  double UnitDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // True with probability `p` (p <= 0: never, p >= 1: always).
  bool Chance(double p) { return UnitDouble() < p; }

  // `n` random bytes.
  std::string Bytes(size_t n) {
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(Next() & 0xFF);
    return out;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace wm::gateway_sim
