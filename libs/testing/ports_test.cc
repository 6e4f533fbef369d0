#include "libs/testing/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace wm::testing {
namespace {

TEST(FreeLoopbackPortTest, PortCanBeBoundOnLoopback) {
  int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  ASSERT_LT(port, 65536);

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
}

TEST(FreeLoopbackPortTest, ConsecutiveCallsGiveDifferentPorts) {
  // The kernel hands out ephemeral ports in sequence, so two calls in a row differ.
  EXPECT_NE(FreeLoopbackPort(), FreeLoopbackPort());
}

}  // namespace
}  // namespace wm::testing
