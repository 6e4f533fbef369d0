#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/msap.pb.h"

namespace wm::command {

// An MSAP answer a node sent from endpoint 240 to a sink's 255, as wm-command received it.
struct NodeReply {
  std::string gateway_id;
  std::string sink_id;
  uint64_t network_address = 0;
  uint32_t source_address = 0;
  uint32_t hop_count = 0;
  uint32_t travel_time_ms = 0;
  absl::Time received_at;
  // The payload's frames; on a malformed payload, the frames before the fault.
  wm::v1::MsapResponses frames;
  bool decoded = false;
};

// Which replies a listener wants. Unset fields match anything.
struct NodeReplyFilter {
  std::optional<uint64_t> network_address;
  std::optional<std::string> gateway_id;

  bool Matches(const NodeReply& reply) const;
};

// Hands MSAP answers (gw-event/received_data/+/+/+/240/255) to the node commands waiting for
// them. Answers come back through any sink of the network, so listeners usually filter by
// network rather than by the gateway the command went through. Thread-safe; listeners run in
// the thread of HandleReceivedData (the MQTT thread), without the router's lock, and must be
// quick.
//
//   uint64_t id = router.Add({.network_address = 1234}, [state](const NodeReply& r) {...});
//   ...
//   router.Remove(id);
class NodeReplyRouter {
 public:
  using Listener = std::function<void(const NodeReply&)>;

  // `clock` stamps received_at.
  explicit NodeReplyRouter(base::Clock clock);
  NodeReplyRouter(const NodeReplyRouter&) = delete;
  NodeReplyRouter& operator=(const NodeReplyRouter&) = delete;

  uint64_t Add(NodeReplyFilter filter, Listener listener);
  // After Remove, the listener is not called by later dispatches; a dispatch already running
  // may still call it once.
  void Remove(uint64_t id);

  // Parses a received_data message; false (and nothing dispatched) when it is not a packet
  // from 240 to 255 or does not parse.
  bool HandleReceivedData(const wirepas::Topic& topic, std::string_view payload);
  // Gives `reply` to every listener whose filter matches.
  void Dispatch(const NodeReply& reply);

  size_t listeners() const;

 private:
  struct Entry {
    NodeReplyFilter filter;
    std::shared_ptr<Listener> listener;
  };

  const base::Clock clock_;
  mutable absl::Mutex mu_;
  std::map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace wm::command
