#include "services/registry/postgres_store.h"

#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/postgres.h"
#include "services/registry/registry_store_contract.h"

namespace wm::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::wm::testing::PostgresProcess;

constexpr char kPassword[] = "pa55 'word";

// A private server per test, with a password so that every test also shows it never leaks.
class PostgresStoreEnvironment {
 public:
  absl::Status SetUp() {
    absl::StatusOr<std::unique_ptr<PostgresProcess>> server =
        PostgresProcess::Start({.password = kPassword});
    if (!server.ok()) return server.status();
    server_ = *std::move(server);
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<RegistryStore>> Open() {
    absl::StatusOr<std::unique_ptr<PostgresRegistryStore>> store =
        PostgresRegistryStore::Open(server_->conninfo());
    if (!store.ok()) return store.status();
    return std::unique_ptr<RegistryStore>(*std::move(store));
  }
  absl::Status DamageGateway(const std::string& id) {
    return server_
        ->Query("INSERT INTO registry_gateways (gateway_id, last_seen_ms, record) VALUES ('" + id +
                "', 0, '\\xffffffff'::bytea)")
        .status();
  }
  absl::Status SetSchemaVersion(int version) {
    return server_->Query(absl::StrCat("UPDATE registry_schema SET version = ", version)).status();
  }
  std::string Name() const { return absl::StrCat("port=", server_->port(), " dbname=postgres"); }

  PostgresProcess& server() { return *server_; }

 private:
  std::unique_ptr<PostgresProcess> server_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, RegistryStoreContractTest, PostgresStoreEnvironment);

// PostgreSQL-only behaviour: replicas sharing a database, the connection.
class PostgresRegistryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status status = environment_.SetUp();
    ASSERT_TRUE(status.ok()) << status;
  }

  std::unique_ptr<PostgresRegistryStore> Open() {
    auto store = PostgresRegistryStore::Open(server().conninfo());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  PostgresProcess& server() { return environment_.server(); }

  PostgresStoreEnvironment environment_;
};

