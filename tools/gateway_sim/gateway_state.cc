#include "tools/gateway_sim/gateway_state.h"

#include <algorithm>

namespace wm::gateway_sim {

const MeshNode* SinkState::FindNode(uint32_t address) const {
  const auto it =
      std::lower_bound(nodes.begin(), nodes.end(), address,
                       [](const MeshNode& node, uint32_t value) { return node.address < value; });
  return it != nodes.end() && it->address == address ? &*it : nullptr;
}

JoiningNodeState* SinkState::FindJoiningNode(uint32_t address) {
  for (JoiningNodeState& joining : joining_nodes) {
    if (joining.node.address == address) return &joining;
  }
  return nullptr;
}

SinkState* GatewayState::FindSink(std::string_view sink_id) {
  for (SinkState& sink : sinks) {
    if (sink.config.sink_id() == sink_id) return &sink;
  }
  return nullptr;
}

const SinkState* GatewayState::FindSink(std::string_view sink_id) const {
  for (const SinkState& sink : sinks) {
    if (sink.config.sink_id() == sink_id) return &sink;
  }
  return nullptr;
}

std::vector<gwapi::SinkReadConfig> GatewayState::Configs() const {
  std::vector<gwapi::SinkReadConfig> configs;
  configs.reserve(sinks.size());
  for (const SinkState& sink : sinks) configs.push_back(sink.config);
  return configs;
}

GatewayState NewGatewayState(const SimGateway& gateway, const GatewayIdentity& identity,
                             uint64_t seed) {
  GatewayState state;
  state.gw_id = gateway.id;
  state.identity = identity;
  state.random = SimRandom(seed);
  state.sinks.reserve(gateway.sinks.size());
  for (const SimSink& sim_sink : gateway.sinks) {
    SinkState sink;
    sink.config = BuildSinkReadConfig(sim_sink);
    sink.nodes.reserve(sim_sink.nodes.size());
    for (const SimNode& node : sim_sink.nodes) {
      sink.nodes.push_back(MeshNode{node.address, node.hop_count, node.firmware});
    }
    std::sort(sink.nodes.begin(), sink.nodes.end(),
              [](const MeshNode& a, const MeshNode& b) { return a.address < b.address; });
    sink.joining_nodes.reserve(sim_sink.joining_nodes.size());
    for (const SimJoiningNode& joining : sim_sink.joining_nodes) {
      sink.joining_nodes.push_back(JoiningNodeState{joining});
    }
    state.sinks.push_back(std::move(sink));
  }
  return state;
}

}  // namespace wm::gateway_sim
