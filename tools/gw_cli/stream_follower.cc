#include "tools/gw_cli/stream_follower.h"

#include "absl/strings/str_cat.h"
#include "third_party/system/string_view_compat.h"

namespace wm::gw_cli {

void AddStreamLimitSettings(config::Schema& schema, std::string_view what) {
  schema.Add({.key = "count",
              .type = config::SettingType::kInt,
              .default_value = "0",
              .help = absl::StrCat("Exit after this many ", ToAbsl(what), " (0: no limit)"),
              .min = 0});
  schema.Add({.key = "duration_s",
              .type = config::SettingType::kDouble,
              .default_value = "0",
              .help = "Exit after this many seconds (0: until Ctrl-C)",
              .min = 0});
}

absl::Duration DurationLimit(const config::Settings& settings) {
  const double duration_s = settings.GetDouble("duration_s");
  return duration_s > 0 ? absl::Seconds(duration_s) : absl::InfiniteDuration();
}

namespace internal {

bool WorthReopening(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNIMPLEMENTED:
      return false;
    default:
      return true;
  }
}

}  // namespace internal
}  // namespace wm::gw_cli
