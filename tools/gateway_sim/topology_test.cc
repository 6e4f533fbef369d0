#include "tools/gateway_sim/topology.h"

#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm::gateway_sim {
namespace {

using ::testing::ElementsAre;

TEST(TopologyTest, DefaultsGiveTwoGatewaysTwoSinksTwentyNodesInOneNetwork) {
  absl::StatusOr<Topology> topology = BuildTopology({});
  ASSERT_TRUE(topology.ok()) << topology.status();
  ASSERT_EQ(topology->gateways.size(), 2u);
  EXPECT_EQ(topology->gateways[0].id, "sim-gw-1");
  EXPECT_EQ(topology->gateways[1].id, "sim-gw-2");
  EXPECT_EQ(topology->NodeCount(), 80u);
  for (const SimGateway& gateway : topology->gateways) {
    ASSERT_EQ(gateway.sinks.size(), 2u);
    EXPECT_EQ(gateway.sinks[0].id, "sink0");
    EXPECT_EQ(gateway.sinks[1].id, "sink1");
    for (const SimSink& sink : gateway.sinks) {
      EXPECT_EQ(sink.network_address, 0x123456u);
      EXPECT_EQ(sink.network_channel, topology->gateways[0].sinks[0].network_channel);
      EXPECT_EQ(sink.nodes.size(), 20u);
    }
  }
}

TEST(TopologyTest, AddressesAreUniqueAcrossTheSharedNetworkAndFit24Bits) {
  TopologyOptions options;
  options.gateways = 5;
  options.sinks_per_gateway = 3;
  options.nodes_per_sink = 200;
  absl::StatusOr<Topology> topology = BuildTopology(options);
  ASSERT_TRUE(topology.ok()) << topology.status();
  std::set<uint32_t> addresses;
  size_t total = 0;
  for (const SimGateway& gateway : topology->gateways) {
    for (const SimSink& sink : gateway.sinks) {
      addresses.insert(sink.node_address);
      ++total;
      for (const SimNode& node : sink.nodes) {
        addresses.insert(node.address);
        ++total;
        EXPECT_GT(node.address, 0u);
        EXPECT_LT(node.address, 0xFFFFFFu);
      }
    }
  }
  EXPECT_EQ(addresses.size(), total);
}

TEST(TopologyTest, NetworkPerGatewayGivesConsecutiveNetworks) {
  TopologyOptions options;
  options.gateways = 3;
  options.network_per_gateway = true;
  options.network_address = 100;
  absl::StatusOr<Topology> topology = BuildTopology(options);
  ASSERT_TRUE(topology.ok()) << topology.status();
  std::vector<uint64_t> networks;
  for (const SimGateway& gateway : topology->gateways) {
    networks.push_back(gateway.sinks[0].network_address);
    EXPECT_EQ(gateway.sinks[1].network_address, gateway.sinks[0].network_address);
  }
  EXPECT_THAT(networks, ElementsAre(100u, 101u, 102u));
}

TEST(TopologyTest, RoutesLeadToTheSink) {
  absl::StatusOr<Topology> topology = BuildTopology({});
  ASSERT_TRUE(topology.ok()) << topology.status();
  const SimSink& sink = topology->gateways[0].sinks[0];
  std::map<uint32_t, const SimNode*> by_address;
  for (const SimNode& node : sink.nodes) by_address[node.address] = &node;
  for (const SimNode& node : sink.nodes) {
    ASSERT_FALSE(node.neighbors.empty());
    EXPECT_EQ(node.neighbors[0], node.next_hop);
    if (node.hop_count == 1) {
      EXPECT_EQ(node.next_hop, sink.node_address);
    } else {
      ASSERT_EQ(by_address.count(node.next_hop), 1u);
      EXPECT_EQ(by_address[node.next_hop]->hop_count + 1, node.hop_count);
      EXPECT_EQ(by_address[node.next_hop]->role & 0x0F, 0x02) << "a next hop is a router";
    }
  }
}

TEST(TopologyTest, NodesDifferInApplicationStackAndDiagnostics) {
  TopologyOptions options;
  options.nodes_per_sink = 50;  // 200 nodes
  absl::StatusOr<Topology> topology = BuildTopology(options);
  ASSERT_TRUE(topology.ok()) << topology.status();
  std::map<NodeApplication, int> applications;
  std::set<uint32_t> majors;
  int v2 = 0, routers = 0, cold = 0;
  std::set<uint8_t> widths;
  for (const SimGateway& gateway : topology->gateways) {
    for (const SimSink& sink : gateway.sinks) {
      for (const SimNode& node : sink.nodes) {
        ++applications[node.application];
        majors.insert(node.firmware.major);
        switch (node.application) {
          case NodeApplication::kSensor:
            EXPECT_TRUE(node.app_endpoint == 1 || node.app_endpoint == 10);
            break;
          case NodeApplication::kRuuviTag:
            EXPECT_EQ(node.app_endpoint, 11);
            if (node.temperature_centi_c < 0) ++cold;
            break;
          case NodeApplication::kPositioningTag:
            EXPECT_EQ(node.app_endpoint, 238);
            break;
          case NodeApplication::kTestNetwork:
            EXPECT_EQ(node.app_endpoint, 100);
            break;
        }
        if (node.diagnostics_v2) {
          ++v2;
          EXPECT_GE(node.firmware.major, 5u) << "diagnostics v2 needs stack 5";
        }
        if ((node.role & 0x0F) == 0x02) {
          ++routers;
          EXPECT_GE(node.advertiser_tags.size(), 2u);
          EXPECT_LE(node.advertiser_tags.size(), 6u);
          widths.insert(node.advertiser_address_bytes);
          for (uint32_t tag : node.advertiser_tags) {
            // A 4-byte reporter's tags need all four bytes; a 3-byte one's fit in three.
            EXPECT_EQ(tag > 0xFFFFFFu, node.advertiser_address_bytes == 4) << std::hex << tag;
          }
        } else {
          EXPECT_TRUE(node.advertiser_tags.empty()) << "only routers scan for tags";
        }
      }
    }
  }
  // Shares of 60/15/15/10 %, give or take.
  EXPECT_GT(applications[NodeApplication::kSensor], 90);
  EXPECT_GT(applications[NodeApplication::kRuuviTag], 10);
  EXPECT_GT(applications[NodeApplication::kPositioningTag], 10);
  EXPECT_GT(applications[NodeApplication::kTestNetwork], 5);
  EXPECT_GT(cold, 0) << "some Ruuvi tags sit in cold storage";
  EXPECT_EQ(majors, (std::set<uint32_t>{4, 5})) << "some nodes still run 4.0";
  EXPECT_GT(v2, 20);
  EXPECT_LT(v2, 100);
  EXPECT_GT(routers, 0);
  EXPECT_EQ(widths, (std::set<uint8_t>{3, 4}));
}

TEST(TopologyTest, JoiningNodesHaveTheirOwnAddressesAndUids) {
  TopologyOptions options;
  options.joining_nodes_per_sink = 2;
  absl::StatusOr<Topology> topology = BuildTopology(options);
  ASSERT_TRUE(topology.ok()) << topology.status();
  EXPECT_EQ(topology->NodeCount(), 80u) << "joining nodes are not in the network yet";
  std::set<uint32_t> addresses;
  std::set<std::string> uids;
  std::set<uint8_t> methods;
  size_t total = 0;
  for (const SimGateway& gateway : topology->gateways) {
    for (const SimSink& sink : gateway.sinks) {
      ASSERT_EQ(sink.joining_nodes.size(), 2u);
      addresses.insert(sink.node_address);
      total += 1 + sink.nodes.size() + sink.joining_nodes.size();
      for (const SimNode& node : sink.nodes) addresses.insert(node.address);
      for (const SimJoiningNode& node : sink.joining_nodes) {
        addresses.insert(node.address);
        uids.insert(node.uid);
        methods.insert(node.method);
        EXPECT_GE(node.hop_count, 1u);
        EXPECT_LE(node.hop_count, 3u);
        EXPECT_LE(node.method, 1);
        char expected[16];
        std::snprintf(expected, sizeof(expected), "sim-%06x", node.address);
        EXPECT_EQ(node.uid, expected);
      }
    }
  }
  EXPECT_EQ(addresses.size(), total) << "unique across the network";
  EXPECT_EQ(uids.size(), 8u);

  options.joining_nodes_per_sink = 0;
  EXPECT_TRUE(BuildTopology(options)->gateways[0].sinks[0].joining_nodes.empty());
  options.joining_nodes_per_sink = 2;
  options.nodes_per_sink = 0;  // nobody to hear them
  EXPECT_TRUE(BuildTopology(options)->gateways[0].sinks[0].joining_nodes.empty());
}

TEST(TopologyTest, SameSeedSameNetworkOtherSeedOtherNetwork) {
  TopologyOptions options;
  options.seed = 7;
  absl::StatusOr<Topology> a = BuildTopology(options);
  absl::StatusOr<Topology> b = BuildTopology(options);
  options.seed = 8;
  absl::StatusOr<Topology> c = BuildTopology(options);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->gateways[1].sinks[1].nodes[5].address, b->gateways[1].sinks[1].nodes[5].address);
  EXPECT_EQ(a->gateways[0].sinks[0].node_address, b->gateways[0].sinks[0].node_address);
  EXPECT_NE(a->gateways[0].sinks[0].node_address, c->gateways[0].sinks[0].node_address);
}

