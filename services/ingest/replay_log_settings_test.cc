#include "services/ingest/replay_log_settings.h"

#include "gtest/gtest.h"

namespace wm::ingest {
namespace {

absl::StatusOr<config::Settings> Load(const std::vector<std::string>& args) {
  config::Schema schema;
  AddReplayLogSettings(schema);
  return config::Settings::Load(schema, args, {});
}

TEST(ReplayLogSettingsTest, DefaultsKeepTenMinutesOrOneHundredThousandEvents) {
  absl::StatusOr<config::Settings> settings = Load({});
  ASSERT_TRUE(settings.ok()) << settings.status();
  ReplayLog::Options options = ReplayLogOptionsFromSettings(*settings);
  EXPECT_EQ(options.max_events, 100000u);
  EXPECT_EQ(options.max_age, absl::Minutes(10));
}

TEST(ReplayLogSettingsTest, SizeAndAgeAreRead) {
  absl::StatusOr<config::Settings> settings =
      Load({"--replay_log_size=0", "--replay_log_max_age_s=2.5"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  ReplayLog::Options options = ReplayLogOptionsFromSettings(*settings);
  EXPECT_EQ(options.max_events, 0u);
  EXPECT_EQ(options.max_age, absl::Milliseconds(2500));
}

TEST(ReplayLogSettingsTest, OutOfRangeValuesAreRefusedNamingTheKey) {
  absl::StatusOr<config::Settings> negative = Load({"--replay_log_size=-1"});
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("replay_log_size"), std::string::npos);
  absl::StatusOr<config::Settings> zero_age = Load({"--replay_log_max_age_s=0"});
  ASSERT_FALSE(zero_age.ok());
  EXPECT_NE(zero_age.status().message().find("replay_log_max_age_s"), std::string::npos);
}

TEST(ReplayLogSettingsTest, TheDiskLogIsOffByDefault) {
  absl::StatusOr<config::Settings> settings = Load({});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<std::optional<SegmentLog::Options>> disk = DiskLogOptionsFromSettings(*settings);
  ASSERT_TRUE(disk.ok()) << disk.status();
  EXPECT_FALSE(disk->has_value());
}

TEST(ReplayLogSettingsTest, DiskLogDirectorySegmentSizeAndFsyncAreRead) {
  absl::StatusOr<config::Settings> settings = Load(
      {"--replay_log_dir=/var/lib/wm-ingest", "--replay_log_segment_mb=8", "--replay_log_fsync=true"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<std::optional<SegmentLog::Options>> disk = DiskLogOptionsFromSettings(*settings);
  ASSERT_TRUE(disk.ok()) << disk.status();
  ASSERT_TRUE(disk->has_value());
  EXPECT_EQ((*disk)->directory, "/var/lib/wm-ingest");
  EXPECT_EQ((*disk)->segment_bytes, 8u << 20);
  EXPECT_TRUE((*disk)->fsync);

  absl::StatusOr<config::Settings> defaults = Load({"--replay_log_dir=/tmp/log"});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  disk = DiskLogOptionsFromSettings(*defaults);
  ASSERT_TRUE(disk.ok() && disk->has_value());
  EXPECT_EQ((*disk)->segment_bytes, 64u << 20);
  EXPECT_FALSE((*disk)->fsync);
}

TEST(ReplayLogSettingsTest, BadDiskLogValuesAreRefusedNamingTheKey) {
  for (const char* arg : {"--replay_log_segment_mb=0", "--replay_log_segment_mb=5000",
                          "--replay_log_segment_mb=big", "--replay_log_fsync=maybe"}) {
    absl::StatusOr<config::Settings> settings = Load({"--replay_log_dir=/tmp/log", arg});
    ASSERT_FALSE(settings.ok()) << arg;
    const std::string key = std::string(arg).substr(2, std::string(arg).find('=') - 2);
    EXPECT_NE(settings.status().message().find(key), std::string::npos) << settings.status();
  }
  absl::StatusOr<config::Settings> fsync_alone = Load({"--replay_log_fsync=true"});
  ASSERT_TRUE(fsync_alone.ok()) << fsync_alone.status();
  absl::StatusOr<std::optional<SegmentLog::Options>> disk =
      DiskLogOptionsFromSettings(*fsync_alone);
  ASSERT_FALSE(disk.ok());
  EXPECT_NE(disk.status().message().find("replay_log_dir"), std::string::npos) << disk.status();
}

}  // namespace
}  // namespace wm::ingest
