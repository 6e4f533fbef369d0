#include "tools/gateway_sim/gateway_state.h"

#include "gtest/gtest.h"

namespace wm::gateway_sim {
namespace {

SimGateway TwoSinks() {
  SimGateway gateway;
  gateway.id = "gw";
  for (const char* id : {"sink0", "sink1"}) {
    SimSink sink;
    sink.id = id;
    sink.node_address = 7;
    sink.network_address = 99;
    sink.network_channel = 3;
    // Out of address order, as topologies draw them.
    for (uint32_t address : {300u, 100u, 200u}) {
      SimNode node;
      node.address = address;
      node.hop_count = address / 100;
      sink.nodes.push_back(node);
    }
    gateway.sinks.push_back(sink);
  }
  return gateway;
}

TEST(GatewayStateTest, StartsWithEachSinksConfigurationAndNodes) {
  const GatewayState state = NewGatewayState(TwoSinks(), GatewayIdentity{}, 1);
  EXPECT_EQ(state.gw_id, "gw");
  ASSERT_EQ(state.sinks.size(), 2u);
  EXPECT_EQ(state.sinks[0].config.sink_id(), "sink0");
  EXPECT_EQ(state.sinks[1].config.sink_id(), "sink1");
  EXPECT_EQ(state.sinks[1].config.network_channel(), 3u);
  EXPECT_EQ(state.sinks[0].config.sink_state(), gwapi::ON);
  EXPECT_TRUE(state.sinks[0].scratchpad.empty());
  EXPECT_FALSE(state.sinks[0].upload.has_value());
  const std::vector<gwapi::SinkReadConfig> configs = state.Configs();
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[1].sink_id(), "sink1");
}

TEST(GatewayStateTest, FindsSinksByIdAndNodesByAddress) {
  GatewayState state = NewGatewayState(TwoSinks(), GatewayIdentity{}, 1);
  ASSERT_NE(state.FindSink("sink1"), nullptr);
  EXPECT_EQ(state.FindSink("sink1")->config.sink_id(), "sink1");
  EXPECT_EQ(state.FindSink("sink9"), nullptr);
  EXPECT_EQ(state.FindSink(""), nullptr);
  const SinkState& sink = *state.FindSink("sink0");
  ASSERT_EQ(sink.nodes.size(), 3u);
  EXPECT_EQ(sink.nodes[0].address, 100u);
  EXPECT_EQ(sink.nodes[2].address, 300u);
  ASSERT_NE(sink.FindNode(200), nullptr);
  EXPECT_EQ(sink.FindNode(200)->hop_count, 2u);
  EXPECT_EQ(sink.FindNode(250), nullptr);
  EXPECT_EQ(sink.FindNode(7), nullptr);  // the sink itself is not one of its nodes
}

TEST(GatewayStateTest, SameSeedSameRandomDraws) {
  GatewayState a = NewGatewayState(TwoSinks(), GatewayIdentity{}, 42);
  GatewayState b = NewGatewayState(TwoSinks(), GatewayIdentity{}, 42);
  GatewayState c = NewGatewayState(TwoSinks(), GatewayIdentity{}, 43);
  const uint64_t first = a.random.Next();
  EXPECT_EQ(first, b.random.Next());
  EXPECT_NE(first, c.random.Next());
}

}  // namespace
}  // namespace wm::gateway_sim
