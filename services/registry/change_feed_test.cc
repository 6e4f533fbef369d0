#include "services/registry/change_feed.h"

#include "gtest/gtest.h"

namespace wm::registry {
namespace {

ChangePtr NodeChange(uint64_t sequence) {
  auto change = std::make_shared<wm::v1::RegistryChange>();
  change->set_sequence(sequence);
  change->set_kind(wm::v1::CHANGE_KIND_UPDATED);
  change->mutable_node()->set_address(static_cast<uint32_t>(sequence));
  return change;
}

ChangePtr GatewayChange(uint64_t sequence) {
  auto change = std::make_shared<wm::v1::RegistryChange>();
  change->set_sequence(sequence);
  change->set_kind(wm::v1::CHANGE_KIND_ADDED);
  change->mutable_gateway()->set_id("gw");
  return change;
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  prometheus::Counter dropped_;
  prometheus::Gauge watchers_;
};

TEST_F(ChangeFeedTest, WatchersGetMatchingChangesInOrder) {
  ChangeFeed feed(10, dropped_, watchers_);
  EXPECT_FALSE(feed.has_watchers());
  auto all = feed.Watch({});
  wm::v1::WatchChangesRequest gateways_only;
  gateways_only.add_entities(wm::v1::CHANGE_ENTITY_GATEWAY);
  auto gateways = feed.Watch(gateways_only);
  EXPECT_TRUE(feed.has_watchers());
  EXPECT_EQ(watchers_.Value(), 2);
  feed.Publish(NodeChange(1));
  feed.Publish(GatewayChange(2));
  EXPECT_EQ(all->PopOrArm()->sequence(), 1u);
  EXPECT_EQ(all->PopOrArm()->sequence(), 2u);
  EXPECT_EQ(all->PopOrArm(), nullptr);
  EXPECT_EQ(gateways->PopOrArm()->sequence(), 2u);
  EXPECT_EQ(gateways->PopOrArm(), nullptr);
  feed.Unwatch(all);
  feed.Unwatch(gateways);
  EXPECT_FALSE(feed.has_watchers());
  EXPECT_EQ(watchers_.Value(), 0);
}

TEST_F(ChangeFeedTest, ASlowWatcherLosesChangesAndIsToldHowMany) {
  ChangeFeed feed(2, dropped_, watchers_);
  auto slow = feed.Watch({});
  auto other = feed.Watch({});
  for (uint64_t i = 1; i <= 5; ++i) feed.Publish(NodeChange(i));
  EXPECT_EQ(slow->PopOrArm()->sequence(), 1u);
  EXPECT_EQ(slow->PopOrArm()->sequence(), 2u);
  ChangePtr gap = slow->PopOrArm();
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->kind(), wm::v1::CHANGE_KIND_GAP);
  EXPECT_EQ(gap->dropped(), 3u);
  EXPECT_EQ(gap->sequence(), 0u);
  EXPECT_EQ(slow->PopOrArm(), nullptr);
  EXPECT_EQ(slow->dropped(), 3u);
  EXPECT_EQ(dropped_.Value(), 6) << "both watchers lost 3";

  // A gap in the middle is reported before the change that follows it.
  feed.Publish(NodeChange(6));
  feed.Publish(NodeChange(7));
  feed.Publish(NodeChange(8));
  EXPECT_EQ(slow->PopOrArm()->sequence(), 6u);
  EXPECT_EQ(slow->PopOrArm()->sequence(), 7u);
  feed.Publish(NodeChange(9));
  EXPECT_EQ(slow->PopOrArm()->dropped(), 1u);
  EXPECT_EQ(slow->PopOrArm()->sequence(), 9u);
}

TEST_F(ChangeFeedTest, AnArmedWatcherIsWokenOnceAndCloseEndsIt) {
  ChangeFeed feed(10, dropped_, watchers_);
  auto watcher = feed.Watch({});
  int wakeups = 0;
  watcher->SetWakeup([&] { ++wakeups; });
  EXPECT_EQ(watcher->PopOrArm(), nullptr);  // arms
  feed.Publish(NodeChange(1));
  feed.Publish(NodeChange(2));
  EXPECT_EQ(wakeups, 1);
  EXPECT_NE(watcher->PopOrArm(), nullptr);
  EXPECT_NE(watcher->PopOrArm(), nullptr);
  EXPECT_EQ(watcher->PopOrArm(), nullptr);
  feed.Close();
  EXPECT_EQ(wakeups, 2);
  EXPECT_TRUE(watcher->closed());
  EXPECT_EQ(feed.Watch({}), nullptr) << "closed feeds take no watchers";
  watcher->Detach();
}

}  // namespace
}  // namespace wm::registry
