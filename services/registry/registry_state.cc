#include "services/registry/registry_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "libs/wirepas/address.h"
#include "services/registry/page_token.h"
#include "spdlog/spdlog.h"

namespace wm::registry {
namespace {

constexpr int32_t kResultOk = 0;

uint64_t NonNegative(int64_t ms) { return ms > 0 ? static_cast<uint64_t>(ms) : 0; }

// Whether a gateway's reported facts (not its times) are the same.
bool SameFacts(const wm::v1::Gateway& a, const wm::v1::Gateway& b) {
  return a.state() == b.state() && a.model() == b.model() && a.version() == b.version() &&
         a.has_max_scratchpad_size() == b.has_max_scratchpad_size() &&
         a.max_scratchpad_size() == b.max_scratchpad_size() &&
         std::equal(a.features().begin(), a.features().end(), b.features().begin(),
                    b.features().end());
}

}  // namespace

RegistryState::RegistryState(RegistryStateOptions options, ChangeFeed* feed)
    : node_stale_after_(options.node_stale_after), clock_(std::move(options.clock)), feed_(feed) {
  // Change sequences go on increasing across restarts: each run starts at its start time in
  // microseconds, above every number an earlier run handed out unless that run averaged more
  // than a million changes a second. A client that listed before a restart and watches after
  // it therefore still applies the new run's changes (their sequence is above its list's).
  const int64_t start_us = absl::ToUnixMicros(clock_());
  change_sequence_ = start_us > 0 ? static_cast<uint64_t>(start_us) : 0;
  if (feed_ != nullptr) feed_->BeginRun(change_sequence_);
}

void RegistryState::Restore(const RegistrySnapshot& snapshot) {
  absl::MutexLock lock(&mu_);
  gateways_.clear();
  routes_.clear();
  route_ids_.clear();
  nodes_.clear();
  node_order_.clear();
  network_nodes_.clear();
  stale_nodes_ = 0;
  applied_position_ = snapshot.position;
  position_dirty_ = false;
  for (const StoredGateway& stored : snapshot.gateways) {
    const wm::v1::Gateway& gateway = stored.gateway;
    if (gateway.id().empty()) continue;
    GatewayEntry& entry = gateways_[gateway.id()];
    entry.gateway = gateway;
    entry.gateway.clear_sink_ids();
    entry.state_time = stored.state;
    entry.info_time = stored.info;
    entry.sinks_time = stored.sinks;
  }
  for (const StoredSink& stored : snapshot.sinks) {
    const wm::v1::Sink& sink = stored.sink;
    auto gateway = gateways_.find(sink.gateway_id());
    if (gateway == gateways_.end() || sink.sink_id().empty()) {
      spdlog::warn("registry_restore_orphan_sink gateway={} sink={}", sink.gateway_id(),
                   sink.sink_id());
      continue;
    }
    SinkEntry& entry = gateway->second.sinks[sink.sink_id()];
    entry.sink = sink;
    entry.sink.clear_node_count();
    entry.reported_gateway_ms = stored.reported_gateway_ms;
    entry.route = RouteLocked(gateway->second, sink.sink_id());
  }
  nodes_.reserve(snapshot.nodes.size());
  for (const StoredNode& stored : snapshot.nodes) {
    NodeRecord record = stored.record;
    record.route = InternRouteLocked(stored.gateway_id, stored.sink_id);
    auto [it, added] = nodes_.try_emplace(stored.key, record);
    if (!added) continue;
    ++routes_[record.route].nodes;
    node_order_.insert(stored.key);
    NetworkNodes& network = network_nodes_[stored.key.network];
    ++network.nodes;
    if (record.stale) {
      ++network.stale;
      ++stale_nodes_;
    }
  }
}

int64_t RegistryState::EventTimeMs(const wm::v1::Event& event) const {
  if (event.ingest_time_ms_epoch() > 0) {
    return static_cast<int64_t>(event.ingest_time_ms_epoch());
  }
  return absl::ToUnixMillis(clock_());
}

std::optional<StreamPoint> RegistryState::applied_position() const {
  absl::MutexLock lock(&mu_);
  return applied_position_;
}

bool RegistryState::Apply(const wm::v1::Event& event) {
  const int64_t time_ms = EventTimeMs(event);
  // A gateway time beyond int64 is no time (it would compare as negative).
  const int64_t gateway_ms = event.gateway_time_ms_epoch() <= INT64_MAX
                                 ? static_cast<int64_t>(event.gateway_time_ms_epoch())
                                 : 0;
  const FactTime fact{gateway_ms, time_ms};
  absl::MutexLock lock(&mu_);
  if (event.stream_epoch() != 0 && event.sequence() != 0) {
    const StreamPoint position{event.stream_epoch(), event.sequence()};
    // Only positions of one epoch compare: a stream carries one ingest run, so a live event
    // of another epoch is a new run, even one whose host clock went back (an older epoch).
    const bool applied_already = applied_position_.has_value() &&
                                 applied_position_->stream_epoch == position.stream_epoch &&
                                 applied_position_->sequence >= position.sequence;
    if (applied_already || (event.snapshot() && applied_position_.has_value())) {
      if (!event.snapshot()) return false;  // applied already
    } else {
      applied_position_ = position;
      position_dirty_ = true;
    }
  }
  switch (event.kind()) {
    case wm::v1::EVENT_KIND_GATEWAY_STATUS:
      if (event.has_status()) ApplyStatusLocked(event, fact);
      break;
    case wm::v1::EVENT_KIND_PACKET_RECEIVED:
      if (event.has_packet()) ApplyPacketLocked(event, time_ms);
      break;
    case wm::v1::EVENT_KIND_RESPONSE:
      if (event.has_response()) ApplyResponseLocked(event, fact);
      break;
    default:
      break;
  }
  return true;
}

void RegistryState::ApplyStatusLocked(const wm::v1::Event& event, FactTime fact) {
  const int64_t time_ms = fact.received_ms;
  const std::string& id = event.gateway_id();
  if (id.empty()) return;
  const wm::v1::GatewayStatus& status = event.status();
  if (status.state() == wm::v1::GATEWAY_STATE_REMOVED) {
    RemoveGatewayLocked(id, time_ms);
    return;
  }
  // The last will is built when the gateway starts, so its time is that of the start, older
  // than everything the gateway said since: the broker publishes it when the connection is
  // lost, and it is ordered by its reception (docs/ordering.md).
  if (status.state() == wm::v1::GATEWAY_STATE_OFFLINE) fact.gateway_ms = 0;
  auto [it, added] = gateways_.try_emplace(id);
  GatewayEntry& entry = it->second;
  wm::v1::Gateway& gateway = entry.gateway;
  const wm::v1::Gateway before = gateway;
  // An ONLINE status that finds the gateway offline is the first of a new connection: the
  // gateway publishes it on connecting, ahead of any backlog, so it is newer than everything
  // the gateway said before, whatever its clock says (a restarted gateway's may be behind).
  const bool reconnected = !added && status.state() == wm::v1::GATEWAY_STATE_ONLINE &&
                           gateway.state() == wm::v1::GATEWAY_STATE_OFFLINE;
  auto advanced = [&](const FactTime& applied) {
    return reconnected ? FactTime{fact.gateway_ms, std::max(applied.received_ms, time_ms)}
                       : Advance(applied, fact);
  };
  gateway.set_id(id);
  gateway.set_last_seen_ms_epoch(std::max(gateway.last_seen_ms_epoch(), NonNegative(time_ms)));
  if (reconnected || NotOlder(fact, entry.state_time)) {
    entry.state_time = advanced(entry.state_time);
    if (status.state() != wm::v1::GATEWAY_STATE_UNSPECIFIED && status.state() != gateway.state()) {
      gateway.set_state(status.state());
      gateway.set_state_since_ms_epoch(NonNegative(time_ms));
    }
  }
  if (reconnected || NotOlder(fact, entry.info_time)) {
    entry.info_time = advanced(entry.info_time);
    // A last will carries model and version but neither features nor configurations; fields
    // a status leaves out keep their value, except what only an ONLINE status reports in full.
    if (!status.model().empty()) gateway.set_model(status.model());
    if (!status.firmware().empty()) gateway.set_version(status.firmware());
    if (status.state() == wm::v1::GATEWAY_STATE_ONLINE) {
      *gateway.mutable_features() = status.features();
      if (status.has_max_scratchpad_size()) {
        gateway.set_max_scratchpad_size(status.max_scratchpad_size());
      } else {
        gateway.clear_max_scratchpad_size();
      }
    }
  }
  dirty_gateways_.insert(id);
  std::vector<SinkChange> sink_changes;
  if (status.configs_size() > 0) {
    ApplySinkConfigsLocked(entry, status.configs(), fact, /*complete=*/true,
                           /*supersedes=*/reconnected, &sink_changes);
  }
  if (added || !SameFacts(before, gateway)) {
    PublishLocked(added ? wm::v1::CHANGE_KIND_ADDED : wm::v1::CHANGE_KIND_UPDATED, time_ms,
                  [&](wm::v1::RegistryChange* change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                    ToGatewayProtoLocked(entry, change->mutable_gateway());
                  });
  }
  PublishSinkChangesLocked(sink_changes, time_ms);
}

void RegistryState::ApplyResponseLocked(const wm::v1::Event& event, FactTime fact) {
  const int64_t time_ms = fact.received_ms;
  if (event.gateway_id().empty()) return;
  GatewayEntry& gateway = TouchGatewayLocked(event.gateway_id(), time_ms);
  const wm::v1::GatewayResponse& response = event.response();
  // A failed set_config may carry only the sink id (INVALID_SINK_ID): not a configuration.
  if (response.result() != kResultOk) return;
  std::vector<SinkChange> sink_changes;
  switch (response.method()) {
    case wm::v1::GATEWAY_METHOD_GET_CONFIGS:
      // Lists every sink the gateway has (docs/gateway-api.md "get_configs, set_config,
      // get_gw_info").
      ApplySinkConfigsLocked(gateway, response.configs(), fact, /*complete=*/true,
                             /*supersedes=*/false, &sink_changes);
      break;
    case wm::v1::GATEWAY_METHOD_SET_CONFIG:
      ApplySinkConfigsLocked(gateway, response.configs(), fact, /*complete=*/false,
                             /*supersedes=*/false, &sink_changes);
      break;
    case wm::v1::GATEWAY_METHOD_GET_GW_INFO:
      if (response.has_gateway_info()) {
        ApplyGatewayInfoLocked(gateway, response.gateway_info(), fact);
      }
      break;
    default:
      break;
  }
  PublishSinkChangesLocked(sink_changes, time_ms);
}

void RegistryState::ApplyGatewayInfoLocked(GatewayEntry& entry, const wm::v1::GatewayInfo& info,
                                           FactTime fact) {
  if (!NotOlder(fact, entry.info_time)) return;
  entry.info_time = Advance(entry.info_time, fact);
  wm::v1::Gateway& gateway = entry.gateway;
  const wm::v1::Gateway before = gateway;
  if (!info.model().empty()) gateway.set_model(info.model());
  if (!info.version().empty()) gateway.set_version(info.version());
  *gateway.mutable_features() = info.features();
  if (info.has_max_scratchpad_size()) {
    gateway.set_max_scratchpad_size(info.max_scratchpad_size());
  } else {
    gateway.clear_max_scratchpad_size();
  }
  dirty_gateways_.insert(gateway.id());
  if (!SameFacts(before, gateway)) {
    PublishLocked(wm::v1::CHANGE_KIND_UPDATED, fact.received_ms,
                  [&](wm::v1::RegistryChange* change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                    ToGatewayProtoLocked(entry, change->mutable_gateway());
                  });
  }
}

void RegistryState::ApplyPacketLocked(const wm::v1::Event& event, int64_t time_ms) {
  if (event.gateway_id().empty()) return;
  GatewayEntry& gateway = TouchGatewayLocked(event.gateway_id(), time_ms);
  const wm::v1::PacketReceived& packet = event.packet();
  if (!wirepas::IsNodeAddress(packet.source_address())) return;

  PacketObservation observation;
  observation.route = RouteLocked(gateway, event.sink_id());
  observation.seen_ms = time_ms;
  observation.rx_ms = static_cast<int64_t>(packet.rx_time_ms_epoch());
  observation.travel_time_ms = packet.travel_time_ms();
  observation.hop_count = packet.hop_count();
  ReadNodeValues(packet, &observation);

  const NodeKey key{packet.network_address(), packet.source_address()};
  auto [it, added] = nodes_.try_emplace(key);
  NodeRecord& node = it->second;
  if (added) {
    node.first_seen_ms = time_ms;
    node.route = observation.route;
    ++routes_[node.route].nodes;
    node_order_.insert(key);
    ++network_nodes_[key.network].nodes;
  }
  const uint32_t route_before = node.route;
  const bool stale_before = node.stale;
  const bool changed = MergePacket(observation, &node);
  if (node.route != route_before) {
    --routes_[route_before].nodes;
    ++routes_[node.route].nodes;
  }
  if (stale_before && !node.stale) {
    --stale_nodes_;
    --network_nodes_[key.network].stale;
  }
  dirty_nodes_.insert(key);
  if (added) {
    PublishNodeLocked(wm::v1::CHANGE_KIND_ADDED, time_ms, key, node);
  } else if (changed) {
    PublishNodeLocked(wm::v1::CHANGE_KIND_UPDATED, time_ms, key, node);
  }
}

RegistryState::GatewayEntry& RegistryState::TouchGatewayLocked(const std::string& id,
                                                               int64_t time_ms) {
  auto [it, added] = gateways_.try_emplace(id);
  GatewayEntry& entry = it->second;
  const uint64_t seen = NonNegative(time_ms);
  if (added) {
    entry.gateway.set_id(id);
    entry.gateway.set_last_seen_ms_epoch(seen);
    dirty_gateways_.insert(id);
    PublishLocked(wm::v1::CHANGE_KIND_ADDED, time_ms,
                  [&](wm::v1::RegistryChange* change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                    ToGatewayProtoLocked(entry, change->mutable_gateway());
                  });
  } else if (seen > entry.gateway.last_seen_ms_epoch()) {
    entry.gateway.set_last_seen_ms_epoch(seen);
    dirty_gateways_.insert(id);
  }
  return entry;
}

void RegistryState::RemoveGatewayLocked(const std::string& id, int64_t time_ms) {
  auto it = gateways_.find(id);
  if (it == gateways_.end()) return;
  GatewayEntry& entry = it->second;
  std::vector<SinkChange> sink_changes;
  for (const auto& [sink_id, sink] : entry.sinks) {
    dirty_sinks_.insert({id, sink_id});
    SinkChange& change = sink_changes.emplace_back();
    change.kind = wm::v1::CHANGE_KIND_REMOVED;
    ToSinkProtoLocked(sink, &change.sink);
  }
  PublishSinkChangesLocked(sink_changes, time_ms);
  wm::v1::Gateway gone;
  ToGatewayProtoLocked(entry, &gone);
  gone.set_state(wm::v1::GATEWAY_STATE_REMOVED);
  gone.set_state_since_ms_epoch(NonNegative(time_ms));
  gateways_.erase(it);
  dirty_gateways_.insert(id);
  PublishLocked(wm::v1::CHANGE_KIND_REMOVED, time_ms,
                [&](wm::v1::RegistryChange* change) { *change->mutable_gateway() = gone; });
}

void RegistryState::ApplySinkConfigsLocked(
    GatewayEntry& gateway, const google::protobuf::RepeatedPtrField<wm::v1::SinkConfig>& configs,
    FactTime fact, bool complete, bool supersedes, std::vector<SinkChange>* changes) {
  const std::string& gateway_id = gateway.gateway.id();
  auto newer_than = [&](const FactTime& applied) { return supersedes || NotOlder(fact, applied); };
  // What an entry's time becomes when this message sets it.
  auto advanced = [&](const FactTime& applied) {
    return supersedes ? FactTime{fact.gateway_ms, std::max(applied.received_ms, fact.received_ms)}
                      : Advance(applied, fact);
  };
  // Only a message newer than the newest complete list may add a sink (one that list left
  // out was gone by then) or, when it is complete itself, replace the list.
  const bool newest_list = newer_than(gateway.sinks_time);
  absl::flat_hash_set<absl::string_view> reported;
  for (const wm::v1::SinkConfig& config : configs) {
    const std::string& sink_id = config.sink_id();
    if (sink_id.empty()) continue;
    reported.insert(sink_id);
    auto found = gateway.sinks.find(sink_id);
    const bool added = found == gateway.sinks.end();
    // An older report than the sink's latest (a held-back answer, a status replayed in the
    // snapshot of a new stream) does not undo a newer configuration.
    if (added ? !newest_list : !newer_than(found->second.reported())) continue;
    SinkEntry& entry = added ? gateway.sinks[sink_id] : found->second;
    if (added) {
      entry.sink.set_gateway_id(gateway_id);
      entry.sink.set_sink_id(sink_id);
      entry.route = RouteLocked(gateway, sink_id);
    }
    const bool changed =
        added || !google::protobuf::util::MessageDifferencer::Equals(entry.sink.config(), config);
    if (changed) *entry.sink.mutable_config() = config;
    const FactTime was = entry.reported();
    const FactTime now = advanced(was);
    if (changed || now != was) {
      entry.reported_gateway_ms = now.gateway_ms;
      entry.sink.set_reported_ms_epoch(NonNegative(now.received_ms));
      dirty_sinks_.insert({gateway_id, sink_id});
    }
    if (changed) {
      SinkChange& change = changes->emplace_back();
      change.kind = added ? wm::v1::CHANGE_KIND_ADDED : wm::v1::CHANGE_KIND_UPDATED;
      ToSinkProtoLocked(entry, &change.sink);
    }
  }
  if (!complete || !newest_list) return;
  const FactTime listed = advanced(gateway.sinks_time);
  if (listed != gateway.sinks_time) {
    gateway.sinks_time = listed;
    dirty_gateways_.insert(gateway_id);
  }
  for (auto it = gateway.sinks.begin(); it != gateway.sinks.end();) {
    // A sink a newer message reported (a set_config answer, a later status) outlives an
    // older complete list.
    if (reported.contains(it->first) || !newer_than(it->second.reported())) {
      ++it;
      continue;
    }
    SinkChange& change = changes->emplace_back();
    change.kind = wm::v1::CHANGE_KIND_REMOVED;
    ToSinkProtoLocked(it->second, &change.sink);
    dirty_sinks_.insert({gateway_id, it->first});
    it = gateway.sinks.erase(it);
  }
}

uint32_t RegistryState::InternRouteLocked(absl::string_view gateway_id, absl::string_view sink_id) {
  std::string key = absl::StrCat(gateway_id.size(), ":", gateway_id, sink_id);
  auto [it, added] = route_ids_.try_emplace(std::move(key), static_cast<uint32_t>(routes_.size()));
  if (added) routes_.push_back({std::string(gateway_id), std::string(sink_id), 0});
  return it->second;
}

uint32_t RegistryState::RouteLocked(GatewayEntry& gateway, absl::string_view sink_id) {
  auto cached = gateway.routes.find(sink_id);
  if (cached != gateway.routes.end()) return cached->second;
  const uint32_t route = InternRouteLocked(gateway.gateway.id(), sink_id);
  gateway.routes.emplace(sink_id, route);
  return route;
}

template <typename Fill>
void RegistryState::PublishLocked(wm::v1::ChangeKind kind, int64_t time_ms, Fill fill) {
  ++change_sequence_;
  if (feed_ == nullptr) return;
  // The feed builds the message only when its change log keeps changes or someone watches
  // (docs/registry-changes.md "Cost").
  feed_->Publish(change_sequence_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> ChangePtr {
    auto change = std::make_shared<wm::v1::RegistryChange>();
    change->set_sequence(change_sequence_);
    change->set_kind(kind);
    change->set_time_ms_epoch(NonNegative(time_ms));
    fill(change.get());
    return change;
  });
}

void RegistryState::PublishSinkChangesLocked(std::vector<SinkChange>& changes, int64_t time_ms) {
  for (SinkChange& sink_change : changes) {
    PublishLocked(sink_change.kind, time_ms, [&](wm::v1::RegistryChange* change) {
      *change->mutable_sink() = std::move(sink_change.sink);
    });
  }
}

void RegistryState::PublishNodeLocked(wm::v1::ChangeKind kind, int64_t time_ms, const NodeKey& key,
                                      const NodeRecord& node) {
  PublishLocked(kind, time_ms,
                [&](wm::v1::RegistryChange* change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                  ToNodeProtoLocked(key, node, change->mutable_node());
                });
}

size_t RegistryState::SweepStale() {
  const int64_t now_ms = absl::ToUnixMillis(clock_());
  const int64_t cutoff_ms = now_ms - absl::ToInt64Milliseconds(node_stale_after_);
  absl::MutexLock lock(&mu_);
  size_t marked = 0;
  for (auto& [key, node] : nodes_) {
    if (node.stale || node.last_seen_ms >= cutoff_ms) continue;
    node.stale = true;
    ++stale_nodes_;
    ++network_nodes_[key.network].stale;
    dirty_nodes_.insert(key);
    ++marked;
    PublishNodeLocked(wm::v1::CHANGE_KIND_STALE, now_ms, key, node);
  }
  return marked;
}

void RegistryState::ToGatewayProtoLocked(const GatewayEntry& entry, wm::v1::Gateway* out) const {
  *out = entry.gateway;
  for (const auto& [sink_id, sink] : entry.sinks) out->add_sink_ids(sink_id);
}

void RegistryState::ToSinkProtoLocked(const SinkEntry& entry, wm::v1::Sink* out) const {
  *out = entry.sink;
  out->set_node_count(routes_[entry.route].nodes);
}

void RegistryState::ToNodeProtoLocked(const NodeKey& key, const NodeRecord& node,
                                      wm::v1::Node* out) const {
  const Route& route = routes_[node.route];
  ToNodeProto(key, node, route.gateway_id, route.sink_id, out);
}

void RegistryState::ListGateways(const wm::v1::ListGatewaysRequest& request,
                                 wm::v1::ListGatewaysResponse* out) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [id, entry] : gateways_) {
    if (request.has_state() && entry.gateway.state() != request.state()) continue;
    ToGatewayProtoLocked(entry, out->add_gateways());
  }
  out->set_change_sequence(change_sequence_);
}

