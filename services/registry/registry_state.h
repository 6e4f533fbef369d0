#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "protos/wm/v1/events.pb.h"
#include "protos/wm/v1/registry.pb.h"
#include "services/registry/change_feed.h"
#include "services/registry/fact_time.h"
#include "services/registry/node_record.h"
#include "services/registry/registry_store.h"

namespace wm::registry {

// How a RegistryState ages nodes, and its clock (a fake one in tests).
struct RegistryStateOptions {
  // A node silent for longer than this is marked stale by SweepStale.
  absl::Duration node_stale_after = absl::Hours(1);
  // The registry's clock, for stale sweeps and for events without an ingest time.
  base::Clock clock = [] { return absl::Now(); };
};

// How many of each entity the registry holds, for its gauges.
struct RegistryCounts {
  size_t gateways_online = 0;
  size_t gateways_offline = 0;
  size_t gateways_unknown = 0;  // heard through packets or responses, no status yet
  size_t sinks = 0;
  size_t nodes_active = 0;
  size_t nodes_stale = 0;
  size_t networks = 0;
};

// The registry's inventory of gateways, sinks, networks and nodes, built from wm-ingest's
// events (docs/gateway-api.md "Correlation", "Status, last will and discovery"):
//   - a gateway status sets the gateway's state, model, version, features and max scratchpad
//     size, and, when it lists sink configurations, the gateway's whole set of sinks; an OFFLINE
//     status (the last will) carries no configurations and leaves the sinks as they were; an
//     empty retained status (state REMOVED) deletes the gateway and its sinks;
//   - a successful get_gw_info response sets model, version, features and max scratchpad size;
//   - a successful get_configs response (any backend's, or an unsolicited req_id 0 one) lists
//     the whole set of sinks, a successful set_config response one sink's configuration;
//   - a packet advances its gateway's last seen time and creates or updates its source node,
//     taking role, voltage, firmware, boot count and scratchpad sequence from node, boot and
//     v2 diagnostics.
// Facts are applied in the order the gateway made them, not the order they arrived in
// (docs/ordering.md): statuses, sink lists and sink configurations by the gateway's time in
// the message header (FactTime; reception order for a message without one, and for the last
// will, whose time is stale by design), node values by the packet's rx time. A status or
// configuration older than the one applied leaves it alone; a complete sink list removes only
// sinks no newer message reported, and adds none a newer list left out.
// Every change is counted in a sequence and published to the ChangeFeed; every changed entry
// is remembered until TakeDirty hands it to the store. Thread-safe: events, sweeps, queries
// and flushes may come from different threads.
//
//   RegistryState state(options, &feed);
//   state.Restore(*store->Load());
//   state.Apply(event);                   // for every event of the stream
//   store->Write(state.TakeDirty());      // every few hundred milliseconds
class RegistryState {
 public:
  static constexpr int kDefaultPageSize = 1000;
  static constexpr int kMaxPageSize = 10000;

  // `feed` may be null (no watchers); it must outlive the state.
  RegistryState(RegistryStateOptions options, ChangeFeed* feed);
  RegistryState(const RegistryState&) = delete;
  RegistryState& operator=(const RegistryState&) = delete;

  // Replaces the inventory with what a store loaded, at start. Marks nothing dirty and
  // publishes no change. Sinks of a gateway the snapshot lacks are dropped.
  void Restore(const RegistrySnapshot& snapshot);

  // Folds one event of wm-ingest's stream into the inventory. Kinds other than gateway
  // status, packet and response are ignored. Remembers the event's position (stream_epoch,
  // sequence) as the applied one, and skips, returning false, a live event at or before the
  // applied position in the same epoch: a resumed stream never applies an event twice. A live
  // event of another epoch is a new ingest run, applied whether its epoch is larger or not. Snapshot events are
  // always applied (a status applied again changes nothing), and events without an epoch
  // (an older ingest) are applied without a position.
  bool Apply(const wm::v1::Event& event);

  // The position of the latest event applied (or restored); unset before any.
  std::optional<StreamPoint> applied_position() const;

  // Marks every node silent for longer than node_stale_after (by the clock) as stale, and
  // returns how many were marked.
  size_t SweepStale();

  void ListGateways(const wm::v1::ListGatewaysRequest& request,
                    wm::v1::ListGatewaysResponse* out) const;
  // InvalidArgument for an empty id, NotFound for an unknown one.
  absl::StatusOr<wm::v1::Gateway> GetGateway(std::string_view id) const;
  void ListSinks(const wm::v1::ListSinksRequest& request, wm::v1::ListSinksResponse* out) const;
  void ListNetworks(wm::v1::ListNetworksResponse* out) const;
  // One page of nodes in (network, address) order. InvalidArgument for a negative page size,
  // a token that is not one of ours, or a token made for other filters.
  absl::Status ListNodes(const wm::v1::ListNodesRequest& request,
                         wm::v1::ListNodesResponse* out) const;
  // InvalidArgument for address 0 or 0xFFFFFFFF, NotFound for a node never heard.
  absl::StatusOr<wm::v1::Node> GetNode(uint64_t network, uint32_t address) const;

  RegistryCounts Counts() const;
  // The sequence number of the latest change.
  uint64_t change_sequence() const;

