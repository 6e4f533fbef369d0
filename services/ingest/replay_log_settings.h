#pragma once

#include "libs/config/settings.h"
#include "services/ingest/replay_log.h"

namespace wm::ingest {

// Declares the replay log's settings: replay_log_size (events kept, 0: off) and
// replay_log_max_age_s (seconds an event is kept). See docs/event-stream.md.
void AddReplayLogSettings(config::Schema& schema);

// Builds replay log options from settings declared by AddReplayLogSettings (the schema
// already checked their ranges).
ReplayLog::Options ReplayLogOptionsFromSettings(const config::Settings& settings);

}  // namespace wm::ingest
