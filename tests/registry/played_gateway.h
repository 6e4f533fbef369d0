#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "protos/wm/v1/registry.grpc.pb.h"
#include "tests/registry/gateway_script.h"
#include "tests/registry/registry_stack.h"

namespace wm::testing {

// One gateway played on a RegistryStack's broker, every message with the next event id: its
// retained status, its packets, and the ten-node site the restart tests share.
//
//   PlayedGateway gateway(*stack, /*network=*/77);
//   ASSERT_TRUE(gateway.TenNodes().ok());
//   ASSERT_TRUE(WaitUntil([&] { return ListedNodeCounts(stack->registry_client()) ==
//                                      NodeCounts{10, 20}; }));
class PlayedGateway {
 public:
  PlayedGateway(RegistryStack& stack, uint64_t network, std::string gateway_id = "gw-1");

  // Its retained ONLINE status with these sinks.
  absl::Status Status(const std::vector<PlayedSink>& sinks);
  // A packet from `node` through sink0.
  absl::Status Packet(uint32_t node, uint32_t src_ep = 10, uint32_t dst_ep = 10,
                      const std::string& payload = "app");
  // sink0 (node address 1, channel 5), then nodes 1..10 with two packets each, the second of
  // node 1 being node diagnostics (router with autorole, 2.95 V).
  absl::Status TenNodes();

 private:
  RegistryStack& stack_;
  const uint64_t network_;
  const std::string gateway_id_;
  uint64_t event_id_ = 0;
};

// Node count and packet total.
using NodeCounts = std::pair<size_t, uint64_t>;

// What a registry lists over every page; {0, 0} when it does not answer.
NodeCounts ListedNodeCounts(wm::v1::Registry::Stub& client);

}  // namespace wm::testing
