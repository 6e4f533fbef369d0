#include "tools/gateway_sim/request_router.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace wm::gateway_sim {

void FillResponseHeader(const gwapi::RequestHeader& request, const GatewayState& state,
                        std::string_view sink_id, gwapi::ErrorCode res, absl::Time now,
                        gwapi::ResponseHeader* out) {
  out->set_req_id(request.req_id());
  out->set_gw_id(state.gw_id);
  if (!sink_id.empty()) out->set_sink_id(std::string(sink_id));
  out->set_res(res);
  out->set_time_ms_epoch(static_cast<uint64_t>(absl::ToUnixMillis(now)));
}

std::string RequestSinkId(const wirepas::Topic& topic, const gwapi::RequestHeader& header) {
  return header.has_sink_id() ? header.sink_id() : topic.sink_id;
}

void NoteConfigChange(const std::string& before, const SinkState& sink, Response& response) {
  const std::string& sink_id = sink.config.sink_id();
  if (sink.config.SerializeAsString() == before) return;
  if (std::find(response.changed_sinks.begin(), response.changed_sinks.end(), sink_id) ==
      response.changed_sinks.end()) {
    response.changed_sinks.push_back(sink_id);
  }
}

Response GetConfigsResponse(const gwapi::RequestHeader& header, const GatewayState& state,
                            absl::Time now) {
  Response response;
  response.topic = wirepas::ResponseTopic(wirepas::Method::kGetConfigs, state.gw_id);
  gwapi::GetConfigsResp* body = response.message.mutable_wirepas()->mutable_get_configs_resp();
  FillResponseHeader(header, state, {}, gwapi::OK, now, body->mutable_header());
  for (const SinkState& sink : state.sinks) *body->add_configs() = sink.config;
  return response;
}

Response HandleGetConfigs(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                          GatewayState& state, absl::Time now) {
  return GetConfigsResponse(request.wirepas().get_configs_req().header(), state, now);
}

Response HandleGetGwInfo(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                         GatewayState& state, absl::Time now) {
  Response response;
  response.topic = wirepas::ResponseTopic(wirepas::Method::kGetGwInfo, state.gw_id);
  gwapi::GetGwInfoResp* body = response.message.mutable_wirepas()->mutable_get_gateway_info_resp();
  FillResponseHeader(request.wirepas().get_gateway_info_req().header(), state, {}, gwapi::OK, now,
                     body->mutable_header());
  *body->mutable_info() = BuildGatewayInfo(state.identity, now);
  return response;
}

RequestRouter::RequestRouter() {
  Register(wirepas::Method::kGetConfigs, HandleGetConfigs);
  Register(wirepas::Method::kGetGwInfo, HandleGetGwInfo);
}

void RequestRouter::Register(wirepas::Method method, RequestHandler handler) {
  handlers_[method] = std::move(handler);
}

std::vector<std::string> RequestRouter::SubscriptionFilters(std::string_view gw_id) const {
  std::vector<std::string> filters;
  for (const auto& [method, handler] : handlers_) {
    filters.push_back(wirepas::MethodHasSink(method) ? wirepas::RequestTopic(method, gw_id, "+")
                                                     : wirepas::RequestTopic(method, gw_id));
  }
  return filters;
}

absl::StatusOr<Response> RequestRouter::Handle(std::string_view topic, std::string_view payload,
                                               GatewayState& state, absl::Time now) const {
  absl::StatusOr<wirepas::Topic> parsed_topic = wirepas::ParseTopic(topic);
  if (!parsed_topic.ok()) return parsed_topic.status();
  if (parsed_topic->kind != wirepas::TopicKind::kRequest) {
    return absl::InvalidArgumentError("not a request topic");
  }
  if (parsed_topic->gw_id != state.gw_id) {
    return absl::NotFoundError(absl::StrCat("request for another gateway: ", parsed_topic->gw_id));
  }
  const wirepas::Method method = parsed_topic->method;
  const auto handler = handlers_.find(method);
  if (handler == handlers_.end()) {
    return absl::UnimplementedError(
        absl::StrCat("no handler for ", std::string(wirepas::MethodName(method))));
  }
  absl::StatusOr<wirepas::GenericMessage> request = wirepas::ParseGenericMessage(payload);
  if (!request.ok()) return request.status();
  const wirepas::PayloadKind kind = wirepas::PayloadKindOf(*request);
  if (kind != wirepas::RequestKindOf(method)) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload ", std::string(wirepas::PayloadKindName(kind)), " on a ",
                     std::string(wirepas::MethodName(method)), " request topic"));
  }
  const gwapi::RequestHeader* header = wirepas::RequestHeaderOf(*request);
  if (header == nullptr) return absl::InvalidArgumentError("request without header");
  if (absl::Status status = wirepas::CheckRequestHeader(*header); !status.ok()) return status;
  // The reference gateway's parser rejects a message without its required fields; only the
  // target-and-action handler answers such a request (docs/gateway-api.md "Correlation").
  if (method != wirepas::Method::kOtapSetTargetScratchpad && !request->IsInitialized()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request lacks required fields: ", request->InitializationErrorString()));
  }
  return handler->second(*parsed_topic, *request, state, now);
}

}  // namespace wm::gateway_sim
