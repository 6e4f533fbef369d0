#include "services/command/gateway_requester.h"

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/command/command_requests.h"
#include "spdlog/spdlog.h"
#include "third_party/system/string_view_compat.h"

namespace wm::command {
namespace {

// MQTT QoS of every request (docs/gateway-api.md "Topics": duplicate downlinks have unknown effects
// on nodes).
constexpr int kRequestQos = 2;

absl::Status PublishError(const absl::Status& status) {
  if (absl::IsResourceExhausted(status)) {
    return absl::UnavailableError("the MQTT publish queue is full; try again");
  }
  if (absl::IsInvalidArgument(status)) {
    return absl::InternalError(absl::StrCat("request not publishable: ", status.message()));
  }
  return absl::UnavailableError(absl::StrCat("not published: ", status.message()));
}

}  // namespace

GatewayRequester::GatewayRequester(Publisher publish, GatewayDirectory& directory,
                                   InflightLimiter& limiter, ReqIdCorrelator& correlator,
                                   wirepas::RequestIdGenerator& request_ids, TimerQueue& timers,
                                   CommandMetrics* metrics, std::function<bool()> connected)
    : publish_(std::move(publish)),
      connected_(std::move(connected)),
      directory_(directory),
      limiter_(limiter),
      correlator_(correlator),
      request_ids_(request_ids),
      timers_(timers),
      metrics_(metrics),
      log_(absl::Minutes(1)) {}

std::string GatewayRequester::SlotKey(wirepas::Method method, std::string_view gateway_id,
                                      std::string_view sink_id) {
  return absl::StrCat(ToAbsl(gateway_id), "/",
                      wirepas::MethodHasSink(method) ? ToAbsl(sink_id) : absl::string_view());
}

void GatewayRequester::Send(GatewayRequest request, Done done) {
  if (connected_ && !connected_()) {
    done(GatewayReply{absl::UnavailableError(
        "wm-command is not connected to the MQTT broker; try again once it is")});
    return;
  }
  switch (directory_.StateOf(request.gateway_id)) {
    case wm::v1::GATEWAY_STATE_OFFLINE:
      done(GatewayReply{absl::FailedPreconditionError(absl::StrCat(
          "gateway ", request.gateway_id, " is offline (its retained status says so)"))});
      return;
    case wm::v1::GATEWAY_STATE_REMOVED:
      done(GatewayReply{absl::FailedPreconditionError(
          absl::StrCat("gateway ", request.gateway_id, " was removed (its status was cleared)"))});
      return;
    default:
      break;
  }
  std::string slot = SlotKey(request.method, request.gateway_id, request.sink_id);
  const absl::Time deadline = request.deadline;
  // Shared so that the callback stays copyable (InflightLimiter keeps std::function).
  auto pending =
      std::make_shared<std::pair<GatewayRequest, Done>>(std::move(request), std::move(done));
  limiter_.Acquire(slot, deadline, [this, slot, pending](absl::Status granted) {
    if (!granted.ok()) {
      pending->second(GatewayReply{std::move(granted)});
      return;
    }
    Publish(std::move(pending->first), slot, std::move(pending->second));
  });
}

void GatewayRequester::Publish(GatewayRequest request, std::string slot, Done done) {
  const uint64_t req_id = request_ids_.Next();
  const absl::Time now = timers_.Now();
  wirepas::gwapi::RequestHeader* header = MutableRequestHeader(request.method, &request.message);
  if (header == nullptr) {
    limiter_.Release(slot);
    done(GatewayReply{absl::InternalError("request message does not match its method")});
    return;
  }
  header->set_req_id(req_id);
  if (wirepas::MethodHasSink(request.method)) header->set_sink_id(request.sink_id);
  header->set_time_ms_epoch(static_cast<uint64_t>(absl::ToUnixMillis(now)));
  absl::StatusOr<std::string> payload = wirepas::SerializeGenericMessage(request.message);
  if (!payload.ok()) {
    limiter_.Release(slot);
    done(GatewayReply{absl::InternalError(payload.status().message())});
    return;
  }

  const wirepas::Method method = request.method;
  auto published = std::make_shared<std::atomic<bool>>(false);
  absl::Status registered = correlator_.Register(
      req_id, request.gateway_id, request.deadline,
      [this, slot, method, req_id, now, published,
       done = std::move(done)](absl::StatusOr<wirepas::GenericMessage> answer) {
        limiter_.Release(slot);
        if (metrics_ != nullptr) metrics_->inflight.Decrement();
        GatewayReply reply;
        reply.published = *published;
        reply.req_id = req_id;
        reply.published_at = now;
        if (!answer.ok()) {
          reply.status = answer.status();
          done(std::move(reply));
          return;
        }
        if (wirepas::PayloadKindOf(*answer) != wirepas::ResponseKindOf(method)) {
          reply.status = absl::InternalError(absl::StrCat(
              "the gateway answered req_id ", req_id, " with ",
              ToAbsl(wirepas::PayloadKindName(wirepas::PayloadKindOf(*answer))), " instead of ",
              ToAbsl(wirepas::PayloadKindName(wirepas::ResponseKindOf(method)))));
          done(std::move(reply));
          return;
        }
        ToGatewayResult(*wirepas::ResponseHeaderOf(*answer), &reply.result);
        reply.answer = *std::move(answer);
        done(std::move(reply));
      });
  if (!registered.ok()) {
    // Only on a 64-bit id collision with a request still waiting.
    limiter_.Release(slot);
    done(GatewayReply{absl::InternalError(registered.message())});
    return;
  }
  if (metrics_ != nullptr) metrics_->inflight.Increment();
  // Set before publishing: an answer may complete the waiter before Publish returns.
  *published = true;
  const std::string topic = wirepas::RequestTopic(method, request.gateway_id, request.sink_id);
  absl::Status sent = publish_(topic, *std::move(payload), kRequestQos, false);
  if (!sent.ok()) {
    *published = false;
    correlator_.Cancel(req_id, PublishError(sent));
    return;
  }
  if (metrics_ != nullptr) metrics_->gateway_requests.Increment();
  spdlog::debug("request_sent method={} gateway={} sink={} req_id={}", wirepas::MethodName(method),
                request.gateway_id, request.sink_id, req_id);
}

void GatewayRequester::HandleStatus(std::string_view gateway_id, std::string_view payload) {
  wm::v1::GatewayState state;
  if (payload.empty()) {
    state = directory_.ApplyStatus(gateway_id, nullptr);
  } else {
    absl::StatusOr<wirepas::GenericMessage> message = wirepas::ParseGenericMessage(payload);
    if (!message.ok() || !message->wirepas().has_status_event()) {
      if (metrics_ != nullptr) metrics_->bad_messages.Increment();
      log_.Warn("bad_status", absl::StrCat("status message dropped gateway=", ToAbsl(gateway_id)));
      return;
    }
    state = directory_.ApplyStatus(gateway_id, &*message);
  }
  if (state == wm::v1::GATEWAY_STATE_OFFLINE || state == wm::v1::GATEWAY_STATE_REMOVED) {
    const int failed = correlator_.FailGateway(
        gateway_id, absl::UnavailableError(absl::StrCat(
                        "gateway ", ToAbsl(gateway_id),
                        state == wm::v1::GATEWAY_STATE_OFFLINE ? " went offline" : " was removed",
                        " while the request waited for its answer")));
    if (failed > 0) {
      spdlog::warn("gateway_gone gateway={} state={} requests_failed={}", gateway_id,
                   wm::v1::GatewayState_Name(state), failed);
    }
  }
}

void GatewayRequester::HandleResponse(const wirepas::Topic& topic, std::string_view payload) {
  absl::StatusOr<wirepas::GenericMessage> message = wirepas::ParseGenericMessage(payload);
  const wirepas::gwapi::ResponseHeader* header =
      message.ok() ? wirepas::ResponseHeaderOf(*message) : nullptr;
  if (header == nullptr || !header->has_req_id()) {
    if (metrics_ != nullptr) metrics_->bad_messages.Increment();
    log_.Warn("bad_response", absl::StrCat("response dropped gateway=", topic.gw_id,
                                           " method=", ToAbsl(wirepas::MethodName(topic.method))));
    return;
  }
  const uint64_t req_id = header->req_id();
  directory_.ApplyResponse(topic.gw_id, *message);
  switch (correlator_.Deliver(req_id, topic.gw_id, *std::move(message))) {
    case ReqIdCorrelator::Match::kLate:
      if (metrics_ != nullptr) metrics_->late_responses.Increment();
      log_.Warn("late_response", absl::StrCat("answer after its timeout gateway=", topic.gw_id,
                                              " method=", ToAbsl(wirepas::MethodName(topic.method)),
                                              " req_id=", req_id));
      break;
    case ReqIdCorrelator::Match::kDuplicate:
      if (metrics_ != nullptr) metrics_->duplicate_responses.Increment();
      break;
    case ReqIdCorrelator::Match::kMatched:
    case ReqIdCorrelator::Match::kUnrelated:
      break;
  }
}

}  // namespace wm::command
