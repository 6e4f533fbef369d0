// wm-gw-cli against protected services: the token from --wm_token_file or --wm_token reaches
// wm-command and wm-registry; without one, or with a read-only one on a command, the CLI says
// what the service answered. Tokens never appear in what the CLI prints.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "tests/command/command_stack.h"
#include "tests/gw_cli/cli_runner.h"
#include "tests/harness/service_process.h"

namespace wm::testing {
namespace {

constexpr char kOpsToken[] = "ops-token-5d0e2b7c4a91f3e8";
constexpr char kViewerToken[] = "viewer-token-81c3f05a9e2d";

class AuthCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> dir = MakeTempDir("auth-cli");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    const std::string tokens = dir_ + "/tokens";
    ASSERT_TRUE(WriteFile(tokens, absl::StrCat("full ops ", kOpsToken, "\nread viewer ",
                                               kViewerToken, "\n"))
                    .ok());
    ASSERT_TRUE(WriteFile(dir_ + "/viewer-token", absl::StrCat(kViewerToken, "\n")).ok());
    absl::StatusOr<std::unique_ptr<CommandStack>> stack =
        CommandStack::Start({"--grpc_auth_tokens_file=" + tokens});
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    absl::StatusOr<SimulatedGateways*> sim = stack_->StartSimulator({.sinks_per_gateway = 1});
    ASSERT_TRUE(sim.ok()) << sim.status();
    gateway_ = (*sim)->gateway_id(0);
  }

  CliRun Command(const std::string& command, std::vector<std::string> args) {
    args.insert(args.begin(), {command, "--wm_command=" + stack_->command().grpc_address(),
                               "--gateway=" + gateway_});
    return RunCli(args);
  }

  static void ExpectNoToken(const CliRun& run) {
    EXPECT_FALSE(absl::StrContains(run.output, kOpsToken)) << run.output;
    EXPECT_FALSE(absl::StrContains(run.output, kViewerToken)) << run.output;
  }

  std::string dir_;
  std::unique_ptr<CommandStack> stack_;
  std::string gateway_;
};

TEST_F(AuthCliTest, TokenFileReachesWmCommand) {
  const CliRun run = Command("get_configs", {"--wm_token_file=" + dir_ + "/viewer-token"});
  EXPECT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StartsWith(run.output, "get_configs: OK\n")) << run.output;
  ExpectNoToken(run);
}

TEST_F(AuthCliTest, WithoutATokenTheCliSaysUnauthenticated) {
  const CliRun run = Command("get_configs", {});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "get_configs failed: UNAUTHENTICATED")) << run.output;
}

TEST_F(AuthCliTest, ReadOnlyTokenIsDeniedCommandsAndFullTokenIsNot) {
  const CliRun denied =
      Command("clear_gateway", {"--force", "--wm_token_file=" + dir_ + "/viewer-token"});
  EXPECT_EQ(denied.code, 1) << denied.output;
  EXPECT_TRUE(absl::StrContains(denied.output, "clear_gateway failed: PERMISSION_DENIED"))
      << denied.output;
  const CliRun allowed =
      Command("clear_gateway", {"--force", std::string("--wm_token=") + kOpsToken});
  EXPECT_EQ(allowed.code, 0) << allowed.output;
  ExpectNoToken(denied);
  ExpectNoToken(allowed);
}

TEST_F(AuthCliTest, TokenFileReachesWmRegistry) {
  absl::StatusOr<std::unique_ptr<ServiceProcess>> registry =
      ServiceProcess::Start("services/registry/wm-registry",
                            {"--wm_ingest=127.0.0.1:1", "--registry_db=" + dir_ + "/registry.db",
                             std::string("--grpc_auth_read_token=") + kViewerToken});
  ASSERT_TRUE(registry.ok()) << registry.status();
  const std::string address = "--wm_registry=" + (*registry)->grpc_address();
  // The registry serves before it follows wm-ingest; retried until its port answers.
  CliRun run;
  for (int attempt = 0; attempt < 100; ++attempt) {
    run = RunCli({"gateways", address, "--wm_token_file=" + dir_ + "/viewer-token"});
    if (run.code == 0 || !absl::StrContains(run.output, "UNAVAILABLE")) break;
  }
  EXPECT_EQ(run.code, 0) << run.output;
  ExpectNoToken(run);
  const CliRun refused = RunCli({"gateways", address});
  EXPECT_NE(refused.code, 0) << refused.output;
  EXPECT_TRUE(absl::StrContains(refused.output, "UNAUTHENTICATED")) << refused.output;
}

}  // namespace
}  // namespace wm::testing
