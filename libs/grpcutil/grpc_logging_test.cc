#include "libs/grpcutil/grpc_logging.h"

#include <grpc/support/log.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"

namespace wm::grpcutil {
namespace {

// Keeps every formatted message a logger receives. std::mutex, not absl::Mutex: spdlog's
// base_sink takes the mutex type as its parameter and locks it with std::lock_guard.
class CollectingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> messages;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    messages.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}
};

TEST(RouteGrpcLogsToSpdlog, GrpcLinesReachTheDefaultLogger) {
  auto sink = std::make_shared<CollectingSink>();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  gpr_log_verbosity_init();  // what grpc_init does in a program: errors and above are logged
  RouteGrpcLogsToSpdlog();
  RouteGrpcLogsToSpdlog();  // a second call changes nothing
  gpr_log(__FILE__, 42, GPR_LOG_SEVERITY_ERROR, "Handshake failed with %s", "SSL_ERROR_SSL");
  ASSERT_EQ(sink->messages.size(), 1u);
  EXPECT_EQ(sink->messages[0],
            "grpc file=grpc_logging_test.cc line=42 msg=\"Handshake failed with SSL_ERROR_SSL\"");
}

}  // namespace
}  // namespace wm::grpcutil
