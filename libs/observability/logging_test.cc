#include "libs/observability/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace wm::observability {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// 2026-11-26T10:00:00.123Z
std::chrono::system_clock::time_point TestTime() {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1795687200123));
}

std::string Format(bool json, spdlog::level::level_enum level, std::string_view message,
                   std::string_view service = "wm-ingest") {
  spdlog::details::log_msg msg(TestTime(), spdlog::source_loc{}, "test", level,
                               spdlog::string_view_t(message.data(), message.size()));
  spdlog::memory_buf_t buf;
  NewLogFormatter(service, json)->format(msg, buf);
  return std::string(buf.data(), buf.size());
}

TEST(LogFormatterTest, TextLine) {
  EXPECT_EQ(Format(false, spdlog::level::info, "connected broker=mqtt:1883"),
            "2026-11-26T10:00:00.123Z info wm-ingest connected broker=mqtt:1883\n");
  EXPECT_EQ(Format(false, spdlog::level::warn, "w"), "2026-11-26T10:00:00.123Z warn wm-ingest w\n");
  EXPECT_EQ(Format(false, spdlog::level::err, "e"), "2026-11-26T10:00:00.123Z error wm-ingest e\n");
}

TEST(LogFormatterTest, TextKeepsOneEventOnOneLine) {
  EXPECT_EQ(Format(false, spdlog::level::info, "a\nfake 2026 error line\r\t\x01"),
            "2026-11-26T10:00:00.123Z info wm-ingest a\\nfake 2026 error line\\r\\t\\x01\n");
}

TEST(LogFormatterTest, JsonLine) {
  EXPECT_EQ(Format(true, spdlog::level::critical, "started port=7001"),
            "{\"ts\":\"2026-11-26T10:00:00.123Z\",\"level\":\"critical\",\"service\":\"wm-ingest\","
            "\"msg\":\"started port=7001\"}\n");
}

TEST(LogFormatterTest, JsonEscaping) {
  std::string line = Format(true, spdlog::level::info, "q\"b\\n\nc\x01 \xc3\xbc bad\xff\xc3 end",
                            "svc\"x");
  EXPECT_EQ(line,
            "{\"ts\":\"2026-11-26T10:00:00.123Z\",\"level\":\"info\",\"service\":\"svc\\\"x\","
            "\"msg\":\"q\\\"b\\\\n\\nc\\u0001 \xc3\xbc bad\\ufffd\\ufffd end\"}\n");
  // Overlong encodings and surrogates are not valid UTF-8 either.
  EXPECT_THAT(Format(true, spdlog::level::info, "\xc0\xaf \xed\xa0\x80"),
              HasSubstr("\"msg\":\"\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd\""));
}

config::Settings LoadSettings(const std::vector<std::string>& args) {
  config::Schema schema;
  AddLoggingSettings(schema);
  schema.AcceptIgnored({"debug_level"});
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, args, {});
  EXPECT_TRUE(settings.ok()) << settings.status();
  if (!settings.ok()) std::abort();
  return *settings;
}

TEST(LoggingSettingsTest, DefaultsAndValidation) {
  config::Settings settings = LoadSettings({});
  EXPECT_EQ(settings.GetString("log_level"), "info");
  EXPECT_FALSE(settings.GetBool("log_json"));

  config::Schema schema;
  AddLoggingSettings(schema);
  absl::StatusOr<config::Settings> bad =
      config::Settings::Load(schema, {"--log_level=verbose"}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("log_level"));
}

