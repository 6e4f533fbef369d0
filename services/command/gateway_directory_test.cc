#include "services/command/gateway_directory.h"

#include "gtest/gtest.h"

namespace wm::command {
namespace {

namespace gwapi = wirepas::gwapi;

wirepas::GenericMessage Status(gwapi::OnOffState state, bool with_sink) {
  wirepas::GenericMessage message;
  gwapi::StatusEvent* status = message.mutable_wirepas()->mutable_status_event();
  status->mutable_header()->set_gw_id("gw-1");
  status->mutable_header()->set_event_id(1);
  status->set_version(1);
  status->set_state(state);
  if (with_sink) {
    gwapi::SinkReadConfig* sink = status->add_configs();
    sink->set_sink_id("sink0");
    sink->set_node_address(100);
    sink->set_network_address(5000);
    status->set_max_scratchpad_size(1024);
    status->add_gw_features(gwapi::SCRATCHPAD_CHUNK_V1);
  }
  return message;
}

TEST(GatewayDirectoryTest, UnknownGatewayHasNoView) {
  GatewayDirectory directory;
  EXPECT_FALSE(directory.Find("gw-1").has_value());
  EXPECT_EQ(directory.StateOf("gw-1"), wm::v1::GATEWAY_STATE_UNSPECIFIED);
}

TEST(GatewayDirectoryTest, OnlineStatusGivesSinksChunkSizeAndFeatures) {
  GatewayDirectory directory;
  const wirepas::GenericMessage online = Status(gwapi::ON, true);
  EXPECT_EQ(directory.ApplyStatus("gw-1", &online), wm::v1::GATEWAY_STATE_ONLINE);
  std::optional<GatewayView> view = directory.Find("gw-1");
  ASSERT_TRUE(view.has_value());
  EXPECT_TRUE(view->status_seen);
  EXPECT_EQ(view->max_scratchpad_size, 1024u);
  EXPECT_TRUE(view->HasFeature(wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1));
  EXPECT_FALSE(view->HasFeature(wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1));
  ASSERT_NE(view->FindSink("sink0"), nullptr);
  EXPECT_EQ(view->FindSink("sink0")->node_address(), 100u);
}

TEST(GatewayDirectoryTest, LastWillMarksOfflineAndKeepsTheSinks) {
  GatewayDirectory directory;
  const wirepas::GenericMessage online = Status(gwapi::ON, true);
  const wirepas::GenericMessage will = Status(gwapi::OFF, false);
  directory.ApplyStatus("gw-1", &online);
  EXPECT_EQ(directory.ApplyStatus("gw-1", &will), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_EQ(directory.StateOf("gw-1"), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_NE(directory.Find("gw-1")->FindSink("sink0"), nullptr);
}

TEST(GatewayDirectoryTest, EmptyStatusMarksRemoved) {
  GatewayDirectory directory;
  const wirepas::GenericMessage online = Status(gwapi::ON, true);
  directory.ApplyStatus("gw-1", &online);
  EXPECT_EQ(directory.ApplyStatus("gw-1", nullptr), wm::v1::GATEWAY_STATE_REMOVED);
  EXPECT_TRUE(directory.Find("gw-1")->sinks.empty());
}

TEST(GatewayDirectoryTest, ConfigResponsesUpdateSinks) {
  GatewayDirectory directory;
  wirepas::GenericMessage set_config;
  gwapi::SetConfigResp* resp = set_config.mutable_wirepas()->mutable_set_config_resp();
  resp->mutable_header()->set_req_id(0);
  resp->mutable_header()->set_gw_id("gw-1");
  resp->mutable_header()->set_res(gwapi::OK);
  resp->mutable_config()->set_sink_id("sink1");
  resp->mutable_config()->set_node_address(7);
  directory.ApplyResponse("gw-1", set_config);
  ASSERT_NE(directory.Find("gw-1")->FindSink("sink1"), nullptr);
  EXPECT_EQ(directory.Find("gw-1")->FindSink("sink1")->node_address(), 7u);
  // Only responses learn sinks; the state stays unknown until a status comes.
  EXPECT_EQ(directory.StateOf("gw-1"), wm::v1::GATEWAY_STATE_UNSPECIFIED);

  // A refused set_config carries only the sink id: it must not overwrite what is known.
  resp->mutable_header()->set_res(gwapi::INVALID_SINK_ID);
  resp->mutable_config()->clear_node_address();
  directory.ApplyResponse("gw-1", set_config);
  EXPECT_EQ(directory.Find("gw-1")->FindSink("sink1")->node_address(), 7u);
}

}  // namespace
}  // namespace wm::command