absl::StatusOr<wm::v1::Gateway> RegistryState::GetGateway(std::string_view id) const {
  if (id.empty()) return absl::InvalidArgumentError("gateway_id is empty");
  const absl::string_view key(id.data(), id.size());
  absl::ReaderMutexLock lock(&mu_);
  auto it = gateways_.find(key);
  if (it == gateways_.end()) {
    return absl::NotFoundError(absl::StrCat("gateway ", key, " is not known"));
  }
  wm::v1::Gateway gateway;
  ToGatewayProtoLocked(it->second, &gateway);
  return gateway;
}

void RegistryState::ListSinks(const wm::v1::ListSinksRequest& request,
                              wm::v1::ListSinksResponse* out) const {
  absl::ReaderMutexLock lock(&mu_);
  auto first = gateways_.begin();
  auto last = gateways_.end();
  if (request.has_gateway_id()) {
    first = gateways_.find(request.gateway_id());
    last = first == gateways_.end() ? first : std::next(first);
  }
  for (auto it = first; it != last; ++it) {
    for (const auto& [sink_id, sink] : it->second.sinks) {
      const wm::v1::SinkConfig& config = sink.sink.config();
      if (request.has_network_address() &&
          (!config.has_network_address() ||
           config.network_address() != request.network_address())) {
        continue;
      }
      ToSinkProtoLocked(sink, out->add_sinks());
    }
  }
  out->set_change_sequence(change_sequence_);
}

