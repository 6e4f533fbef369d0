#include "tests/registry/played_gateway.h"

#include "absl/time/clock.h"
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

PacketCounts ListedPackets(wm::v1::Registry::Stub& client) {
  PacketCounts packets;
  absl::StatusOr<std::vector<wm::v1::Node>> nodes = ListAllNodes(client);
  if (!nodes.ok()) return packets;
  for (const wm::v1::Node& node : *nodes) {
    packets[{node.network_address(), node.address()}] = node.packets();
  }
  return packets;
}

PacketFlow::PacketFlow(std::vector<PlayedGateway*> gateways, uint32_t nodes, absl::Duration pause)
    : thread_([this, gateways = std::move(gateways), nodes, pause] {
        for (uint64_t i = 0; !stop_.load(); ++i) {
          PlayedGateway& gateway = *gateways[i % gateways.size()];
          const uint32_t node = static_cast<uint32_t>(i / gateways.size() % nodes) + 1;
          if (!gateway.Packet(node).ok()) {
            failed_ = true;
            return;
          }
          {
            absl::MutexLock lock(&mu_);
            ++published_[{gateway.network(), node}];
            ++total_;
          }
          absl::SleepFor(pause);  // pace, see the class comment
        }
      }) {}

PacketFlow::~PacketFlow() { Stop(); }

void PacketFlow::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

uint64_t PacketFlow::total() {
  absl::MutexLock lock(&mu_);
  return total_;
}

PacketCounts PacketFlow::published() {
  absl::MutexLock lock(&mu_);
  return published_;
}

}  // namespace wm::testing
