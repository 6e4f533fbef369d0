#pragma once

// The behaviour every RegistryStore shares, as a type-parameterized test suite. A store's own
// test instantiates it with an environment that owns fresh storage:
//
//   class SqliteStoreEnvironment {
//    public:
//     absl::Status SetUp();  // new, empty storage
//     // A store on that storage; each call is what a new process would open.
//     absl::StatusOr<std::unique_ptr<RegistryStore>> Open();
//     // Stores a gateway `id` whose record does not parse.
//     absl::Status DamageGateway(const std::string& id);
//     // Marks the storage as written by a build with schema `version`.
//     absl::Status SetSchemaVersion(int version);
//     // What the store's errors name the storage by (a path, a host and database).
//     std::string Name() const;
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, RegistryStoreContractTest, SqliteStoreEnvironment);

#include <algorithm>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/registry/registry_store.h"

namespace wm::registry {

// A batch with one gateway, one sink, a node with every value set at the limits of its types
// (the all-ones network) and a bare node.
StoreBatch SampleStoreBatch();

// Expect every stored field of two gateways, sinks, nodes to be equal (derived fields aside).
void ExpectSameGateway(const StoredGateway& a, const StoredGateway& b);
void ExpectSameSink(const StoredSink& a, const StoredSink& b);
void ExpectSameNode(const StoredNode& a, const StoredNode& b);

// `count` nodes in network 9 (addresses 1..count) heard at `seen_ms`, each with `packets`.
std::vector<StoredNode> ManyNodes(int count, int64_t seen_ms, uint64_t packets);

template <typename Environment>
class RegistryStoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status status = environment_.SetUp();
    ASSERT_TRUE(status.ok()) << status;
  }

  std::unique_ptr<RegistryStore> Open() {
    absl::StatusOr<std::unique_ptr<RegistryStore>> store = environment_.Open();
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  Environment environment_;
};

TYPED_TEST_SUITE_P(RegistryStoreContractTest);

TYPED_TEST_P(RegistryStoreContractTest, WhatIsWrittenIsLoadedByTheNextProcess) {
  const StoreBatch batch = SampleStoreBatch();
  {
    std::unique_ptr<RegistryStore> store = this->Open();
    ASSERT_NE(store, nullptr);
    absl::Status written = store->Write(batch);
    ASSERT_TRUE(written.ok()) << written;
  }
  std::unique_ptr<RegistryStore> store = this->Open();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<RegistrySnapshot> snapshot = store->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  EXPECT_TRUE(snapshot->gateways[0].gateway.sink_ids().empty());
  ExpectSameGateway(snapshot->gateways[0], batch.gateways[0]);
  ASSERT_EQ(snapshot->sinks.size(), 1u);
  EXPECT_EQ(snapshot->sinks[0].sink.node_count(), 0u);
  ExpectSameSink(snapshot->sinks[0], batch.sinks[0]);
  ASSERT_EQ(snapshot->nodes.size(), 2u);
  std::sort(snapshot->nodes.begin(), snapshot->nodes.end(),
            [](const StoredNode& a, const StoredNode& b) { return a.key < b.key; });
  ExpectSameNode(snapshot->nodes[0], batch.nodes[1]);
  // The all-ones network survives the database's signed integers.
  ExpectSameNode(snapshot->nodes[1], batch.nodes[0]);
}

TYPED_TEST_P(RegistryStoreContractTest, WritesReplaceAndDelete) {
  std::unique_ptr<RegistryStore> store = this->Open();
  ASSERT_NE(store, nullptr);
  StoreBatch batch = SampleStoreBatch();
  ASSERT_TRUE(store->Write(batch).ok());

  StoreBatch update;
  update.gateways.push_back(batch.gateways[0]);
  update.gateways[0].gateway.set_state(wm::v1::GATEWAY_STATE_OFFLINE);
  update.gateways[0].state = {1'800'000'000'010, 4010};
  update.sinks.push_back(batch.sinks[0]);
  update.sinks[0].sink.set_sink_id("sink1");
  update.sinks[0].reported_gateway_ms = 1'800'000'000'011;
  update.nodes.push_back(batch.nodes[1]);
  update.nodes[0].record.packets = 2;
  update.removed_sinks.emplace_back("gw-1", "sink0");
  absl::Status written = store->Write(update);
  ASSERT_TRUE(written.ok()) << written;
  absl::StatusOr<RegistrySnapshot> snapshot = store->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  EXPECT_EQ(snapshot->gateways[0].gateway.state(), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_EQ(snapshot->gateways[0].state, (FactTime{1'800'000'000'010, 4010}));
  EXPECT_EQ(snapshot->gateways[0].sinks, batch.gateways[0].sinks);
  ASSERT_EQ(snapshot->sinks.size(), 1u);
  EXPECT_EQ(snapshot->sinks[0].sink.sink_id(), "sink1");
  EXPECT_EQ(snapshot->sinks[0].reported_gateway_ms, 1'800'000'000'011);
  ASSERT_EQ(snapshot->nodes.size(), 2u);
  for (const StoredNode& node : snapshot->nodes) {
    if (node.key.network == 7) {
      EXPECT_EQ(node.record.packets, 2u);
    }
  }

  StoreBatch removal;
  removal.removed_gateways.push_back("gw-1");
  ASSERT_TRUE(store->Write(removal).ok());
  EXPECT_TRUE(store->Load()->gateways.empty());
  EXPECT_TRUE(store->Write(StoreBatch()).ok());
}

TYPED_TEST_P(RegistryStoreContractTest, ManyNodesGoInOneBatch) {
  constexpr int kNodes = 25000;
  std::unique_ptr<RegistryStore> store = this->Open();
  ASSERT_NE(store, nullptr);
  StoreBatch batch;
  batch.nodes = ManyNodes(kNodes, 1000, 1);
  ASSERT_TRUE(store->Write(batch).ok());
  batch.nodes = ManyNodes(kNodes, 2000, 2);
  ASSERT_TRUE(store->Write(batch).ok());

  absl::StatusOr<RegistrySnapshot> snapshot = this->Open()->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->nodes.size(), static_cast<size_t>(kNodes));
  uint64_t packets = 0;
  for (const StoredNode& node : snapshot->nodes) packets += node.record.packets;
  EXPECT_EQ(packets, 2u * kNodes);
  std::sort(snapshot->nodes.begin(), snapshot->nodes.end(),
            [](const StoredNode& a, const StoredNode& b) { return a.key < b.key; });
  ExpectSameNode(snapshot->nodes.back(), batch.nodes.back());
}