void RegistryState::ListNetworks(wm::v1::ListNetworksResponse* out) const {
  absl::ReaderMutexLock lock(&mu_);
  absl::btree_map<uint64_t, wm::v1::Network> networks;
  for (const auto& [address, counts] : network_nodes_) {
    wm::v1::Network& network = networks[address];
    network.set_node_count(counts.nodes);
    network.set_stale_node_count(counts.stale);
  }
  absl::flat_hash_map<uint64_t, absl::flat_hash_set<absl::string_view>> gateways_of;
  for (const auto& [gateway_id, gateway] : gateways_) {
    for (const auto& [sink_id, sink] : gateway.sinks) {
      const wm::v1::SinkConfig& config = sink.sink.config();
      if (!config.has_network_address()) continue;
      wm::v1::Network& network = networks[config.network_address()];
      network.set_sink_count(network.sink_count() + 1);
      gateways_of[config.network_address()].insert(gateway_id);
    }
  }
  for (auto& [address, network] : networks) {
    network.set_address(address);
    auto gateways = gateways_of.find(address);
    network.set_gateway_count(
        gateways == gateways_of.end() ? 0 : static_cast<uint32_t>(gateways->second.size()));
    *out->add_networks() = std::move(network);
  }
  out->set_change_sequence(change_sequence_);
}

