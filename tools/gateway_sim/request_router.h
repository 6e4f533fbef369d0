#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/gateway_state.h"
#include "tools/gateway_sim/gateway_status.h"
#include "tools/gateway_sim/provisioning_node.h"

namespace wm::gateway_sim {

// A packet a node sends in answer to a request (an MSAP reply, 240->255, or a joining node's
// DATA_ACK or NACK, 246->255): a received_data message published `delay` after the request was
// handled.
struct NodePacket {
  absl::Duration delay;
  std::string topic;
  wirepas::GenericMessage message;
};

// What a gateway publishes in answer to a request: the response (QoS 2, not retained) and what
// follows from it.
struct Response {
  std::string topic;
  wirepas::GenericMessage message;
  // Sinks whose reported configuration the request changed, in the order changed. After the
  // response the gateway announces the change (docs/gateway-api.md "Correlation"): a new retained
  // status and req_id 0 get_configs and set_config responses (see BuildConfigChangeAnnouncement).
  std::vector<std::string> changed_sinks;
  // What nodes send in answer (send_data to their MSAP endpoint, or a joining node's answer
  // to a provisioning frame).
  std::vector<NodePacket> node_packets;
  // What joining nodes did with provisioning frames (send_data 255->246), for counters and log
  // lines.
  std::vector<ProvisioningNodeEvent> provisioning;
};

// Answers one request. When it is called, `request` carries the method's request payload with
// a request header that has a req_id, and `topic` is that gateway's request topic.
using RequestHandler =
    std::function<Response(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                           GatewayState& state, absl::Time now)>;

// Fills `out` as the reference gateway does (docs/gateway-api.md "Correlation"): req_id copied from
// the request, the gateway's id, `sink_id` when not empty, `res` and the current time.
void FillResponseHeader(const gwapi::RequestHeader& request, const GatewayState& state,
                        std::string_view sink_id, gwapi::ErrorCode res, absl::Time now,
                        gwapi::ResponseHeader* out);

// The sink a request with a sink is for: RequestHeader.sink_id, which the reference gateway
// reads for every method but send_data (docs/gateway-api.md "Topics"), or the topic's sink when the
// header has none. send_data handlers use the topic's sink alone.
std::string RequestSinkId(const wirepas::Topic& topic, const gwapi::RequestHeader& header);

// Adds `sink`'s id to `response.changed_sinks` when its configuration no longer serializes to
// `before` (its SerializeAsString() before the request) and it is not listed yet.
void NoteConfigChange(const std::string& before, const SinkState& sink, Response& response);

// The get_configs response to a request with `header`: every sink's configuration, res OK.
Response GetConfigsResponse(const gwapi::RequestHeader& header, const GatewayState& state,
                            absl::Time now);

// get_configs: every sink's configuration, res OK.
Response HandleGetConfigs(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                          GatewayState& state, absl::Time now);

// get_gw_info: current time, model, version, API version 2, max_scratchpad_size, features.
Response HandleGetGwInfo(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                         GatewayState& state, absl::Time now);

// Routes requests a simulated gateway receives to one handler per method. Adding a method is
// one Register call; the subscriptions follow from the registered methods.
//
//   RequestRouter router;  // get_configs and get_gw_info
//   router.Register(wirepas::Method::kSetConfig, HandleSetConfig);
//   for (const auto& filter : router.SubscriptionFilters("sim-gw-1")) Subscribe(filter, 2);
//   absl::StatusOr<Response> response = router.Handle(topic, payload, state, absl::Now());
class RequestRouter {
 public:
  // A router with the handlers for get_configs and get_gw_info.
  RequestRouter();

  // Adds or replaces the handler of `method`.
  void Register(wirepas::Method method, RequestHandler handler);

  // The request topics one gateway subscribes to, at QoS 2: gw-request/<method>/<gw_id>, with
  // "/+" for methods that carry a sink id.
  std::vector<std::string> SubscriptionFilters(std::string_view gw_id) const;

  // Handles one message received on a request topic. Errors mean "no response", as the
  // reference gateway does for requests it cannot parse (docs/gateway-api.md "Correlation"):
  // InvalidArgument for a topic that is not a request topic, a payload that is not a
  // GenericMessage, a payload of another kind than the topic's method, without req_id, or lacking
  // another required field (except otap_set_target_scratchpad, whose handler answers INVALID_PARAM
  // for that); NotFound for another gateway's topic; Unimplemented for a method without a handler.
  absl::StatusOr<Response> Handle(std::string_view topic, std::string_view payload,
                                  GatewayState& state, absl::Time now) const;

 private:
  std::map<wirepas::Method, RequestHandler> handlers_;
};

}  // namespace wm::gateway_sim