TEST_F(PostgresRegistryStoreTest, CreatesItsTablesWithAVersion) {
  ASSERT_NE(Open(), nullptr);
  EXPECT_EQ(server().Query("SELECT version FROM registry_schema").value_or("?"),
            std::to_string(PostgresRegistryStore::kSchemaVersion));
  EXPECT_EQ(server()
                .Query("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                       "WHERE tablename LIKE 'registry_%'")
                .value_or("?"),
            "registry_gateways,registry_nodes,registry_schema,registry_sinks,"
            "registry_stream_position");
  // The nodes answer plain SQL.
  std::unique_ptr<PostgresRegistryStore> store = Open();
  ASSERT_TRUE(store->Write(SampleStoreBatch()).ok());
  EXPECT_EQ(server()
                .Query("SELECT voltage_mv FROM registry_nodes WHERE network_address = -1")
                .value_or("?"),
            "2950");
}

TEST_F(PostgresRegistryStoreTest, ReplicasStartingTogetherCreateTheSchemaOnce) {
  constexpr int kReplicas = 4;
  std::vector<absl::Status> results(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = PostgresRegistryStore::Open(server().conninfo()).status(); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& status : results) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(server().Query("SELECT count(*) FROM registry_schema").value_or("?"), "1");
}

TEST_F(PostgresRegistryStoreTest, AnOlderWriteNeverMovesARowBackwards) {
  std::unique_ptr<PostgresRegistryStore> ahead = Open();
  std::unique_ptr<PostgresRegistryStore> behind = Open();
  ASSERT_NE(ahead, nullptr);
  ASSERT_NE(behind, nullptr);
  StoreBatch newer = SampleStoreBatch();
  newer.gateways[0].gateway.set_last_seen_ms_epoch(9000);
  newer.gateways[0].gateway.set_state(wm::v1::GATEWAY_STATE_OFFLINE);
  newer.gateways[0].state = {1'800'000'009'000, 9000};
  newer.sinks[0].sink.set_reported_ms_epoch(9000);
  newer.sinks[0].sink.mutable_config()->set_network_address(0x654321);
  newer.sinks[0].reported_gateway_ms = 1'800'000'009'000;
  newer.nodes = ManyNodes(3, 5000, 50);
  ASSERT_TRUE(ahead->Write(newer).ok());

  // A replica behind the other writes what it had a moment earlier.
  StoreBatch older = SampleStoreBatch();
  older.nodes = ManyNodes(4, 4000, 40);
  older.nodes[2].record.last_seen_ms = 5000;  // as new: replaces
  older.nodes[2].record.packets = 41;
  ASSERT_TRUE(behind->Write(older).ok());

  absl::StatusOr<RegistrySnapshot> snapshot = Open()->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  EXPECT_EQ(snapshot->gateways[0].gateway.state(), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_EQ(snapshot->gateways[0].gateway.last_seen_ms_epoch(), 9000u);
  EXPECT_EQ(snapshot->gateways[0].state, (FactTime{1'800'000'009'000, 9000}));
  ASSERT_EQ(snapshot->sinks.size(), 1u);
  EXPECT_EQ(snapshot->sinks[0].sink.config().network_address(), 0x654321u);
  EXPECT_EQ(snapshot->sinks[0].reported_gateway_ms, 1'800'000'009'000);
  std::vector<uint64_t> packets;
  for (const StoredNode& node : snapshot->nodes) {
    if (node.key.network == 9) packets.push_back(node.record.packets);
  }
  // Keys the newer write did not have are inserted.
  EXPECT_THAT(packets, ::testing::ElementsAre(50, 50, 41, 40));
}

TEST_F(PostgresRegistryStoreTest, ADatabaseOfSchemaVersion1GainsTheFactTimesAndKeepsItsRows) {
  // The gateways and sinks tables as schema version 1 made them (nodes: unchanged since).
  ASSERT_TRUE(server()
                  .Query("CREATE TABLE registry_schema (singleton boolean NOT NULL PRIMARY KEY "
                         "DEFAULT true CHECK (singleton), version integer NOT NULL);"
                         "INSERT INTO registry_schema (version) VALUES (1);"
                         "CREATE TABLE registry_gateways (gateway_id text NOT NULL PRIMARY KEY, "
                         "last_seen_ms bigint NOT NULL, record bytea NOT NULL);"
                         "CREATE TABLE registry_sinks (gateway_id text NOT NULL, sink_id text "
                         "NOT NULL, reported_ms bigint NOT NULL, record bytea NOT NULL, "
                         "PRIMARY KEY (gateway_id, sink_id));"
                         "CREATE TABLE registry_nodes (network_address bigint NOT NULL, address "
                         "bigint NOT NULL, gateway_id text NOT NULL, sink_id text NOT NULL, "
                         "first_seen_ms bigint NOT NULL, last_seen_ms bigint NOT NULL, packets "
                         "bigint NOT NULL, last_rx_ms bigint NOT NULL, travel_time_ms bigint NOT "
                         "NULL, hop_count integer NOT NULL, stale boolean NOT NULL, role integer, "
                         "voltage_mv integer, firmware bigint, boot_count bigint, "
                         "scratchpad_sequence bigint, role_rx_ms bigint NOT NULL, voltage_rx_ms "
                         "bigint NOT NULL, boot_rx_ms bigint NOT NULL, "
                         "PRIMARY KEY (network_address, address))")
                  .ok());
  const StoreBatch sample = SampleStoreBatch();
  wm::v1::Gateway gateway = sample.gateways[0].gateway;
  gateway.clear_id();
  gateway.clear_sink_ids();
  wm::v1::Sink sink = sample.sinks[0].sink;
  sink.clear_gateway_id();
  sink.clear_sink_id();
  sink.clear_node_count();
  ASSERT_TRUE(server()
                  .Query("INSERT INTO registry_gateways VALUES ('gw-1', 5000, '\\x" +
                         absl::BytesToHexString(gateway.SerializeAsString()) + "'::bytea)")
                  .ok());
  ASSERT_TRUE(server()
                  .Query("INSERT INTO registry_sinks VALUES ('gw-1', 'sink0', 5000, '\\x" +
                         absl::BytesToHexString(sink.SerializeAsString()) + "'::bytea)")
                  .ok());

  std::unique_ptr<PostgresRegistryStore> store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(server().Query("SELECT version FROM registry_schema").value_or("?"),
            std::to_string(PostgresRegistryStore::kSchemaVersion));
  absl::StatusOr<RegistrySnapshot> snapshot = store->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  EXPECT_EQ(snapshot->gateways[0].gateway.model(), "model-x");
  EXPECT_EQ(snapshot->gateways[0].state, FactTime{}) << "no time: the next message is newer";
  EXPECT_EQ(snapshot->gateways[0].sinks, FactTime{});
  ASSERT_EQ(snapshot->sinks.size(), 1u);
  EXPECT_EQ(snapshot->sinks[0].reported_gateway_ms, 0);

  ASSERT_TRUE(store->Write(sample).ok());
  snapshot = store->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  ExpectSameGateway(snapshot->gateways[0], sample.gateways[0]);
  ASSERT_EQ(snapshot->sinks.size(), 1u);
  ExpectSameSink(snapshot->sinks[0], sample.sinks[0]);
}

TEST(PostgresRegistryStoreStatementsTest, NodesGoInAFewStatementsNotOneEach) {
  auto logged = PostgresProcess::Start(
      {.settings = {{"log_statement", "all"}, {"log_parameter_max_length", "0"}}});
  ASSERT_TRUE(logged.ok()) << logged.status();
  auto store = PostgresRegistryStore::Open((*logged)->conninfo());
  ASSERT_TRUE(store.ok()) << store.status();
  StoreBatch batch;
  batch.nodes = ManyNodes(25000, 1000, 1);
  ASSERT_TRUE((*store)->Write(batch).ok());
  const std::string log = (*logged)->Log();
  size_t statements = 0;
  for (size_t at = log.find("INSERT INTO registry_nodes"); at != std::string::npos;
       at = log.find("INSERT INTO registry_nodes", at + 1)) {
    ++statements;
  }
  EXPECT_GE(statements, 1u);
  EXPECT_LE(statements, 25000 / PostgresRegistryStore::kNodesPerStatement + 1);
}

TEST_F(PostgresRegistryStoreTest, ReconnectsOnTheNextWriteAfterTheServerWasBack) {
  std::unique_ptr<PostgresRegistryStore> store = Open();
  ASSERT_NE(store, nullptr);
  StoreBatch first;
  first.nodes = ManyNodes(10, 1000, 1);
  ASSERT_TRUE(store->Write(first).ok());

  ASSERT_TRUE(server().Stop().ok());
  StoreBatch second;
  second.nodes = ManyNodes(20, 2000, 2);
  absl::Status failed = store->Write(second);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_THAT(failed.message(), HasSubstr(store->target()));
  EXPECT_THAT(failed.message(), Not(HasSubstr(kPassword)));
  // Still down: connecting again fails the same way, naming the server's refusal.
  failed = store->Write(second);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_THAT(failed.message(), HasSubstr("cannot connect"));
  EXPECT_THAT(failed.message(), HasSubstr("Connection refused"));
  EXPECT_THAT(failed.message(), Not(HasSubstr(kPassword)));

  ASSERT_TRUE(server().StartAgain().ok());
  absl::Status written = store->Write(second);
  ASSERT_TRUE(written.ok()) << written;
  absl::StatusOr<RegistrySnapshot> snapshot = store->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->nodes.size(), 20u);
}

TEST_F(PostgresRegistryStoreTest, AServerThatIsDownIsUnavailableAtOpen) {
  const std::string conninfo = server().conninfo();
  ASSERT_TRUE(server().Stop().ok());
  auto store = PostgresRegistryStore::Open(conninfo);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr("Connection refused"));
  EXPECT_THAT(store.status().message(),
              HasSubstr(absl::StrCat("host=127.0.0.1 port=", server().port())));
  EXPECT_THAT(store.status().message(), Not(HasSubstr(kPassword)));
}

