// wm-registry on PostgreSQL (registry_postgres): across its own kill -9, several replicas on
// one database, and the database going away and coming back.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/channel.h"
#include "libs/testing/files.h"
#include "libs/testing/postgres.h"
#include "libs/testing/subprocess.h"
#include "tests/harness/service_process.h"
#include "tests/ingest/gateway_messages.h"
#include "tests/registry/gateway_script.h"
#include "tests/registry/played_gateway.h"
#include "tests/registry/registry_stack.h"

namespace wm::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::wm::testing::ListedNodeCounts;
using ::wm::testing::PlayedGateway;
using ::wm::testing::PostgresProcess;
using ::wm::testing::RegistryStack;
using ::wm::testing::ServiceProcess;
using ::wm::testing::WaitUntil;

constexpr uint64_t kNetwork = 77;
constexpr absl::Duration kTimeout = absl::Seconds(20);
constexpr char kPassword[] = "registry-S3cret";
// "nodes|packets" as the database holds them.
constexpr char kStoredNodes[] =
    "SELECT count(*) || '|' || coalesce(sum(packets), 0) FROM registry_nodes";

using Counts = ::wm::testing::NodeCounts;

Counts ListedNodes(wm::v1::Registry::Stub& client) { return ListedNodeCounts(client); }

std::unique_ptr<wm::v1::Registry::Stub> ClientOf(const ServiceProcess& registry) {
  return wm::v1::Registry::NewStub(grpcutil::CreateChannel(registry.grpc_address(), {}));
}

class RegistryPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto postgres = PostgresProcess::Start({.password = kPassword});
    ASSERT_TRUE(postgres.ok()) << postgres.status();
    postgres_ = *std::move(postgres);
    auto stack = RegistryStack::Start({StoreFlag()});
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    gateway_ = std::make_unique<PlayedGateway>(*stack_, kNetwork);
  }

  std::string StoreFlag() const { return "--registry_postgres=" + postgres_->conninfo(); }

  std::string StoredNodes() const { return postgres_->Query(kStoredNodes).value_or("?"); }

  void PublishPacket(uint32_t node) { ASSERT_TRUE(gateway_->Packet(node).ok()); }
  void PublishTenNodes() { ASSERT_TRUE(gateway_->TenNodes().ok()); }

  std::unique_ptr<PostgresProcess> postgres_;
  std::unique_ptr<RegistryStack> stack_;
  std::unique_ptr<PlayedGateway> gateway_;
};

TEST_F(RegistryPostgresTest, KeepsItsNodesAcrossKill9) {
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  ASSERT_TRUE(WaitUntil([&] { return ListedNodes(stack_->registry_client()) == Counts(10, 20); }));
  ASSERT_TRUE(WaitUntil([&] { return StoredNodes() == "10|20"; })) << StoredNodes();

  ASSERT_TRUE(stack_->KillRegistry().ok());
  ASSERT_TRUE(stack_->StartRegistry().ok());
  // Nothing replays packets: what the registry lists now came from the database.
  EXPECT_EQ(ListedNodes(stack_->registry_client()), Counts(10, 20));
  absl::StatusOr<wm::v1::Node> node = stack_->GetNode(kNetwork, 1);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->voltage_mv(), 2950u);
  EXPECT_EQ(node->role().base(), wm::v1::BASE_ROLE_ROUTER);
  EXPECT_EQ(node->gateway_id(), "gw-1");
  EXPECT_EQ(node->sink_id(), "sink0");
  absl::StatusOr<std::vector<wm::v1::Sink>> sinks = stack_->ListSinks();
  ASSERT_TRUE(sinks.ok());
  ASSERT_EQ(sinks->size(), 1u);
  EXPECT_EQ((*sinks)[0].sink_id(), "sink0");
  const std::string output = stack_->registry().process().Output();
  EXPECT_THAT(output, HasSubstr(absl::StrCat("registry_loaded registry_postgres=\"host=127.0.0.1 "
                                             "port=",
                                             postgres_->port())));
  EXPECT_THAT(output, Not(HasSubstr(kPassword)));

  // And it goes on counting, into the database too.
  ASSERT_NO_FATAL_FAILURE(PublishPacket(1));
  EXPECT_TRUE(WaitUntil([&] { return StoredNodes() == "10|21"; })) << StoredNodes();
}

