#include "libs/wirepas/request_id.h"

#include <cstdint>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace wm::wirepas {
namespace {

TEST(RequestIdTest, SameSeedSameSequence) {
  std::mt19937 source_a(42);
  std::mt19937 source_b(42);
  RequestIdGenerator a([&] { return static_cast<uint32_t>(source_a()); });
  RequestIdGenerator b([&] { return static_cast<uint32_t>(source_b()); });
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.Next(), b.Next()) << i;
}

TEST(RequestIdTest, DifferentSeedsDifferentSequences) {
  std::mt19937 source_a(1);
  std::mt19937 source_b(2);
  RequestIdGenerator a([&] { return static_cast<uint32_t>(source_a()); });
  RequestIdGenerator b([&] { return static_cast<uint32_t>(source_b()); });
  int equal = 0;
  for (int i = 0; i < 100; ++i) equal += a.Next() == b.Next();
  EXPECT_EQ(equal, 0);
}

TEST(RequestIdTest, OsSeededGeneratorsDiffer) {
  RequestIdGenerator a;
  RequestIdGenerator b;
  EXPECT_NE(a.Next(), b.Next());
  EXPECT_NE(OsSeedWords(), OsSeedWords());
}

TEST(RequestIdTest, DistinctNonZeroAndUsingAllBits) {
  std::mt19937 source(7);
  RequestIdGenerator ids([&] { return static_cast<uint32_t>(source()); });
  std::set<uint64_t> seen;
  uint64_t all_or = 0;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t id = ids.Next();
    ASSERT_NE(id, 0u);
    ASSERT_TRUE(seen.insert(id).second) << "repeated id " << id;
    all_or |= id;
  }
  EXPECT_EQ(all_or, UINT64_MAX);  // high bits are random too, not a 32-bit value widened
}

// An engine that yields a fixed script, to show that zeros are skipped.
class ScriptedEngine {
 public:
  using result_type = uint64_t;
  explicit ScriptedEngine(std::seed_seq&) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return UINT64_MAX; }
  result_type operator()() { return kScript[next_++ % 5]; }

 private:
  static constexpr result_type kScript[5] = {0, 0, 7, 0, 9};
  int next_ = 0;
};

TEST(RequestIdTest, NeverReturnsZero) {
  BasicRequestIdGenerator<ScriptedEngine> ids([] { return 0u; });
  EXPECT_EQ(ids.Next(), 7u);
  EXPECT_EQ(ids.Next(), 9u);
  EXPECT_EQ(ids.Next(), 7u);
}

TEST(RequestIdTest, ThreadSafe) {
  RequestIdGenerator ids;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::vector<uint64_t>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, &out = results[t]] {
      for (int i = 0; i < kPerThread; ++i) out.push_back(ids.Next());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (const auto& r : results) all.insert(r.begin(), r.end());
  // A data race on the engine state would hand out repeated values.
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(all.count(0), 0u);
}

}  // namespace
}  // namespace wm::wirepas
