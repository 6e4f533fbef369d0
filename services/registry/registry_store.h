#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "protos/wm/v1/registry.pb.h"
#include "services/registry/fact_time.h"
#include "services/registry/node_record.h"

namespace wm::registry {

// A node as stored: its record plus the names of the gateway and sink it was last heard
// through (the record's `route` index means nothing outside the RegistryState that made it).
struct StoredNode {
  NodeKey key;
  NodeRecord record;
  std::string gateway_id;
  std::string sink_id;
};

// A gateway as stored: its record plus when its facts were last applied, so that a message
// that arrives after a restart is still ordered against them (docs/ordering.md).
struct StoredGateway {
  wm::v1::Gateway gateway;
  // The state last applied (a status).
  FactTime state;
  // The model, version, features and max scratchpad size last applied (a status or a
  // get_gw_info answer).
  FactTime info;
  // The complete sink list last applied (a status or a get_configs answer).
  FactTime sinks;
};

// A sink as stored: its record plus the gateway's time of the report it was last set by
// (0: that report carried none); its reception time is the record's reported_ms_epoch.
struct StoredSink {
  wm::v1::Sink sink;
  int64_t reported_gateway_ms = 0;
};

// A place in wm-ingest's event stream: the (Event.stream_epoch, Event.sequence) of the last
// event the registry applied (docs/event-stream.md "wm-registry resumes").
struct StreamPoint {
  uint64_t stream_epoch = 0;
  uint64_t sequence = 0;

  friend bool operator==(const StreamPoint& a, const StreamPoint& b) {
    return a.stream_epoch == b.stream_epoch && a.sequence == b.sequence;
  }
  friend bool operator!=(const StreamPoint& a, const StreamPoint& b) { return !(a == b); }
  // Epochs are ingest start times, so a later epoch is a later run.
  friend bool operator<(const StreamPoint& a, const StreamPoint& b) {
    return a.stream_epoch != b.stream_epoch ? a.stream_epoch < b.stream_epoch
                                            : a.sequence < b.sequence;
  }
};

// Everything a store holds, as RegistryState::Restore takes it. Gateways and sinks carry no
// derived fields (Gateway.sink_ids, Sink.node_count).
struct RegistrySnapshot {
  std::vector<StoredGateway> gateways;
  std::vector<StoredSink> sinks;
  std::vector<StoredNode> nodes;
  // The stream position of the last event applied to what is stored; unset: none stored.
  std::optional<StreamPoint> position;
};

// The entries that changed since the previous write, each with its current value or, when it
// is gone, its key. An entry appears once per batch. Nodes are never removed.
struct StoreBatch {
  std::vector<StoredGateway> gateways;
  std::vector<std::string> removed_gateways;
  std::vector<StoredSink> sinks;
  std::vector<std::pair<std::string, std::string>> removed_sinks;  // (gateway id, sink id)
  std::vector<StoredNode> nodes;
  // The stream position of the last event applied to these values; written in the same
  // transaction, so that what is stored and the position it is up to never disagree. Unset:
  // the stored position stays as it is.
  std::optional<StreamPoint> position;

  // Rows of entries (the position is not counted).
  size_t size() const {
    return gateways.size() + removed_gateways.size() + sinks.size() + removed_sinks.size() +
           nodes.size();
  }
  bool empty() const { return size() == 0 && !position.has_value(); }
};

// Where the registry keeps its inventory across restarts: SqliteRegistryStore (a file, the
// default) or PostgresRegistryStore (a database several replicas can share). Calls come from one
// thread at a time.
class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

  // Everything stored, read at start.
  virtual absl::StatusOr<RegistrySnapshot> Load() = 0;

  // Writes a batch atomically: all of it or, on error, none of it.
  virtual absl::Status Write(const StoreBatch& batch) = 0;
};

}  // namespace wm::registry
