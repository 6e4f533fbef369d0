#include "services/ingest/replay_log_settings.h"

namespace wm::ingest {

void AddReplayLogSettings(config::Schema& schema) {
  schema
      .Add({.key = "replay_log_size",
            .type = config::SettingType::kInt,
            .default_value = "100000",
            .help = "Most recent events kept in memory so that a Subscribe stream can resume "
                    "after its last position (0: no replay log)",
            .min = 0,
            .max = 10'000'000})
      .Add({.key = "replay_log_max_age_s",
            .type = config::SettingType::kDouble,
            .default_value = "600",
            .help = "Seconds an event stays in the replay log",
            .min = 0.001,
            .max = 7 * 86400});
}

ReplayLog::Options ReplayLogOptionsFromSettings(const config::Settings& settings) {
  ReplayLog::Options options;
  options.max_events = static_cast<size_t>(settings.GetInt("replay_log_size"));
  options.max_age = absl::Seconds(settings.GetDouble("replay_log_max_age_s"));
  return options;
}

}  // namespace wm::ingest