absl::Status RegistryState::ListNodes(const wm::v1::ListNodesRequest& request,
                                      wm::v1::ListNodesResponse* out) const {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError("page_size must not be negative");
  }
  const size_t page_size =
      request.page_size() == 0 ? kDefaultPageSize : std::min(request.page_size(), kMaxPageSize);
  const uint32_t filters = NodeFiltersFingerprint(request);
  NodeKey start;  // the first key that may be listed
  bool resume = false;
  if (!request.page_token().empty()) {
    absl::StatusOr<NodePageToken> token = DecodeNodePageToken(request.page_token());
    if (!token.ok()) return token.status();
    if (token->filters != filters) {
      return absl::InvalidArgumentError(
          "page_token was made for other filters: keep every filter of the first request");
    }
    start = token->last;
    resume = true;
  }

  absl::ReaderMutexLock lock(&mu_);
  // Which routes go through the requested gateway and sink.
  const bool filter_routes = request.has_gateway_id() || request.has_sink_id();
  std::vector<bool> route_matches;
  if (filter_routes) {
    route_matches.resize(routes_.size());
    for (size_t i = 0; i < routes_.size(); ++i) {
      route_matches[i] =
          (!request.has_gateway_id() || routes_[i].gateway_id == request.gateway_id()) &&
          (!request.has_sink_id() || routes_[i].sink_id == request.sink_id());
    }
  }
  auto it = resume ? node_order_.upper_bound(start) : node_order_.begin();
  if (request.has_network_address()) {
    const NodeKey network_start{request.network_address(), 0};
    if (!resume || start < network_start) it = node_order_.lower_bound(network_start);
  }
  NodeKey last;
  for (; it != node_order_.end(); ++it) {
    const NodeKey& key = *it;
    if (request.has_network_address() && key.network != request.network_address()) break;
    const NodeRecord& node = nodes_.find(key)->second;
    if (request.has_stale() && node.stale != request.stale()) continue;
    if (filter_routes && !route_matches[node.route]) continue;
    if (static_cast<size_t>(out->nodes_size()) == page_size) {
      // Another node matches: there is a next page, starting after the last one listed.
      out->set_next_page_token(EncodeNodePageToken({last, filters}));
      break;
    }
    ToNodeProtoLocked(key, node, out->add_nodes());
    last = key;
  }
  out->set_change_sequence(change_sequence_);
  return absl::OkStatus();
}

