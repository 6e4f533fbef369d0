#include "libs/grpcutil/health_client.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/channel.h"
#include "libs/grpcutil/server.h"
#include "libs/grpcutil/testdata/test_service.h"
#include "libs/observability/readiness.h"

namespace wm::grpcutil {
namespace {

TEST(HealthClientTest, ReportsServingState) {
  observability::Readiness readiness;
  readiness.Declare("db", "opening");
  testing::CallbackTestEcho service;
  GrpcServer server(&readiness);
  server.AddService(&service);
  GrpcServerOptions options;
  options.host = "127.0.0.1";
  absl::StatusOr<int> port = server.Start(options);
  ASSERT_TRUE(port.ok());
  auto channel = CreateChannel("127.0.0.1:" + std::to_string(*port), {});

  absl::StatusOr<bool> serving = IsServing(*channel, "", absl::Seconds(5));
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_FALSE(*serving);
  readiness.Set("db", true);
  EXPECT_TRUE(*IsServing(*channel, "wm.grpcutil.testing.TestEcho", absl::Seconds(5)));
  EXPECT_EQ(IsServing(*channel, "unknown.Service", absl::Seconds(5)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(HealthClientTest, UnreachableServerFailsWithinTimeout) {
  // A port that was free a moment ago: nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);

  auto channel = CreateChannel("127.0.0.1:" + std::to_string(port), {});
  absl::Time start = absl::Now();
  absl::StatusOr<bool> serving = IsServing(*channel, "", absl::Milliseconds(500));
  EXPECT_FALSE(serving.ok());
  EXPECT_TRUE(serving.status().code() == absl::StatusCode::kUnavailable ||
              serving.status().code() == absl::StatusCode::kDeadlineExceeded)
      << serving.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace wm::grpcutil
