#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/wirepas/message.h"
#include "tools/gateway_sim/payload_mix.h"
#include "tools/gateway_sim/provisioning_node.h"
#include "tools/gateway_sim/sim_random.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {

// What received_data traffic to generate.
struct TrafficOptions {
  // Stop after this many unique packets; 0 = never.
  int64_t count = 0;
  // After every unique packet, floor(unique * ratio) duplicates are due in total: each one is
  // an already sent packet published again with the same event_id (what a QoS 1 retry or a
  // gateway with two paths produces). 0..1.
  double duplicate_ratio = 0;
  // Likewise for payloads that are not a GenericMessage, published on a received_data topic.
  double garbage_ratio = 0;
  // Every second garbage message goes to a malformed received_data topic instead
  // (a network that is not a number, a missing endpoint).
  bool garbage_on_malformed_topic = false;
  // How often each kind of payload is sent: each unique packet's kind is drawn from these
  // weights, then its sender among the nodes that send that kind (any node for its
  // application's data, v1 or v2 nodes for their diagnostics, routers for advertiser reports,
  // joining nodes for provisioning). Kinds that no node sends are left out.
  PayloadMix payload_mix;
  // Share of nodes that have just booted: their first packet is boot diagnostics. 0..1.
  double booted_share = 0.25;
};

// Where the generator finds the provisioning state of joining node `node` of sink `sink` of
// gateway `gateway` (indexes into the topology), e.g. the simulator's GatewayState, so that
// the nodes remember the sessions their STARTs open and stop once provisioned.
using JoiningNodeLookup =
    std::function<JoiningNodeState*(size_t gateway, size_t sink, size_t node)>;

// Kinds of packets the generator produces.
enum class PacketKind { kUnique, kDuplicate, kGarbage };

// One received_data message to publish at QoS 1 on behalf of a gateway.
struct OutgoingPacket {
  PacketKind kind = PacketKind::kUnique;
  size_t gateway = 0;  // index into Topology::gateways
  size_t sink = 0;     // index into the gateway's sinks
  std::string topic;
  std::string payload;
  uint64_t event_id = 0;  // 0 for garbage
};

// Packets generated so far.
struct TrafficCounts {
  int64_t unique = 0;
  int64_t duplicates = 0;
  int64_t garbage = 0;
};

// Produces the received_data traffic of every node of a topology: PacketReceivedEvents with
// every header field filled (random event_id, travel time from the node's hop count, rx time,
// qos, hop count, network address) and realistic payloads of every kind in the payload mix,
// plus the configured duplicates and garbage. A topology without nodes, or a mix whose kinds
// no node sends, gives no packets. Joining nodes send START (StartProvisioning) until they
// are provisioned; once every joining node is, provisioning_start is left out of the mix.
// Not thread-safe.
//
//   TrafficGenerator traffic(topology, options, SimRandom(seed), SimRandom(entropy), absl::Now);
//   while (std::optional<OutgoingPacket> packet = traffic.Next()) Publish(*packet);
class TrafficGenerator {
 public:
  using Clock = base::Clock;

  // `topology` must outlive the generator. `traffic_random` decides nodes, endpoints and
  // values (reproducible from a seed); `event_ids` draws event ids (seed it from entropy so
  // that two runs do not reuse ids a backend has already seen). `joining_nodes` gives the
  // joining nodes' state, which must outlive the generator and be changed only on the thread
  // that calls Next(); without it, the generator keeps its own (never provisioned).
  TrafficGenerator(const Topology& topology, TrafficOptions options, SimRandom traffic_random,
                   SimRandom event_ids, Clock clock, JoiningNodeLookup joining_nodes = nullptr);

  // The next packet; nullopt once `count` unique packets and the duplicates and garbage due
  // for them have been produced (never with count 0).
  std::optional<OutgoingPacket> Next();

  // True once Next() has nothing more to give.
  bool Done() const;

  const TrafficCounts& counts() const { return counts_; }

 private:
  // A node (or, for provisioning_start, a joining node) of one sink.
  struct NodeRef {
    size_t gateway;
    size_t sink;
    size_t node;
  };
  // Per-node state that changes as the node sends.
  struct NodeTraffic {
    uint16_t app_sequence = 0;      // application data, Ruuvi, positioning and test counters
    uint8_t adv_message_count = 0;  // a router's advertiser report count
    bool boot_pending = false;      // the next packet is boot diagnostics
  };
  // One kind of the mix that some node sends, with the cumulated weight up to it.
  struct KindChoice {
    PayloadKind kind;
    double cumulated_weight;
  };
  // What the unique packet being built says about itself.
  struct UniqueContent {
    uint8_t src_ep = 0;
    uint8_t dst_ep = 0;
    uint32_t qos = 0;
    std::string payload;
  };

  // The kinds that some node sends, and which node can send each.
  void IndexSenders();
  PayloadKind DrawKind();
  // The kinds to draw from: without provisioning_start once every joining node is provisioned.
  const std::vector<KindChoice>& Kinds() const;
  // The state of joining node `index` (into joining_nodes_).
  JoiningNodeState& JoiningState(size_t index);
  // A joining node that still asks to join, from `senders` (the draw first, then the next ones
  // in turn); nullopt when every one is provisioned.
  std::optional<size_t> PickJoiningNode(const std::vector<size_t>& senders);
  // nullopt when the drawn kind had no sender left and no other kind remains.
  std::optional<OutgoingPacket> NextUnique();
  // Content of a packet of `kind` from mesh node `index` (boot diagnostics when pending).
  UniqueContent NodeContent(PayloadKind kind, size_t index);
  OutgoingPacket BuildPacket(size_t gateway, size_t sink, uint32_t source_address,
                             uint32_t hop_count, UniqueContent content);
  OutgoingPacket NextDuplicate();
  OutgoingPacket NextGarbage();
  // The number of extra messages due after `unique` unique packets at `ratio`.
  static int64_t Due(int64_t unique, double ratio);

  const Topology& topology_;
  const TrafficOptions options_;
  SimRandom random_;
  SimRandom event_ids_;
  Clock clock_;
  std::vector<NodeRef> nodes_;
  std::vector<NodeTraffic> node_traffic_;
  std::vector<NodeRef> joining_nodes_;
  std::vector<uint8_t> joining_sessions_;  // the next session id of each joining node
  JoiningNodeLookup joining_lookup_;
  // The joining nodes' state when no lookup is given, by index into joining_nodes_.
  std::vector<JoiningNodeState> own_joining_;
  // Set once every joining node was found provisioned (it never reverts).
  bool all_joined_ = false;
  // Per kind, the indexes of the nodes (joining nodes for provisioning_start) that send it.
  std::array<std::vector<size_t>, kPayloadKindCount> senders_;
  std::vector<KindChoice> kinds_;
  std::vector<KindChoice> kinds_without_provisioning_;
  // Recently sent unique packets, candidates for duplicates.
  std::deque<OutgoingPacket> recent_;
  int64_t duplicates_owed_ = 0;
  int64_t garbage_owed_ = 0;
  TrafficCounts counts_;
  wirepas::GenericMessage scratch_;
};

}  // namespace wm::gateway_sim
