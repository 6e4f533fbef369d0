#include "tests/registry/played_gateway.h"

#include "tests/ingest/gateway_messages.h"

namespace wm::testing {

PlayedGateway::PlayedGateway(RegistryStack& stack, uint64_t network, std::string gateway_id)
    : stack_(stack), network_(network), gateway_id_(std::move(gateway_id)) {}

absl::Status PlayedGateway::Status(const std::vector<PlayedSink>& sinks) {
  return stack_.Publish(GatewayStatusTopic(gateway_id_),
                        OnlineStatusBytes(gateway_id_, sinks, ++event_id_), /*retained=*/true);
}

absl::Status PlayedGateway::Packet(uint32_t node, uint32_t src_ep, uint32_t dst_ep,
                                   const std::string& payload) {
  GatewayPacket packet{.gateway_id = gateway_id_,
                       .network_address = network_,
                       .event_id = ++event_id_,
                       .source_address = node,
                       .source_endpoint = src_ep,
                       .destination_endpoint = dst_ep,
                       .payload = payload};
  return stack_.Publish(packet.Topic(), packet.Bytes());
}

absl::Status PlayedGateway::TenNodes() {
  if (absl::Status s = Status({{"sink0", network_, 1, 5}}); !s.ok()) return s;
  for (uint32_t node = 1; node <= 10; ++node) {
    if (absl::Status s = Packet(node); !s.ok()) return s;
    absl::Status second =
        node == 1 ? Packet(node, 253, 255, NodeDiagnosticsPayload(0x82, 95)) : Packet(node);
    if (!second.ok()) return second;
  }
  return absl::OkStatus();
}

NodeCounts ListedNodeCounts(wm::v1::Registry::Stub& client) {
  absl::StatusOr<std::vector<wm::v1::Node>> nodes = ListAllNodes(client);
  if (!nodes.ok()) return {0, 0};
  uint64_t packets = 0;
  for (const wm::v1::Node& node : *nodes) packets += node.packets();
  return {nodes->size(), packets};
}

}  // namespace wm::testing
