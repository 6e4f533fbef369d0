#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "libs/wirepas/message.h"
#include "protos/wm/v1/gateway.pb.h"

namespace wm::command {

// What wm-command knows about one gateway, from its retained status and from the configs in
// get_configs / set_config responses (any backend's, including unsolicited req_id 0 ones).
struct GatewayView {
  // ONLINE or OFFLINE from the status; REMOVED after an empty retained status; UNSPECIFIED
  // when only responses were seen, or the status carried no state this build knows.
  wm::v1::GatewayState state = wm::v1::GATEWAY_STATE_UNSPECIFIED;
  // Whether a status was seen at all (features and max_scratchpad_size are meaningful then).
  bool status_seen = false;
  std::optional<uint32_t> max_scratchpad_size;
  std::vector<wm::v1::GatewayFeature> features;
  // The latest configuration known for each sink.
  std::vector<wm::v1::SinkConfig> sinks;

  bool HasFeature(wm::v1::GatewayFeature feature) const;
  // The sink's configuration, or nullptr.
  const wm::v1::SinkConfig* FindSink(std::string_view sink_id) const;
};

// The gateways wm-command has heard of, built from gw-event/status/+ and gw-response/#. It
// lets commands fail fast for an offline gateway, chunk scratchpads by the gateway's size and
// find a sink's node address without asking. Thread-safe.
class GatewayDirectory {
 public:
  GatewayDirectory() = default;
  GatewayDirectory(const GatewayDirectory&) = delete;
  GatewayDirectory& operator=(const GatewayDirectory&) = delete;

  // Applies a status message received on gw-event/status/<gateway_id>: an empty payload marks
  // the gateway REMOVED; a status event replaces what is known (its configs replace the sinks
  // when it has any: an OFFLINE last will has none and keeps them). Returns the state the
  // gateway is in now.
  wm::v1::GatewayState ApplyStatus(std::string_view gateway_id,
                                   const wirepas::GenericMessage* status);

  // Applies the sink configurations of a get_configs or set_config response with result OK;
  // other messages are ignored.
  void ApplyResponse(std::string_view gateway_id, const wirepas::GenericMessage& response);

  // What is known about `gateway_id`; nullopt for a gateway never heard of.
  std::optional<GatewayView> Find(std::string_view gateway_id) const;
  // Just its state (cheaper than Find); UNSPECIFIED for a gateway never heard of.
  wm::v1::GatewayState StateOf(std::string_view gateway_id) const;

  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, GatewayView> gateways_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wm::command
