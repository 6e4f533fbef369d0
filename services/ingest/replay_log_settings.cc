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
            .max = 7 * 86400})
      .Add({.key = "replay_log_dir",
            .help = "Directory of the disk replay log, so that a restarted ingest keeps its "
                    "stream (epoch, sequence, replay log, gateway statuses); one ingest per "
                    "directory. Empty: the replay log is in memory only"})
      .Add({.key = "replay_log_segment_mb",
            .type = config::SettingType::kInt,
            .default_value = "64",
            .help = "Size in MiB at which the disk replay log starts a new segment file; whole "
                    "segments are deleted once the replay log's bounds no longer keep them",
            .min = 1,
            .max = 4096})
      .Add({.key = "replay_log_fsync",
            .type = config::SettingType::kBool,
            .default_value = "false",
            .help = "fdatasync the disk replay log before acknowledging MQTT messages (survives "
                    "a host crash). false: written to the file before acknowledging (survives "
                    "a crash of ingest, not of the host)"});
}

ReplayLog::Options ReplayLogOptionsFromSettings(const config::Settings& settings) {
  ReplayLog::Options options;
  options.max_events = static_cast<size_t>(settings.GetInt("replay_log_size"));
  options.max_age = absl::Seconds(settings.GetDouble("replay_log_max_age_s"));
  return options;
}

}  // namespace wm::ingest

namespace wm::ingest {

absl::StatusOr<std::optional<SegmentLog::Options>> DiskLogOptionsFromSettings(
    const config::Settings& settings) {
  const std::string directory = settings.GetString("replay_log_dir");
  const bool fsync = settings.GetBool("replay_log_fsync");
  if (directory.empty()) {
    if (fsync) {
      return absl::InvalidArgumentError(
          "replay_log_fsync=true needs replay_log_dir (the replay log is in memory without it)");
    }
    return std::nullopt;
  }
  SegmentLog::Options options;
  options.directory = directory;
  options.segment_bytes = static_cast<size_t>(settings.GetInt("replay_log_segment_mb")) << 20;
  options.fsync = fsync;
  return options;
}

}  // namespace wm::ingest
