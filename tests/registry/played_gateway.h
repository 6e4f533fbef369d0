#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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

  uint64_t network() const { return network_; }

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

// A node as the registry keys it: (network address, node address).
using NodeKey = std::pair<uint64_t, uint32_t>;
// Packets per node.
using PacketCounts = std::map<NodeKey, uint64_t>;

// The per-node packet counts a registry lists over every page; empty when it does not answer.
PacketCounts ListedPackets(wm::v1::Registry::Stub& client);

// Publishes packets on a thread of its own until stopped: nodes 1..`nodes` of each gateway in
// turn, one packet at a time (waiting for the broker's acknowledgement), counting what the
// broker accepted per node. Paced by `pause` after each packet: a backlog longer than
// ingest's stream queue (subscriber_queue_size) would be cut by a SLOW_CONSUMER gap by design
// (docs/event-stream.md), and the tests using it are about restarts, not overload.
//
//   PacketFlow flow({&gateway_a, &gateway_b});
//   ... restart things ...
//   flow.Stop();
//   EXPECT_EQ(ListedPackets(stack->registry_client()), flow.published());
class PacketFlow {
 public:
  // The gateways must outlive the flow and publish nothing else while it runs.
  explicit PacketFlow(std::vector<PlayedGateway*> gateways, uint32_t nodes = 10,
                      absl::Duration pause = absl::Milliseconds(1));
  // Stops it.
  ~PacketFlow();

  // Returns once the current packet is published; no packet follows.
  void Stop();
  // Packets the broker accepted so far.
  uint64_t total();
  // The same per node.
  PacketCounts published();
  // A publish failed (the flow stopped there).
  bool failed() const { return failed_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  absl::Mutex mu_;
  PacketCounts published_ ABSL_GUARDED_BY(mu_);
  uint64_t total_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace wm::testing
