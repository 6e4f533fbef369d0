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

}  // namespace
}  // namespace wm::ingest
