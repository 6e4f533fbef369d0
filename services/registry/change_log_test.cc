#include "services/registry/change_log.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ChangeLog::ChangePtr Change(uint64_t sequence) {
  auto change = std::make_shared<wm::v1::RegistryChange>();
  change->set_sequence(sequence);
  change->set_kind(wm::v1::CHANGE_KIND_UPDATED);
  return change;
}

class ChangeLogTest : public ::testing::Test {
 protected:
  ChangeLog::Options Options(size_t max_changes, absl::Duration max_age = absl::Minutes(10)) {
    return {.max_changes = max_changes, .max_age = max_age, .clock = [this] { return now_; }};
  }

  static std::vector<uint64_t> After(const ChangeLog& log, uint64_t after) {
    std::vector<uint64_t> sequences;
    log.ForEachAfter(after, [&](const ChangeLog::ChangePtr& change) {
      sequences.push_back(change->sequence());
    });
    return sequences;
  }

  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
};

TEST_F(ChangeLogTest, KeepsTheLatestChangesOldestFirstWithoutCopies) {
  ChangeLog log(Options(3));
  EXPECT_EQ(log.first_sequence(), 0u);
  EXPECT_THAT(After(log, 0), IsEmpty());
  ChangeLog::ChangePtr first = Change(101);
  log.Append(first);
  EXPECT_EQ(first.use_count(), 2) << "the log shares the change";
  for (uint64_t sequence = 102; sequence <= 105; ++sequence) log.Append(Change(sequence));
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.first_sequence(), 103u);
  EXPECT_EQ(first.use_count(), 1) << "forgotten";
  EXPECT_THAT(After(log, 0), ElementsAre(103, 104, 105));
  EXPECT_THAT(After(log, 103), ElementsAre(104, 105));
  EXPECT_THAT(After(log, 105), IsEmpty());
  EXPECT_THAT(After(log, 900), IsEmpty());
}

TEST_F(ChangeLogTest, FindsThePositionAmongSequencesThatSkip) {
  ChangeLog log(Options(10));
  for (uint64_t sequence : {10, 12, 13, 20}) log.Append(Change(sequence));
  EXPECT_THAT(After(log, 11), ElementsAre(12, 13, 20));
  EXPECT_THAT(After(log, 12), ElementsAre(13, 20));
  EXPECT_THAT(After(log, 14), ElementsAre(20));
}

TEST_F(ChangeLogTest, ForgetsChangesOlderThanTheMaxAge) {
  ChangeLog log(Options(100, absl::Seconds(60)));
  log.Append(Change(1));
  now_ += absl::Seconds(30);
  log.Append(Change(2));
  EXPECT_EQ(log.oldest_age(), absl::Seconds(30));
  now_ += absl::Seconds(31);
  log.ForgetExpired();
  EXPECT_EQ(log.first_sequence(), 2u);
  EXPECT_EQ(log.oldest_age(), absl::Seconds(31));
  now_ += absl::Seconds(30);
  log.Append(Change(3));  // appending forgets too
  EXPECT_THAT(After(log, 0), ElementsAre(3));
  now_ += absl::Seconds(61);
  log.ForgetExpired();
  EXPECT_EQ(log.size(), 0u);
  EXPECT_EQ(log.oldest_age(), absl::ZeroDuration());
}

TEST_F(ChangeLogTest, SizeZeroKeepsNothing) {
  ChangeLog log(Options(0));
  EXPECT_FALSE(log.enabled());
  log.Append(Change(1));
  EXPECT_EQ(log.size(), 0u);
  EXPECT_THAT(After(log, 0), IsEmpty());
}

}  // namespace
}  // namespace wm::registry