TYPED_TEST_P(RegistryStoreContractTest, OpeningAgainKeepsEverything) {
  {
    std::unique_ptr<RegistryStore> store = this->Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Write(SampleStoreBatch()).ok());
  }
  ASSERT_NE(this->Open(), nullptr);
  std::unique_ptr<RegistryStore> store = this->Open();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<RegistrySnapshot> snapshot = store->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->gateways.size(), 1u);
  EXPECT_EQ(snapshot->sinks.size(), 1u);
  EXPECT_EQ(snapshot->nodes.size(), 2u);
}

TYPED_TEST_P(RegistryStoreContractTest, ADamagedRecordIsSkippedNotFatal) {
  {
    std::unique_ptr<RegistryStore> store = this->Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Write(SampleStoreBatch()).ok());
  }
  absl::Status damaged = this->environment_.DamageGateway("gw-bad");
  ASSERT_TRUE(damaged.ok()) << damaged;
  std::unique_ptr<RegistryStore> store = this->Open();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<RegistrySnapshot> snapshot = store->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  EXPECT_EQ(snapshot->gateways[0].gateway.id(), "gw-1");
  EXPECT_EQ(snapshot->nodes.size(), 2u);
}

TYPED_TEST_P(RegistryStoreContractTest, StorageFromANewerBuildIsRefused) {
  ASSERT_NE(this->Open(), nullptr);
  ASSERT_TRUE(this->environment_.SetSchemaVersion(99).ok());
  absl::StatusOr<std::unique_ptr<RegistryStore>> store = this->environment_.Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_THAT(store.status().message(), ::testing::HasSubstr("schema version 99"));
  EXPECT_THAT(store.status().message(), ::testing::HasSubstr(this->environment_.Name()));
}

TYPED_TEST_P(RegistryStoreContractTest, TheStreamPositionGoesWithItsBatch) {
  {
    std::unique_ptr<RegistryStore> store = this->Open();
    ASSERT_NE(store, nullptr);
    absl::StatusOr<RegistrySnapshot> fresh = store->Load();
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    EXPECT_FALSE(fresh->position.has_value());
    StoreBatch batch = SampleStoreBatch();
    batch.position = StreamPoint{1'800'000'000'123, 41};
    ASSERT_TRUE(store->Write(batch).ok());
    // A batch without a position leaves the stored one alone.
    StoreBatch no_position;
    no_position.nodes.push_back(batch.nodes[0]);
    ASSERT_TRUE(store->Write(no_position).ok());
  }
  {
    std::unique_ptr<RegistryStore> store = this->Open();
    ASSERT_NE(store, nullptr);
    absl::StatusOr<RegistrySnapshot> snapshot = store->Load();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    ASSERT_TRUE(snapshot->position.has_value());
    EXPECT_EQ(*snapshot->position, (StreamPoint{1'800'000'000'123, 41}));
    // A batch of only a position is written too (events that changed nothing).
    StoreBatch position_only;
    position_only.position = StreamPoint{1'800'000'000'999, 7};
    ASSERT_FALSE(position_only.empty());
    ASSERT_TRUE(store->Write(position_only).ok());
  }
  absl::StatusOr<RegistrySnapshot> snapshot = this->Open()->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_TRUE(snapshot->position.has_value());
  EXPECT_EQ(*snapshot->position, (StreamPoint{1'800'000'000'999, 7}));
  EXPECT_EQ(snapshot->nodes.size(), 2u);
}

REGISTER_TYPED_TEST_SUITE_P(RegistryStoreContractTest, WhatIsWrittenIsLoadedByTheNextProcess,
                            WritesReplaceAndDelete, ManyNodesGoInOneBatch,
                            TheStreamPositionGoesWithItsBatch,
                            OpeningAgainKeepsEverything, ADamagedRecordIsSkippedNotFatal,
                            StorageFromANewerBuildIsRefused);

}  // namespace wm::registry
