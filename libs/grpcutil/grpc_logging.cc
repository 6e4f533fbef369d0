#include "libs/grpcutil/grpc_logging.h"

#include <grpc/support/log.h>

#include <cstring>
#include <mutex>

#include "spdlog/spdlog.h"

namespace wm::grpcutil {
namespace {

void LogThroughSpdlog(gpr_log_func_args* args) {
  spdlog::level::level_enum level = spdlog::level::info;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) level = spdlog::level::err;
  if (args->severity == GPR_LOG_SEVERITY_DEBUG) level = spdlog::level::debug;
  const char* file = args->file != nullptr ? args->file : "";
  const char* slash = std::strrchr(file, '/');
  spdlog::log(level, "grpc file={} line={} msg=\"{}\"", slash != nullptr ? slash + 1 : file,
              args->line, args->message != nullptr ? args->message : "");
}

}  // namespace

void RouteGrpcLogsToSpdlog() {
  static std::once_flag installed;
  std::call_once(installed, [] { gpr_set_log_function(&LogThroughSpdlog); });
}

}  // namespace wm::grpcutil
