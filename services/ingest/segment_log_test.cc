#include "services/ingest/segment_log.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "prometheus/registry.h"

namespace wm::ingest {
namespace {

std::string NewDir() {
  absl::StatusOr<std::string> dir = testing::MakeTempDir("segment_log");
  EXPECT_TRUE(dir.ok()) << dir.status();
  return *dir;
}

std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name != "LOCK") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct Loaded {
  std::unique_ptr<SegmentLog> log;
  std::vector<std::string> records;
  SegmentLog::LoadReport report;
};

Loaded OpenLog(SegmentLog::Options options) {
  Loaded loaded;
  absl::StatusOr<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(
      std::move(options),
      [&](std::string_view record) { loaded.records.emplace_back(record); }, &loaded.report);
  EXPECT_TRUE(log.ok()) << log.status();
  if (log.ok()) loaded.log = *std::move(log);
  return loaded;
}

// Appends records "r<first>".."r<last>" with sequences first..last into a segment started at
// `first`.
void AppendRange(SegmentLog& log, uint64_t first, uint64_t last) {
  if (log.ShouldStartSegment()) {
    ASSERT_TRUE(log.StartSegment(first).ok());
  }
  for (uint64_t i = first; i <= last; ++i) log.Append(absl::StrCat("r", i));
}

TEST(Crc32cTest, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c("56789", Crc32c("1234")), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(SegmentRecordsTest, ReadsWhatWasFramedAndStopsAtATornOrCorruptTail) {
  std::string bytes;
  AppendSegmentRecord("one", &bytes);
  AppendSegmentRecord("", &bytes);
  AppendSegmentRecord("three", &bytes);
  std::vector<std::string> seen;
  auto visit = [&](std::string_view r) { seen.emplace_back(r); };

  SegmentReadResult all = ReadSegmentRecords(bytes, visit);
  EXPECT_EQ(all.tail, SegmentTail::kClean);
  EXPECT_EQ(all.records, 3u);
  EXPECT_EQ(all.valid_bytes, bytes.size());
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "", "three"}));

  seen.clear();
  SegmentReadResult torn = ReadSegmentRecords(std::string_view(bytes).substr(0, bytes.size() - 2), visit);
  EXPECT_EQ(torn.tail, SegmentTail::kTorn);
  EXPECT_EQ(torn.records, 2u);
  EXPECT_EQ(torn.valid_bytes, 8u + 3 + 8);

  std::string flipped = bytes;
  flipped[8 + 1] ^= 0x01;  // a byte of "one"
  seen.clear();
  SegmentReadResult corrupt = ReadSegmentRecords(flipped, visit);
  EXPECT_EQ(corrupt.tail, SegmentTail::kCorrupt);
  EXPECT_EQ(corrupt.records, 0u);
  EXPECT_TRUE(seen.empty());

  std::string huge(8, '\xff');  // a length of 4 GiB
  EXPECT_EQ(ReadSegmentRecords(huge, visit).tail, SegmentTail::kCorrupt);
}

TEST(SegmentLogTest, FlushedRecordsAreReadBackInOrderAfterReopening) {
  const std::string dir = NewDir();
  {
    Loaded first = OpenLog({.directory = dir});
    EXPECT_TRUE(first.records.empty());
    AppendRange(*first.log, 1, 3);
    EXPECT_GT(first.log->buffered_bytes(), 0u);
    ASSERT_TRUE(first.log->Flush().ok());
    EXPECT_EQ(first.log->buffered_bytes(), 0u);
    AppendRange(*first.log, 4, 5);
    ASSERT_TRUE(first.log->Flush().ok());
  }
  Loaded second = OpenLog({.directory = dir});
  EXPECT_EQ(second.records, (std::vector<std::string>{"r1", "r2", "r3", "r4", "r5"}));
  EXPECT_EQ(second.report.segments, 1u);
  EXPECT_EQ(second.report.corrupt, 0u);
  // A new run writes a new segment, never into the old one.
  AppendRange(*second.log, 6, 6);
  ASSERT_TRUE(second.log->Flush().ok());
  EXPECT_EQ(SegmentFiles(dir),
            (std::vector<std::string>{"00000000000000000001.seg", "00000000000000000006.seg"}));
}

TEST(SegmentLogTest, WhatIsFlushedIsInTheFileBeforeFlushReturns) {
  const std::string dir = NewDir();
  Loaded loaded = OpenLog({.directory = dir, .fsync = true});
  AppendRange(*loaded.log, 1, 1);
  const std::string path = dir + "/00000000000000000001.seg";
  ASSERT_TRUE(loaded.log->Flush().ok());
  absl::StatusOr<std::string> contents = testing::ReadFile(path);
  ASSERT_TRUE(contents.ok());
  std::string expected(kSegmentMagic);
  AppendSegmentRecord("r1", &expected);
  EXPECT_EQ(*contents, expected);
}