TEST_F(PostgresRegistryStoreTest, AWrongPasswordIsUnavailableWithTheServersMessageNotThePassword) {
  const std::string wrong = "not-the-right-one";
  auto store = PostgresRegistryStore::Open(
      absl::StrCat("host=127.0.0.1 port=", server().port(), " user=postgres password=", wrong));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr("password authentication failed"));
  EXPECT_THAT(store.status().message(), Not(HasSubstr(wrong)));
}

TEST_F(PostgresRegistryStoreTest, AConnectionStringThatDoesNotParseIsNotQuoted) {
  auto store = PostgresRegistryStore::Open("host=127.0.0.1 password=abc def");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << store.status();
  EXPECT_THAT(store.status().message(), Not(HasSubstr("abc")));
  EXPECT_THAT(store.status().message(), Not(HasSubstr("def")));
}

TEST_F(PostgresRegistryStoreTest, TheConnectionStringOverridesTheDefaults) {
  std::unique_ptr<PostgresRegistryStore> plain = Open();
  auto named = PostgresRegistryStore::Open(server().conninfo() + " application_name=replica-7");
  ASSERT_NE(plain, nullptr);
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(server()
                .Query("SELECT string_agg(application_name, ',' ORDER BY application_name) "
                       "FROM pg_stat_activity WHERE application_name <> 'psql' AND "
                       "application_name <> ''")
                .value_or("?"),
            "replica-7,wm-registry");
}

TEST_F(PostgresRegistryStoreTest, AcceptsAUrl) {
  auto store = PostgresRegistryStore::Open(server().url());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->target(), absl::StrCat("host=127.0.0.1 port=", server().port(),
                                             " dbname=postgres user=postgres"));
  ASSERT_TRUE((*store)->Write(SampleStoreBatch()).ok());
  EXPECT_EQ(server().Query("SELECT count(*) FROM registry_nodes").value_or("?"), "2");
}

}  // namespace
}  // namespace wm::registry
