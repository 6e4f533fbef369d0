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
#include "tools/gateway_sim/gateway_status.h"

namespace wm::gateway_sim {

// The state of one simulated gateway that requests read (and, for set_config and the like,
// change). The simulator serialises requests per gateway, so handlers need no locking.
struct GatewayState {
  std::string gw_id;
  GatewayIdentity identity;
  std::vector<gwapi::SinkReadConfig> sinks;
};

// A message a gateway publishes in answer to a request (QoS 2, not retained).
struct Response {
  std::string topic;
  wirepas::GenericMessage message;
};

// Answers one request. When it is called, `request` carries the method's request payload with
// a request header that has a req_id, and `topic` is that gateway's request topic.
using RequestHandler =
    std::function<Response(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                           GatewayState& state, absl::Time now)>;

// Fills `out` as the reference gateway does (spec §3.1): req_id copied from the request,
// the gateway's id, `sink_id` when not empty, `res` and the current time.
void FillResponseHeader(const gwapi::RequestHeader& request, const GatewayState& state,
                        std::string_view sink_id, gwapi::ErrorCode res, absl::Time now,
                        gwapi::ResponseHeader* out);

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
  // reference gateway does for requests it cannot parse (spec §3.1): InvalidArgument for a
  // topic that is not a request topic, a payload that is not a GenericMessage, a payload of
  // another kind than the topic's method or without req_id; NotFound for another gateway's
  // topic; Unimplemented for a method without a handler.
  absl::StatusOr<Response> Handle(std::string_view topic, std::string_view payload,
                                  GatewayState& state, absl::Time now) const;

 private:
  std::map<wirepas::Method, RequestHandler> handlers_;
};

}  // namespace wm::gateway_sim