TEST(SegmentLogTest, RollsPastTheSegmentSizeAndDeletesWholeOldSegments) {
  const std::string dir = NewDir();
  prometheus::Registry registry;
  IngestMetrics metrics(registry);
  Loaded loaded = OpenLog({.directory = dir, .segment_bytes = 64, .metrics = &metrics});
  SegmentLog& log = *loaded.log;
  for (uint64_t sequence = 1; sequence <= 30; ++sequence) {
    if (log.ShouldStartSegment()) {
      ASSERT_TRUE(log.StartSegment(sequence).ok());
    }
    log.Append(absl::StrCat("record-", sequence));  // 16 or 17 bytes framed
    ASSERT_TRUE(log.Flush().ok());
  }
  const std::vector<std::string> files = SegmentFiles(dir);
  ASSERT_GT(files.size(), 5u);
  EXPECT_EQ(files.front(), "00000000000000000001.seg");
  EXPECT_EQ(metrics.disk_log_segments.Value(), static_cast<double>(files.size()));
  EXPECT_EQ(metrics.disk_log_bytes.Value(), static_cast<double>(log.bytes()));

  // Sequence 1 starts the first segment; 2 or 3 is still inside it: nothing goes.
  log.DeleteSegmentsBefore(2);
  EXPECT_EQ(SegmentFiles(dir), files);
  // Everything before the last segment's first event goes; the current segment stays.
  log.DeleteSegmentsBefore(1000);
  EXPECT_EQ(SegmentFiles(dir), std::vector<std::string>{files.back()});
  EXPECT_EQ(log.segment_count(), 1u);
  EXPECT_EQ(metrics.disk_log_segments.Value(), 1);

  loaded.log.reset();
  Loaded again = OpenLog({.directory = dir});
  ASSERT_FALSE(again.records.empty());
  EXPECT_EQ(again.records.back(), "record-30");
}

TEST(SegmentLogTest, TornTailOfTheLastSegmentIsCutAndCounted) {
  const std::string dir = NewDir();
  {
    Loaded loaded = OpenLog({.directory = dir});
    AppendRange(*loaded.log, 1, 3);
    ASSERT_TRUE(loaded.log->Flush().ok());
  }
  const std::string path = dir + "/00000000000000000001.seg";
  const uintmax_t clean_size = std::filesystem::file_size(path);
  std::string torn;
  AppendSegmentRecord("r4-never-finished", &torn);
  absl::StatusOr<std::string> contents = testing::ReadFile(path);
  ASSERT_TRUE(contents.ok());
  ASSERT_TRUE(testing::WriteFile(path, *contents + torn.substr(0, torn.size() - 5)).ok());

  prometheus::Registry registry;
  IngestMetrics metrics(registry);
  {
    Loaded loaded = OpenLog({.directory = dir, .metrics = &metrics});
    EXPECT_EQ(loaded.records, (std::vector<std::string>{"r1", "r2", "r3"}));
    EXPECT_EQ(loaded.report.corrupt, 1u);
    EXPECT_EQ(loaded.report.truncated_bytes, torn.size() - 5);
    EXPECT_EQ(metrics.disk_log_corrupt_records.Value(), 1);
    EXPECT_EQ(std::filesystem::file_size(path), clean_size);
  }
  // Cut once: the next load is clean.
  Loaded clean = OpenLog({.directory = dir});
  EXPECT_EQ(clean.report.corrupt, 0u);
  EXPECT_EQ(clean.records.size(), 3u);
}

TEST(SegmentLogTest, CorruptionInsideAnOlderSegmentEndsThatSegmentOnly) {
  const std::string dir = NewDir();
  {
    Loaded loaded = OpenLog({.directory = dir, .segment_bytes = 40});
    for (uint64_t sequence = 1; sequence <= 6; ++sequence) {
      if (loaded.log->ShouldStartSegment()) {
        ASSERT_TRUE(loaded.log->StartSegment(sequence).ok());
      }
      loaded.log->Append(absl::StrCat("r", sequence));  // 10 bytes framed
      ASSERT_TRUE(loaded.log->Flush().ok());
    }
  }
  // 8 bytes of magic + 10 per record: segments of 4 records: 1..4 and 5..6.
  ASSERT_EQ(SegmentFiles(dir),
            (std::vector<std::string>{"00000000000000000001.seg", "00000000000000000005.seg"}));
  const std::string first = dir + "/00000000000000000001.seg";
  absl::StatusOr<std::string> contents = testing::ReadFile(first);
  ASSERT_TRUE(contents.ok());
  std::string damaged = *contents;
  damaged[8 + 10 + 9] ^= 0x20;  // the last byte of "r2"
  ASSERT_TRUE(testing::WriteFile(first, damaged).ok());

  Loaded loaded = OpenLog({.directory = dir});
  EXPECT_EQ(loaded.records, (std::vector<std::string>{"r1", "r5", "r6"}));
  EXPECT_EQ(loaded.report.corrupt, 1u);
  EXPECT_EQ(loaded.report.truncated_bytes, 0u);
  // The older segment is left as it is (it goes when its events are no longer wanted).
  EXPECT_EQ(std::filesystem::file_size(first), damaged.size());
}

