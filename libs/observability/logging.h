#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/config/settings.h"
#include "spdlog/formatter.h"
#include "spdlog/logger.h"

namespace wm::observability {

// Declares `log_level` (trace|debug|info|warn|error|critical|off, default info) and
// `log_json` (one JSON object per line instead of text, default false).
void AddLoggingSettings(config::Schema& schema);

// Makes spdlog's default logger write to stderr at the configured level, one line per event:
//   text: 2026-11-26T10:00:00.123Z info wm-ingest connected broker=mqtt:1883
//   json: {"ts":"2026-11-26T10:00:00.123Z","level":"info","service":"wm-ingest","msg":"..."}
// Then logs, once each, the legacy settings keys that were given and ignored.
// Requires AddLoggingSettings in the schema.
absl::Status SetUpLogging(const config::Settings& settings, std::string_view service);

// The formatter SetUpLogging installs, for loggers with other sinks (tests, tools). Times are
// UTC with milliseconds; control characters in messages are escaped so that an event stays one
// line, and JSON output is valid UTF-8 (invalid bytes become U+FFFD).
std::unique_ptr<spdlog::formatter> NewLogFormatter(std::string_view service, bool json);

// Logs warnings caused by input (bad payloads, unknown gateways) without flooding: the first
// occurrence of a kind is logged; after that at most one line per `interval` per kind, carrying
// the number of occurrences suppressed since the previous line (`suppressed=N`). Thread-safe.
//
//   RateLimitedLog bad_payloads(absl::Minutes(1));
//   bad_payloads.Warn("decode_error", "payload not decoded endpoint=238 reason=too_short");
class RateLimitedLog {
 public:
  using Clock = base::Clock;

  // At most `max_kinds` kinds are tracked separately; further kinds share one budget, so input
  // that invents kinds cannot grow memory. `logger` defaults to spdlog's default logger at the
  // time of each call.
  explicit RateLimitedLog(absl::Duration interval, Clock clock = absl::Now,
                          std::shared_ptr<spdlog::logger> logger = nullptr,
                          size_t max_kinds = 1000);

  // Decides whether an occurrence of `kind` is logged now. Returns false when it is suppressed;
  // otherwise true and sets `*suppressed` to the count suppressed since the last logged line.
  bool Admit(std::string_view kind, int64_t* suppressed);

  // Logs "`message` kind=`kind`" (plus " suppressed=N" when N > 0) at `level` if admitted.
  void Log(spdlog::level::level_enum level, std::string_view kind, std::string_view message);
  void Warn(std::string_view kind, std::string_view message) {
    Log(spdlog::level::warn, kind, message);
  }

 private:
  struct KindState {
    absl::Time last_logged;
    int64_t suppressed = 0;
  };

  const absl::Duration interval_;
  const Clock clock_;
  const std::shared_ptr<spdlog::logger> logger_;
  const size_t max_kinds_;
  absl::Mutex mu_;
  std::map<std::string, KindState, std::less<>> kinds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wm::observability