TEST_F(RegistryPostgresTest, ReplicasOnOneDatabaseShareTheInventory) {
  auto second = stack_->StartAnotherRegistry({StoreFlag()});
  ASSERT_TRUE(second.ok()) << second.status();
  auto second_client = ClientOf(**second);
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  EXPECT_TRUE(WaitUntil([&] { return ListedNodes(stack_->registry_client()) == Counts(10, 20); }));
  EXPECT_TRUE(WaitUntil([&] { return ListedNodes(*second_client) == Counts(10, 20); }));
  ASSERT_TRUE(WaitUntil([&] { return StoredNodes() == "10|20"; })) << StoredNodes();
  ASSERT_NO_FATAL_FAILURE(PublishPacket(3));
  EXPECT_TRUE(WaitUntil([&] { return ListedNodes(*second_client) == Counts(10, 21); }));
  ASSERT_TRUE(WaitUntil([&] { return StoredNodes() == "10|21"; })) << StoredNodes();

  // A third replica starts later: nothing replays packets, so what it lists came from the
  // database the other two wrote.
  auto third = stack_->StartAnotherRegistry({StoreFlag()});
  ASSERT_TRUE(third.ok()) << third.status();
  auto third_client = ClientOf(**third);
  EXPECT_EQ(ListedNodes(*third_client), Counts(10, 21));
  EXPECT_THAT((*third)->process().Output(), HasSubstr("nodes=10"));
  for (ServiceProcess* registry : {&stack_->registry(), second->get(), third->get()}) {
    EXPECT_THAT(registry->process().Output(), Not(HasSubstr(kPassword)));
    EXPECT_EQ(registry->Metric("wm_registry_store_errors_total").value_or(-1), 0);
  }
}

TEST_F(RegistryPostgresTest, ADatabaseThatGoesAwayAndComesBackDoesNotStopTheRegistry) {
  ASSERT_NO_FATAL_FAILURE(PublishTenNodes());
  ASSERT_TRUE(WaitUntil([&] { return StoredNodes() == "10|20"; })) << StoredNodes();
  ServiceProcess& registry = stack_->registry();

  ASSERT_TRUE(postgres_->Stop().ok());
  for (uint32_t node = 1; node <= 10; ++node) ASSERT_NO_FATAL_FAILURE(PublishPacket(node));
  // The registry keeps following and answering; its writes fail and are counted.
  EXPECT_TRUE(WaitUntil([&] { return ListedNodes(stack_->registry_client()) == Counts(10, 30); }));
  EXPECT_TRUE(registry.WaitForMetric("wm_registry_store_errors_total", "", 2, kTimeout).ok());
  EXPECT_TRUE(registry.process().WaitForOutput("registry_postgres_connection_lost", kTimeout).ok());
  EXPECT_TRUE(registry.process().WaitForOutput("store_write_failed", kTimeout).ok());
  EXPECT_TRUE(registry.WaitReady(absl::Seconds(1)).ok()) << "readiness is about the inventory";

  ASSERT_TRUE(postgres_->StartAgain().ok());
  // What was written while the database was away goes with the next flush.
  EXPECT_TRUE(WaitUntil([&] { return StoredNodes() == "10|30"; })) << StoredNodes();
  EXPECT_TRUE(registry.process().WaitForOutput("registry_postgres_reconnected", kTimeout).ok());
  EXPECT_TRUE(registry.process().running());
  const double errors = registry.Metric("wm_registry_store_errors_total").value_or(-1);
  ASSERT_NO_FATAL_FAILURE(PublishPacket(1));
  EXPECT_TRUE(WaitUntil([&] { return StoredNodes() == "10|31"; })) << StoredNodes();
  EXPECT_EQ(registry.Metric("wm_registry_store_errors_total").value_or(-1), errors)
      << "writes succeed again";
  EXPECT_THAT(registry.process().Output(), Not(HasSubstr(kPassword)));
}

TEST(RegistryPostgresStartTest, ADatabaseThatCannotBeReachedStopsTheStartWithoutThePassword) {
  auto postgres = PostgresProcess::Start({.password = kPassword});
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  const std::string conninfo = (*postgres)->conninfo();
  ASSERT_TRUE((*postgres)->Stop().ok());
  auto registry = wm::testing::Subprocess::Start(
      wm::testing::RunfilePath("services/registry/wm-registry"),
      {"--registry_postgres=" + conninfo, "--grpc_port=0", "--http_port=0", "--grpc_host=127.0.0.1",
       "--http_host=127.0.0.1"});
  ASSERT_TRUE(registry.ok());
  absl::StatusOr<int> code = (*registry)->Wait(kTimeout);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  const std::string output = (*registry)->Output();
  EXPECT_THAT(output, HasSubstr(absl::StrCat("host=127.0.0.1 port=", (*postgres)->port())));
  EXPECT_THAT(output, HasSubstr("Connection refused"));
  EXPECT_THAT(output, Not(HasSubstr(kPassword)));
}

}  // namespace
}  // namespace wm::registry