absl::StatusOr<wm::v1::Node> RegistryState::GetNode(uint64_t network, uint32_t address) const {
  if (!wirepas::IsNodeAddress(address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("address ", address, " is not a node address (0 and 0xFFFFFFFF are not)"));
  }
  absl::ReaderMutexLock lock(&mu_);
  const NodeKey key{network, address};
  auto it = nodes_.find(key);
  if (it == nodes_.end()) {
    return absl::NotFoundError(
        absl::StrCat("node ", address, " of network ", network, " is not known"));
  }
  wm::v1::Node node;
  ToNodeProtoLocked(key, it->second, &node);
  return node;
}

RegistryCounts RegistryState::Counts() const {
  absl::ReaderMutexLock lock(&mu_);
  RegistryCounts counts;
  absl::flat_hash_set<uint64_t> networks;
  for (const auto& [address, nodes] : network_nodes_) networks.insert(address);
  for (const auto& [id, entry] : gateways_) {
    switch (entry.gateway.state()) {
      case wm::v1::GATEWAY_STATE_ONLINE:
        ++counts.gateways_online;
        break;
      case wm::v1::GATEWAY_STATE_OFFLINE:
        ++counts.gateways_offline;
        break;
      default:
        ++counts.gateways_unknown;
        break;
    }
    counts.sinks += entry.sinks.size();
    for (const auto& [sink_id, sink] : entry.sinks) {
      if (sink.sink.config().has_network_address()) {
        networks.insert(sink.sink.config().network_address());
      }
    }
  }
  counts.nodes_stale = stale_nodes_;
  counts.nodes_active = nodes_.size() - stale_nodes_;
  counts.networks = networks.size();
  return counts;
}