TEST(SegmentLogTest, GarbageAndEmptyLastSegmentsAreHandledWithoutCrashing) {
  const std::string dir = NewDir();
  ASSERT_TRUE(testing::WriteFile(dir + "/00000000000000000001.seg", "not a segment at all").ok());
  ASSERT_TRUE(testing::WriteFile(dir + "/00000000000000000009.seg", "WMS").ok());
  ASSERT_TRUE(testing::WriteFile(dir + "/notes.txt", "ignored").ok());
  Loaded loaded = OpenLog({.directory = dir});
  EXPECT_TRUE(loaded.records.empty());
  EXPECT_EQ(loaded.report.segments, 2u);
  EXPECT_EQ(loaded.report.corrupt, 2u);
  // The last one held nothing readable: it is gone, so its name is free again.
  EXPECT_FALSE(std::filesystem::exists(dir + "/00000000000000000009.seg"));
  AppendRange(*loaded.log, 9, 9);
  EXPECT_TRUE(loaded.log->Flush().ok());
}

// A run that died right after a new segment's snapshot left a segment named after the next
// sequence; the next run's segment of that name replaces it instead of failing forever.
TEST(SegmentLogTest, ASegmentCutAfterItsSnapshotIsReplacedByTheNextRunsSegment) {
  const std::string dir = NewDir();
  {
    Loaded first = OpenLog({.directory = dir});
    ASSERT_TRUE(first.log->StartSegment(5).ok());
    first.log->Append("snapshot of gw");
    ASSERT_TRUE(first.log->Flush().ok());
  }
  Loaded second = OpenLog({.directory = dir});
  EXPECT_EQ(second.records, std::vector<std::string>{"snapshot of gw"});
  ASSERT_TRUE(second.log->ShouldStartSegment());
  ASSERT_TRUE(second.log->StartSegment(5).ok());
  second.log->Append("snapshot of gw, again");
  second.log->Append("r5");
  ASSERT_TRUE(second.log->Flush().ok());
  EXPECT_EQ(second.log->segment_count(), 1u);
  second.log.reset();
  Loaded third = OpenLog({.directory = dir});
  EXPECT_EQ(third.records, (std::vector<std::string>{"snapshot of gw, again", "r5"}));
}

TEST(SegmentLogTest, ASecondOpenOfTheSameDirectoryFailsClearly) {
  const std::string dir = NewDir();
  Loaded first = OpenLog({.directory = dir});
  absl::StatusOr<std::unique_ptr<SegmentLog>> second =
      SegmentLog::Open({.directory = dir}, [](std::string_view) {});
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_NE(second.status().message().find("in use by another wm-ingest"), std::string::npos)
      << second.status();
  first.log.reset();  // unlocks
  EXPECT_TRUE(SegmentLog::Open({.directory = dir}, [](std::string_view) {}).ok());
}

TEST(SegmentLogTest, ADirectoryThatCannotBeCreatedIsAnError) {
  const std::string dir = NewDir();
  ASSERT_TRUE(testing::WriteFile(dir + "/file", "x").ok());
  absl::StatusOr<std::unique_ptr<SegmentLog>> log =
      SegmentLog::Open({.directory = dir + "/file/log"}, [](std::string_view) {});
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("replay_log_dir"), std::string::npos) << log.status();
}

// A write that fails (here: the file size limit) keeps the records buffered and counted; the
// next Flush, once writing works again, writes them.
TEST(SegmentLogDeathTest, AFailedWriteKeepsTheRecordsForTheNextFlush) {
  const std::string dir = NewDir();
  EXPECT_EXIT(
      {
        prometheus::Registry registry;
        IngestMetrics metrics(registry);
        Loaded loaded = OpenLog({.directory = dir, .metrics = &metrics});
        AppendRange(*loaded.log, 1, 1);
        if (!loaded.log->Flush().ok()) _exit(2);
        rlimit limit;
        getrlimit(RLIMIT_FSIZE, &limit);
        rlimit small = limit;
        small.rlim_cur = 64;
        signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &small);
        loaded.log->Append(std::string(200, 'x'));
        if (loaded.log->Flush().ok()) _exit(3);
        if (loaded.log->buffered_bytes() == 0) _exit(4);
        if (metrics.disk_log_write_errors.Value() < 1) _exit(5);
        setrlimit(RLIMIT_FSIZE, &limit);
        if (!loaded.log->Flush().ok() || loaded.log->buffered_bytes() != 0) _exit(6);
        loaded.log.reset();
        Loaded again = OpenLog({.directory = dir});
        if (again.records != std::vector<std::string>{"r1", std::string(200, 'x')}) _exit(7);
        if (again.report.corrupt != 0) _exit(8);
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace wm::ingest
