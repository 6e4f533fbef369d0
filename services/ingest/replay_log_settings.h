#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "libs/config/settings.h"
#include "services/ingest/replay_log.h"
#include "services/ingest/segment_log.h"

namespace wm::ingest {

// Declares the replay log's settings: replay_log_size (events kept, 0: off),
// replay_log_max_age_s (seconds an event is kept), and the disk log's replay_log_dir (empty:
// memory only), replay_log_segment_mb and replay_log_fsync. See docs/event-stream.md.
void AddReplayLogSettings(config::Schema& schema);

// Builds replay log options from settings declared by AddReplayLogSettings (the schema
// already checked their ranges).
ReplayLog::Options ReplayLogOptionsFromSettings(const config::Settings& settings);

// The disk log's options (without metrics), or nullopt when replay_log_dir is empty.
// InvalidArgument for replay_log_fsync without a replay_log_dir.
absl::StatusOr<std::optional<SegmentLog::Options>> DiskLogOptionsFromSettings(
    const config::Settings& settings);

}  // namespace wm::ingest
