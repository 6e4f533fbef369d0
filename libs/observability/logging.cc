#include "libs/observability/logging.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace wm::observability {
namespace {

constexpr const char* kLevelNames[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
constexpr spdlog::level::level_enum kLevels[] = {
    spdlog::level::trace, spdlog::level::debug,    spdlog::level::info, spdlog::level::warn,
    spdlog::level::err,   spdlog::level::critical, spdlog::level::off};

// Shared by every kind beyond RateLimitedLog's max_kinds.
constexpr char kOverflowKind[] = "\x01other";

void Append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

void AppendTimestamp(spdlog::memory_buf_t& dest, std::chrono::system_clock::time_point time) {
  using std::chrono::duration_cast;
  auto since_epoch = duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(since_epoch / 1000);
  int millis = static_cast<int>(since_epoch % 1000);
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                        utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                        utc.tm_sec, millis);
  dest.append(buf, buf + n);
}

void AppendHex(spdlog::memory_buf_t& dest, const char* prefix, unsigned value, int digits) {
  char buf[16];
  int n = std::snprintf(buf, sizeof(buf), "%s%0*x", prefix, digits, value);
  dest.append(buf, buf + n);
}

// Text lines: control characters become escapes so one event is one line.
void AppendTextEscaped(spdlog::memory_buf_t& dest, std::string_view text) {
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '\n':
        Append(dest, "\\n");
        break;
      case '\r':
        Append(dest, "\\r");
        break;
      case '\t':
        Append(dest, "\\t");
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          AppendHex(dest, "\\x", u, 2);
        } else {
          dest.push_back(c);
        }
    }
  }
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length;
  uint32_t min;
  uint32_t code;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

void AppendJsonString(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.push_back('"');
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        Append(dest, "\\ufffd");
        ++i;
      } else {
        Append(dest, text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        Append(dest, "\\\"");
        break;
      case '\\':
        Append(dest, "\\\\");
        break;
      case '\n':
        Append(dest, "\\n");
        break;
      case '\r':
        Append(dest, "\\r");
        break;
      case '\t':
        Append(dest, "\\t");
        break;
      case '\b':
        Append(dest, "\\b");
        break;
      case '\f':
        Append(dest, "\\f");
        break;
      default:
        if (u < 0x20) {
          AppendHex(dest, "\\u", u, 4);
        } else {
          dest.push_back(c);
        }
    }
    ++i;
  }
  dest.push_back('"');
}

class LineFormatter : public spdlog::formatter {
 public:
  LineFormatter(std::string service, bool json) : service_(std::move(service)), json_(json) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view level = kLevelNames[static_cast<int>(msg.level) % 7];
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (json_) {
      Append(dest, "{\"ts\":\"");
      AppendTimestamp(dest, msg.time);
      Append(dest, "\",\"level\":\"");
      Append(dest, level);
      Append(dest, "\",\"service\":");
      AppendJsonString(dest, service_);
      Append(dest, ",\"msg\":");
      AppendJsonString(dest, payload);
      Append(dest, "}\n");
    } else {
      AppendTimestamp(dest, msg.time);
      dest.push_back(' ');
      Append(dest, level);
      dest.push_back(' ');
      AppendTextEscaped(dest, service_);
      dest.push_back(' ');
      AppendTextEscaped(dest, payload);
      dest.push_back('\n');
    }
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(service_, json_);
  }

 private:
  const std::string service_;
  const bool json_;
};

}  // namespace

void AddLoggingSettings(config::Schema& schema) {
  schema.Add({.key = "log_level",
              .default_value = "info",
              .help = "Lowest level logged.",
              .choices = {"trace", "debug", "info", "warn", "error", "critical", "off"}});
  schema.Add({.key = "log_json",
              .type = config::SettingType::kBool,
              .default_value = "false",
              .help = "Log one JSON object per line ({ts, level, service, msg}) instead of text."});
}

std::unique_ptr<spdlog::formatter> NewLogFormatter(std::string_view service, bool json) {
  return std::make_unique<LineFormatter>(std::string(service), json);
}

absl::Status SetUpLogging(const config::Settings& settings, std::string_view service) {
  std::string level_name = settings.GetString("log_level");
  std::optional<spdlog::level::level_enum> level;
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (level_name == kLevelNames[i]) level = kLevels[i];
  }
  if (!level) {
    return absl::InvalidArgumentError("setting log_level: not one of "
                                      "trace|debug|info|warn|error|critical|off");
  }
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(std::string(service), std::move(sink));
  logger->set_formatter(NewLogFormatter(service, settings.GetBool("log_json")));
  logger->set_level(*level);
  // Errors must reach the terminal or the collector even if the process dies right after.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  for (const config::IgnoredSetting& ignored : settings.ignored()) {
    logger->info("ignoring legacy setting key={} source={}", ignored.key, ignored.source);
  }
  return absl::OkStatus();
}

RateLimitedLog::RateLimitedLog(absl::Duration interval, Clock clock,
                               std::shared_ptr<spdlog::logger> logger, size_t max_kinds)
    : interval_(interval),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      max_kinds_(max_kinds) {}

bool RateLimitedLog::Admit(std::string_view kind, int64_t* suppressed) {
  absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  auto it = kinds_.find(kind);
  if (it == kinds_.end()) {
    if (kinds_.size() >= max_kinds_) {
      it = kinds_.find(std::string_view(kOverflowKind));
    }
    if (it == kinds_.end()) {
      std::string key(kinds_.size() >= max_kinds_ ? std::string_view(kOverflowKind) : kind);
      kinds_.emplace(std::move(key), KindState{now, 0});
      *suppressed = 0;
      return true;
    }
  }
  KindState& state = it->second;
  if (now - state.last_logged < interval_) {
    ++state.suppressed;
    return false;
  }
  *suppressed = state.suppressed;
  state.suppressed = 0;
  state.last_logged = now;
  return true;
}

void RateLimitedLog::Log(spdlog::level::level_enum level, std::string_view kind,
                         std::string_view message) {
  std::shared_ptr<spdlog::logger> logger = logger_ ? logger_ : spdlog::default_logger();
  if (!logger->should_log(level)) return;
  int64_t suppressed = 0;
  if (!Admit(kind, &suppressed)) return;
  if (suppressed > 0) {
    logger->log(level, "{} kind={} suppressed={}", message, kind, suppressed);
  } else {
    logger->log(level, "{} kind={}", message, kind);
  }
}

}  // namespace wm::observability