// Runs `body` with stderr sent to a file and returns what was written.
template <typename Body>
std::string CaptureStderr(Body body) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/stderr.txt";
  std::fflush(stderr);
  int saved = dup(2);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, 2);
  close(fd);
  body();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(SetUpLoggingTest, JsonToStderrAtConfiguredLevel) {
  config::Settings settings = LoadSettings({"--log_level=warn", "--log_json"});
  std::string out = CaptureStderr([&] {
    ASSERT_TRUE(SetUpLogging(settings, "wm-test").ok());
    spdlog::info("hidden line");
    spdlog::warn("shown line n={}", 3);
  });
  EXPECT_THAT(out, AllOf(HasSubstr("\"level\":\"warn\",\"service\":\"wm-test\","
                                   "\"msg\":\"shown line n=3\"}\n"),
                         Not(HasSubstr("hidden line"))));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(SetUpLoggingTest, TextAndIgnoredLegacyKeysLoggedOnce) {
  config::Settings settings = LoadSettings({"--debug_level=info", "--debug_level", "debug"});
  std::string out = CaptureStderr([&] {
    ASSERT_TRUE(SetUpLogging(settings, "wm-test").ok());
    spdlog::info("hello");
  });
  EXPECT_THAT(out, AllOf(HasSubstr("Z info wm-test ignoring legacy setting key=debug_level "
                                   "source=flag\n"),
                         HasSubstr("Z info wm-test hello\n")));
  EXPECT_EQ(out.find("debug_level"), out.rfind("debug_level"));
}

class RateLimitedLogTest : public ::testing::Test {
 protected:
  RateLimitedLogTest()
      : logger_(std::make_shared<spdlog::logger>(
            "test", std::make_shared<spdlog::sinks::ostream_sink_st>(out_))) {
    logger_->set_pattern("%l %v");
    logger_->set_level(spdlog::level::trace);
  }

  RateLimitedLog::Clock Clock() {
    return [this] { return now_; };
  }
  std::string TakeOutput() {
    std::string s = out_.str();
    out_.str("");
    return s;
  }

  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> logger_;
  absl::Time now_ = absl::FromUnixSeconds(1795687200);
};

TEST_F(RateLimitedLogTest, FirstThenOnePerIntervalWithSuppressedCount) {
  RateLimitedLog log(absl::Seconds(60), Clock(), logger_);
  log.Warn("decode_error", "payload not decoded endpoint=238");
  EXPECT_EQ(TakeOutput(), "warning payload not decoded endpoint=238 kind=decode_error\n");

  for (int i = 0; i < 5; ++i) {
    now_ += absl::Seconds(10);
    log.Warn("decode_error", "payload not decoded endpoint=238");
  }
  EXPECT_EQ(TakeOutput(), "");

  now_ += absl::Seconds(10);  // 60 s after the first line
  log.Warn("decode_error", "payload not decoded endpoint=239");
  EXPECT_EQ(TakeOutput(),
            "warning payload not decoded endpoint=239 kind=decode_error suppressed=5\n");

  now_ += absl::Seconds(61);
  log.Warn("decode_error", "again");
  EXPECT_EQ(TakeOutput(), "warning again kind=decode_error\n");
}

TEST_F(RateLimitedLogTest, KindsAreLimitedSeparately) {
  RateLimitedLog log(absl::Seconds(60), Clock(), logger_);
  log.Warn("a", "first a");
  log.Warn("b", "first b");
  log.Warn("a", "second a");
  log.Log(spdlog::level::err, "c", "first c");
  EXPECT_EQ(TakeOutput(), "warning first a kind=a\nwarning first b kind=b\nerror first c kind=c\n");
}

TEST_F(RateLimitedLogTest, AdmitReportsSuppressedCount) {
  RateLimitedLog log(absl::Seconds(1), Clock(), logger_);
  int64_t suppressed = -1;
  EXPECT_TRUE(log.Admit("k", &suppressed));
  EXPECT_EQ(suppressed, 0);
  EXPECT_FALSE(log.Admit("k", &suppressed));
  EXPECT_FALSE(log.Admit("k", &suppressed));
  now_ += absl::Seconds(1);
  EXPECT_TRUE(log.Admit("k", &suppressed));
  EXPECT_EQ(suppressed, 2);
}

TEST_F(RateLimitedLogTest, UnboundedKindsShareOneBudget) {
  RateLimitedLog log(absl::Seconds(60), Clock(), logger_, /*max_kinds=*/2);
  int64_t suppressed = 0;
  EXPECT_TRUE(log.Admit("k1", &suppressed));
  EXPECT_TRUE(log.Admit("k2", &suppressed));
  EXPECT_TRUE(log.Admit("k3", &suppressed));   // first beyond the limit
  EXPECT_FALSE(log.Admit("k4", &suppressed));  // shares k3's budget
  EXPECT_FALSE(log.Admit("k3", &suppressed));
  EXPECT_FALSE(log.Admit("k1", &suppressed));  // known kinds keep their own budget
}

TEST_F(RateLimitedLogTest, DisabledLevelIsNotCounted) {
  logger_->set_level(spdlog::level::err);
  RateLimitedLog log(absl::Seconds(60), Clock(), logger_);
  log.Warn("k", "quiet");
  logger_->set_level(spdlog::level::trace);
  log.Warn("k", "loud");
  EXPECT_EQ(TakeOutput(), "warning loud kind=k\n");
}

}  // namespace
}  // namespace wm::observability
