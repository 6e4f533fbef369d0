#include "tools/gateway_sim/topology.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/sim_random.h"

namespace wm::gateway_sim {
namespace {

constexpr uint64_t kMaxNetworkAddress = 0xFFFFFF;
// Addresses 0 (any sink) and the top of the 24-bit range are left out.
constexpr uint32_t kMaxNodeAddress = 0xFFFFFD;
constexpr size_t kMaxAddressesPerNetwork = 1000000;
// Nodes deeper than this pick a router closer to the sink.
constexpr uint32_t kMaxHops = 6;
constexpr size_t kExtraNeighbors = 4;

// Hands out addresses that are unique within one network.
class AddressPool {
 public:
  uint32_t Draw(SimRandom& random) {
    while (true) {
      const auto address = static_cast<uint32_t>(random.Uniform(1, kMaxNodeAddress));
      if (used_.insert(address).second) return address;
    }
  }

 private:
  std::unordered_set<uint32_t> used_;
};

// Routes the nodes of one sink as a tree: each node picks a random earlier node (or the sink)
// as next hop, which keeps most nodes within a few hops like a real mesh.
void BuildRoutes(uint32_t sink_address, std::vector<SimNode>& nodes, SimRandom& random) {
  std::vector<bool> has_children(nodes.size(), false);
  for (size_t i = 0; i < nodes.size(); ++i) {
    SimNode& node = nodes[i];
    // Index i means the sink itself.
    size_t parent = random.Uniform(0, i);
    while (parent < i && nodes[parent].hop_count >= kMaxHops) {
      parent = random.Uniform(0, parent - 1);  // node 0 is one hop away, so this ends
    }
    if (parent == i) {
      node.next_hop = sink_address;
      node.hop_count = 1;
    } else {
      node.next_hop = nodes[parent].address;
      node.hop_count = nodes[parent].hop_count + 1;
      has_children[parent] = true;
    }
    node.neighbors.push_back(node.next_hop);
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    SimNode& node = nodes[i];
    node.role = has_children[i] ? 0x82 : 0x83;
    const size_t extra = std::min(kExtraNeighbors, nodes.size() - 1);
    for (size_t k = 0; k < extra; ++k) {
      const uint32_t candidate = nodes[random.Uniform(0, nodes.size() - 1)].address;
      if (candidate != node.address && std::find(node.neighbors.begin(), node.neighbors.end(),
                                                 candidate) == node.neighbors.end()) {
        node.neighbors.push_back(candidate);
      }
    }
  }
}

// Stack releases other than the network's that some nodes still run.
constexpr StackVersion kPreviousRelease{5, 2, 0, 120};
// Sends the 59-byte node diagnostics (stack 4.0 and older).
constexpr StackVersion kLegacyRelease{4, 0, 0, 62};

SimNode NewNode(uint32_t address, const StackVersion& network_version, SimRandom& random) {
  SimNode node;
  node.address = address;
  node.firmware = network_version;
  // A few nodes run older stacks, as during a rolling OTAP or in a long-lived installation.
  const double release = random.UnitDouble();
  if (release < 0.15) {
    node.firmware = kLegacyRelease;
  } else if (release < 0.25) {
    node.firmware = kPreviousRelease;
  }
  node.diagnostics_v2 = node.firmware.major >= 5 && random.Chance(0.3);
  node.boot_count = static_cast<uint8_t>(random.Uniform(1, 12));
  const double application = random.UnitDouble();
  if (application < 0.6) {
    node.application = NodeApplication::kSensor;
    if (random.Chance(0.7)) {
      node.app_endpoint = 10;
      node.app_qos = 0;
    } else {
      node.app_endpoint = 1;
      node.app_qos = random.Chance(0.5) ? 1 : 0;
    }
  } else if (application < 0.75) {
    node.application = NodeApplication::kRuuviTag;
    node.app_endpoint = 11;
  } else if (application < 0.9) {
    node.application = NodeApplication::kPositioningTag;
    node.app_endpoint = 238;
  } else {
    node.application = NodeApplication::kTestNetwork;
    node.app_endpoint = 100;
  }
  if (node.application == NodeApplication::kRuuviTag && random.Chance(0.3)) {
    node.temperature_centi_c = static_cast<int16_t>(-static_cast<int>(random.Uniform(800, 2400)));
  } else {
    node.temperature_centi_c = static_cast<int16_t>(random.Uniform(1800, 2600));
  }
  node.battery_percent = static_cast<uint8_t>(random.Uniform(40, 100));
  return node;
}

// Gives every router the advertiser tags it hears. Tags are not mesh nodes: their addresses
// need not be unique, and a 4-byte reporter's tags use the whole 32 bits.
void AddAdvertiserTags(std::vector<SimNode>& nodes, SimRandom& random) {
  for (SimNode& node : nodes) {
    if ((node.role & 0x0F) != 0x02) continue;
    node.advertiser_address_bytes = random.Chance(0.5) ? 4 : 3;
    const size_t tags = random.Uniform(2, 6);
    for (size_t i = 0; i < tags; ++i) {
      node.advertiser_tags.push_back(
          node.advertiser_address_bytes == 4
              ? static_cast<uint32_t>(random.Uniform(0x01000000, 0xFFFFFFFE))
              : static_cast<uint32_t>(random.Uniform(1, 0xFFFFFD)));
    }
  }
}

SimJoiningNode NewJoiningNode(uint32_t address, JoiningMethod method,
                              const std::string& factory_key, SimRandom& random) {
  SimJoiningNode node;
  node.address = address;
  node.hop_count = static_cast<uint32_t>(random.Uniform(1, 3));
  node.uid = absl::StrFormat("sim-%06x", address);
  // Drawn whatever the method, so that the method does not change the rest of the network.
  const bool secured_if_mixed = random.Chance(0.7);
  const bool secured =
      method == JoiningMethod::kSecured || (method == JoiningMethod::kMixed && secured_if_mixed);
  node.method = secured ? 1 : 0;
  if (secured) node.factory_key = factory_key;
  return node;
}

}  // namespace

uint32_t MeshTravelTimeMs(uint32_t hop_count, SimRandom& random) {
  uint64_t ticks = 0;
  for (uint32_t hop = 0; hop < hop_count; ++hop) ticks += random.Uniform(4, 80);
  return static_cast<uint32_t>(ticks * 1000 / 128);
}

std::string FactoryKeyFromSeed(uint64_t seed) {
  // A stream of its own: the key does not depend on the network's size.
  SimRandom random(seed ^ 0xFAC7081EB1u);
  return random.Bytes(kFactoryKeySize);
}

size_t Topology::JoiningNodeCount() const {
  size_t count = 0;
  for (const SimGateway& gateway : gateways) {
    for (const SimSink& sink : gateway.sinks) count += sink.joining_nodes.size();
  }
  return count;
}

size_t Topology::NodeCount() const {
  size_t count = 0;
  for (const SimGateway& gateway : gateways) {
    for (const SimSink& sink : gateway.sinks) count += sink.nodes.size();
  }
  return count;
}

absl::StatusOr<Topology> BuildTopology(const TopologyOptions& options) {
  if (options.gateways < 1) return absl::InvalidArgumentError("gateways must be at least 1");
  if (options.sinks_per_gateway < 1) {
    return absl::InvalidArgumentError("sinks_per_gateway must be at least 1");
  }
  if (options.nodes_per_sink < 0) {
    return absl::InvalidArgumentError("nodes_per_sink must not be negative");
  }
  if (options.joining_nodes_per_sink < 0) {
    return absl::InvalidArgumentError("joining_nodes_per_sink must not be negative");
  }
  if (!wirepas::IsValidTopicId(absl::StrCat(options.gateway_id_prefix, "1"))) {
    return absl::InvalidArgumentError("gateway_id_prefix must not contain '/', '+', '#' or NUL");
  }
  const uint64_t networks = options.network_per_gateway ? options.gateways : 1;
  if (options.network_address == 0 || options.network_address + networks - 1 > kMaxNetworkAddress) {
    return absl::InvalidArgumentError(
        absl::StrCat("network_address must be in 1..", kMaxNetworkAddress,
                     options.network_per_gateway ? " for every gateway's network" : ""));
  }
  if (!options.factory_key.empty() && options.factory_key.size() != kFactoryKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("factory key must be ", kFactoryKeySize, " bytes"));
  }
  const std::string factory_key =
      options.factory_key.empty() ? FactoryKeyFromSeed(options.seed) : options.factory_key;
  const uint64_t joining = options.nodes_per_sink > 0 ? options.joining_nodes_per_sink : 0;
  const uint64_t per_network = static_cast<uint64_t>(options.sinks_per_gateway) *
                               (options.nodes_per_sink + 1 + joining) *
                               (options.network_per_gateway ? 1 : options.gateways);
  if (per_network > kMaxAddressesPerNetwork) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many nodes and sinks in one network: ", per_network, " (at most ",
                     kMaxAddressesPerNetwork, ")"));
  }

  SimRandom random(options.seed);
  std::vector<AddressPool> pools(networks);
  std::vector<uint32_t> channels(networks);
  for (uint32_t& channel : channels) channel = static_cast<uint32_t>(random.Uniform(1, 40));
  const StackVersion network_version;

  Topology topology;
  topology.gateways.reserve(options.gateways);
  for (int g = 0; g < options.gateways; ++g) {
    const size_t network = options.network_per_gateway ? g : 0;
    SimGateway gateway;
    gateway.id = absl::StrCat(options.gateway_id_prefix, g + 1);
    for (int s = 0; s < options.sinks_per_gateway; ++s) {
      SimSink sink;
      sink.id = absl::StrCat("sink", s);
      sink.network_address = options.network_address + network;
      sink.network_channel = channels[network];
      sink.node_address = pools[network].Draw(random);
      sink.firmware = network_version;
      sink.nodes.reserve(options.nodes_per_sink);
      for (int n = 0; n < options.nodes_per_sink; ++n) {
        sink.nodes.push_back(NewNode(pools[network].Draw(random), network_version, random));
      }
      BuildRoutes(sink.node_address, sink.nodes, random);
      AddAdvertiserTags(sink.nodes, random);
      for (uint64_t j = 0; j < joining; ++j) {
        sink.joining_nodes.push_back(NewJoiningNode(pools[network].Draw(random),
                                                    options.joining_method, factory_key, random));
      }
      gateway.sinks.push_back(std::move(sink));
    }
    topology.gateways.push_back(std::move(gateway));
  }
  return topology;
}

}  // namespace wm::gateway_sim