  // Every entry changed since the previous call, with its current value (or its key when it
  // is gone), for the store, and the applied position when it moved; forgets them. Taken
  // under one lock, so the batch's position is exactly that of the values in it.
  StoreBatch TakeDirty();
  // Remembers the entries of `batch` as changed again (its write failed); their current
  // values go with the next TakeDirty.
  void MarkDirty(const StoreBatch& batch);

 private:
  // A (gateway, sink) pair nodes were heard through. Routes are never forgotten (a node keeps
  // its route after the sink is gone), so their indexes stay valid.
  struct Route {
    std::string gateway_id;
    std::string sink_id;
    uint32_t nodes = 0;  // nodes whose latest packet came this way
  };
  struct SinkEntry {
    wm::v1::Sink sink;  // without node_count
    uint32_t route = 0;
    // The gateway's time of the report the configuration was last set by; with
    // sink.reported_ms_epoch (its reception), when that report was made.
    int64_t reported_gateway_ms = 0;

    FactTime reported() const {
      return {reported_gateway_ms, static_cast<int64_t>(sink.reported_ms_epoch())};
    }
  };
  struct GatewayEntry {
    wm::v1::Gateway gateway;  // without sink_ids
    // When the state, the info and the complete sink list applied were made (StoredGateway).
    FactTime state_time;
    FactTime info_time;
    FactTime sinks_time;
    absl::btree_map<std::string, SinkEntry> sinks;
    // sink id -> route index, so that a packet finds its route without building a key.
    absl::flat_hash_map<std::string, uint32_t> routes;
  };
  struct NetworkNodes {
    uint32_t nodes = 0;
    uint32_t stale = 0;
  };
  // A sink change published after its gateway's own change.
  struct SinkChange {
    wm::v1::ChangeKind kind;
    wm::v1::Sink sink;
  };

  int64_t EventTimeMs(const wm::v1::Event& event) const;
  // `fact` is when the gateway made the message; its received_ms is the event's time_ms.
  void ApplyStatusLocked(const wm::v1::Event& event, FactTime fact)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyPacketLocked(const wm::v1::Event& event, int64_t time_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyResponseLocked(const wm::v1::Event& event, FactTime fact)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets what a get_gw_info answer reports, unless a newer status or answer did.
  void ApplyGatewayInfoLocked(GatewayEntry& entry, const wm::v1::GatewayInfo& info, FactTime fact)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The gateway's entry, created (and published as added) when unknown; advances last seen.
  GatewayEntry& TouchGatewayLocked(const std::string& id, int64_t time_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveGatewayLocked(const std::string& id, int64_t time_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets the configurations of the sinks listed that no newer message reported; with
  // `complete`, removes the others that no newer message reported. With `supersedes` (the
  // first status of a new connection), the list is newer than anything the gateway said
  // before, whatever its time.
  void ApplySinkConfigsLocked(GatewayEntry& gateway,
                              const google::protobuf::RepeatedPtrField<wm::v1::SinkConfig>& configs,
                              FactTime fact, bool complete, bool supersedes,
                              std::vector<SinkChange>* changes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t InternRouteLocked(absl::string_view gateway_id, absl::string_view sink_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t RouteLocked(GatewayEntry& gateway, absl::string_view sink_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Counts a change and hands it to the feed, which builds it (`fill` sets its entity) when
  // its log keeps changes or someone watches.
  template <typename Fill>
  void PublishLocked(wm::v1::ChangeKind kind, int64_t time_ms, Fill fill)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishSinkChangesLocked(std::vector<SinkChange>& changes, int64_t time_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishNodeLocked(wm::v1::ChangeKind kind, int64_t time_ms, const NodeKey& key,
                         const NodeRecord& node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void ToGatewayProtoLocked(const GatewayEntry& entry, wm::v1::Gateway* out) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void ToSinkProtoLocked(const SinkEntry& entry, wm::v1::Sink* out) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void ToNodeProtoLocked(const NodeKey& key, const NodeRecord& node, wm::v1::Node* out) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const absl::Duration node_stale_after_;
  const base::Clock clock_;
  ChangeFeed* const feed_;

  mutable absl::Mutex mu_;
  absl::btree_map<std::string, GatewayEntry> gateways_ ABSL_GUARDED_BY(mu_);
  std::vector<Route> routes_ ABSL_GUARDED_BY(mu_);
  // Length-prefixed "gateway" + "sink" -> index in routes_.
  absl::flat_hash_map<std::string, uint32_t> route_ids_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<NodeKey, NodeRecord> nodes_ ABSL_GUARDED_BY(mu_);
  // The keys of nodes_, in listing order.
  absl::btree_set<NodeKey> node_order_ ABSL_GUARDED_BY(mu_);
  absl::btree_map<uint64_t, NetworkNodes> network_nodes_ ABSL_GUARDED_BY(mu_);
  size_t stale_nodes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t change_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<StreamPoint> applied_position_ ABSL_GUARDED_BY(mu_);
  bool position_dirty_ ABSL_GUARDED_BY(mu_) = false;

  absl::flat_hash_set<std::string> dirty_gateways_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::pair<std::string, std::string>> dirty_sinks_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<NodeKey> dirty_nodes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wm::registry
