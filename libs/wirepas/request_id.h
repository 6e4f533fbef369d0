#pragma once

#include <array>
#include <cstdint>
#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"

namespace wm::wirepas {

// Number of 32-bit words a request id generator is seeded with (256 bits: far more than one
// id, so the generator's state cannot be guessed from a few ids).
inline constexpr int kRequestIdSeedWords = 8;

// Seed words from the operating system: std::random_device, or abseil's OS entropy if
// std::random_device is unavailable.
std::array<uint32_t, kRequestIdSeedWords> OsSeedWords();

// Generates the random 64-bit req_id of gateway API requests (docs/gateway-api.md "Correlation":
// several backends share the response topics and match on req_id, so ids must be random, not
// counters). Never returns 0, which gateways use for unsolicited responses. Thread-safe. `Engine`
// is a 64-bit random bit generator constructible from a std::seed_seq; use the RequestIdGenerator
// alias below.
//
//   RequestIdGenerator ids;                      // production: seeded from std::random_device
//   header->set_req_id(ids.Next());
//
//   std::mt19937 fixed(42);                      // tests: a deterministic sequence
//   RequestIdGenerator ids([&] { return static_cast<uint32_t>(fixed()); });
template <typename Engine>
class BasicRequestIdGenerator {
 public:
  // Seeds from the operating system (OsSeedWords).
  BasicRequestIdGenerator() : engine_(MakeEngine(OsSeedWords())) {}

  // Seeds from `seed_source`, called kRequestIdSeedWords times during construction only.
  // Equal sources give equal sequences.
  explicit BasicRequestIdGenerator(absl::FunctionRef<uint32_t()> seed_source)
      : engine_(MakeEngine(Draw(seed_source))) {}

  BasicRequestIdGenerator(const BasicRequestIdGenerator&) = delete;
  BasicRequestIdGenerator& operator=(const BasicRequestIdGenerator&) = delete;

  // The next request id: 64 random bits, never 0.
  uint64_t Next() {
    absl::MutexLock lock(&mu_);
    uint64_t id = 0;
    while (id == 0) id = static_cast<uint64_t>(engine_());
    return id;
  }

 private:
  using Words = std::array<uint32_t, kRequestIdSeedWords>;

  static Words Draw(absl::FunctionRef<uint32_t()> seed_source) {
    Words words;
    for (uint32_t& word : words) word = seed_source();
    return words;
  }

  static Engine MakeEngine(const Words& words) {
    std::seed_seq seed(words.begin(), words.end());
    return Engine(seed);
  }

  absl::Mutex mu_;
  Engine engine_ ABSL_GUARDED_BY(mu_);
};

// The request id generator used in production and tests.
using RequestIdGenerator = BasicRequestIdGenerator<std::mt19937_64>;

}  // namespace wm::wirepas