TEST(TopologyTest, RejectsBadOptions) {
  TopologyOptions options;
  options.gateways = 0;
  EXPECT_EQ(BuildTopology(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.sinks_per_gateway = 0;
  EXPECT_EQ(BuildTopology(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.gateway_id_prefix = "gw/";
  EXPECT_EQ(BuildTopology(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.network_address = 0x1000000;
  EXPECT_EQ(BuildTopology(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.network_address = 0xFFFFFF;
  options.network_per_gateway = true;  // the second gateway's network would not fit
  EXPECT_EQ(BuildTopology(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.joining_nodes_per_sink = -1;
  EXPECT_EQ(BuildTopology(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.factory_key = std::string(31, 'k');
  EXPECT_EQ(BuildTopology(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.nodes_per_sink = 0;
  EXPECT_TRUE(BuildTopology(options).ok());
}

// The methods and factory keys of every joining node of a topology built with `options`.
std::map<uint8_t, std::set<std::string>> KeysByMethod(const TopologyOptions& options) {
  absl::StatusOr<Topology> topology = BuildTopology(options);
  EXPECT_TRUE(topology.ok()) << topology.status();
  std::map<uint8_t, std::set<std::string>> keys;
  if (!topology.ok()) return keys;
  for (const SimGateway& gateway : topology->gateways) {
    for (const SimSink& sink : gateway.sinks) {
      for (const SimJoiningNode& node : sink.joining_nodes)
        keys[node.method].insert(node.factory_key);
    }
  }
  return keys;
}

TEST(TopologyTest, JoiningNodesAreSecuredWithOneFactoryKeyByDefault) {
  TopologyOptions options;
  options.joining_nodes_per_sink = 3;
  const std::map<uint8_t, std::set<std::string>> keys = KeysByMethod(options);
  ASSERT_EQ(keys.size(), 1u);
  ASSERT_EQ(keys.count(1), 1u) << "secured";
  ASSERT_EQ(keys.at(1).size(), 1u) << "one key per simulator";
  EXPECT_EQ(*keys.at(1).begin(), FactoryKeyFromSeed(options.seed));
  EXPECT_EQ(FactoryKeyFromSeed(1).size(), kFactoryKeySize);
  EXPECT_EQ(FactoryKeyFromSeed(1), FactoryKeyFromSeed(1));
  EXPECT_NE(FactoryKeyFromSeed(1), FactoryKeyFromSeed(2));

  options.factory_key = std::string(kFactoryKeySize, '\x11');
  EXPECT_EQ(*KeysByMethod(options).at(1).begin(), options.factory_key);
}

TEST(TopologyTest, UnsecuredOrMixedJoiningNodesOnTheSameNetwork) {
  TopologyOptions options;
  options.joining_nodes_per_sink = 3;
  const absl::StatusOr<Topology> secured = BuildTopology(options);
  options.joining_method = JoiningMethod::kUnsecured;
  const absl::StatusOr<Topology> unsecured = BuildTopology(options);
  std::map<uint8_t, std::set<std::string>> keys = KeysByMethod(options);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys.at(0), std::set<std::string>{""}) << "no factory key without the secured method";

  options.joining_method = JoiningMethod::kMixed;
  keys = KeysByMethod(options);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.at(0), std::set<std::string>{""});
  EXPECT_EQ(keys.at(1), std::set<std::string>{FactoryKeyFromSeed(options.seed)});

  // The method changes nothing else.
  ASSERT_TRUE(secured.ok() && unsecured.ok());
  EXPECT_EQ(secured->gateways[1].sinks[1].joining_nodes[2].address,
            unsecured->gateways[1].sinks[1].joining_nodes[2].address);
  EXPECT_EQ(secured->gateways[1].sinks[1].nodes[5].address,
            unsecured->gateways[1].sinks[1].nodes[5].address);
  EXPECT_EQ(secured->JoiningNodeCount(), 12u);
}

}  // namespace
}  // namespace wm::gateway_sim