uint64_t RegistryState::change_sequence() const {
  absl::ReaderMutexLock lock(&mu_);
  return change_sequence_;
}

StoreBatch RegistryState::TakeDirty() {
  absl::MutexLock lock(&mu_);
  StoreBatch batch;
  for (const std::string& id : dirty_gateways_) {
    auto it = gateways_.find(id);
    if (it == gateways_.end()) {
      batch.removed_gateways.push_back(id);
    } else {
      const GatewayEntry& entry = it->second;
      batch.gateways.push_back(
          {entry.gateway, entry.state_time, entry.info_time, entry.sinks_time});
    }
  }
  for (const auto& [gateway_id, sink_id] : dirty_sinks_) {
    const SinkEntry* sink = nullptr;
    if (auto gateway = gateways_.find(gateway_id); gateway != gateways_.end()) {
      if (auto it = gateway->second.sinks.find(sink_id); it != gateway->second.sinks.end()) {
        sink = &it->second;
      }
    }
    if (sink == nullptr) {
      batch.removed_sinks.emplace_back(gateway_id, sink_id);
    } else {
      batch.sinks.push_back({sink->sink, sink->reported_gateway_ms});
    }
  }
  batch.nodes.reserve(dirty_nodes_.size());
  for (const NodeKey& key : dirty_nodes_) {
    const NodeRecord& record = nodes_.find(key)->second;
    const Route& route = routes_[record.route];
    batch.nodes.push_back({key, record, route.gateway_id, route.sink_id});
  }
  if (position_dirty_) batch.position = applied_position_;
  position_dirty_ = false;
  dirty_gateways_.clear();
  dirty_sinks_.clear();
  dirty_nodes_.clear();
  return batch;
}

void RegistryState::MarkDirty(const StoreBatch& batch) {
  absl::MutexLock lock(&mu_);
  for (const StoredGateway& gateway : batch.gateways) {
    dirty_gateways_.insert(gateway.gateway.id());
  }
  for (const std::string& id : batch.removed_gateways) dirty_gateways_.insert(id);
  for (const StoredSink& sink : batch.sinks) {
    dirty_sinks_.insert({sink.sink.gateway_id(), sink.sink.sink_id()});
  }
  for (const auto& key : batch.removed_sinks) dirty_sinks_.insert(key);
  for (const StoredNode& node : batch.nodes) dirty_nodes_.insert(node.key);
  if (batch.position.has_value()) position_dirty_ = true;
}

}  // namespace wm::registry
