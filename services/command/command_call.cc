#include "services/command/command_call.h"

#include <algorithm>
#include <chrono>

#include "libs/grpcutil/status.h"
#include "protos/wm/v1/commands.pb.h"
#include "services/command/command_requests.h"
#include "spdlog/spdlog.h"

namespace wm::command {

bool CallTracker::Enter() {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  ++active_;
  return true;
}

void CallTracker::Leave() {
  absl::MutexLock lock(&mu_);
  --active_;
}

void CallTracker::StopAccepting() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

bool CallTracker::WaitIdle(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return active_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

int CallTracker::active() const {
  absl::MutexLock lock(&mu_);
  return active_;
}

CallTiming CallTimingOf(const grpc::CallbackServerContext& context, uint32_t timeout_ms,
                        absl::Duration default_timeout) {
  CallTiming timing;
  timing.request_timeout = timeout_ms == 0 ? default_timeout : absl::Milliseconds(timeout_ms);
  const std::chrono::system_clock::time_point grpc_deadline = context.deadline();
  if (grpc_deadline != std::chrono::system_clock::time_point::max()) {
    timing.call_deadline = absl::FromChrono(grpc_deadline);
  }
  return timing;
}

bool GatewayAnsweredOk(const google::protobuf::Message& response) {
  const google::protobuf::Descriptor* descriptor = response.GetDescriptor();
  const google::protobuf::Reflection* reflection = response.GetReflection();
  const google::protobuf::FieldDescriptor* result = descriptor->FindFieldByName("result");
  if (result != nullptr && result->message_type() == wm::v1::GatewayResult::descriptor()) {
    const auto& value =
        static_cast<const wm::v1::GatewayResult&>(reflection->GetMessage(response, result));
    return value.code() == wm::v1::GATEWAY_RESULT_OK;
  }
  const google::protobuf::FieldDescriptor* sent = descriptor->FindFieldByName("sent");
  if (sent != nullptr && sent->is_repeated() &&
      sent->message_type() == wm::v1::DownlinkResult::descriptor()) {
    for (int i = 0; i < reflection->FieldSize(response, sent); ++i) {
      const auto& value = static_cast<const wm::v1::DownlinkResult&>(
          reflection->GetRepeatedMessage(response, sent, i));
      if (value.result().code() != wm::v1::GATEWAY_RESULT_OK) return false;
    }
  }
  return true;
}

CommandCall::CommandCall(CommandEnv& env, std::string_view method,
                         google::protobuf::Message* response, CallTiming timing, FinishFn finish)
    : env_(env),
      method_(method),
      response_(response),
      timing_(timing),
      started_(env.timers.Now()),
      finish_(std::move(finish)) {}

CommandCall::~CommandCall() {
  if (!finished_.load()) {
    // Every path must end its call; this one did not, so the client would hang.
    spdlog::error("call_not_finished method={}", method_);
    Finish(absl::InternalError("the call ended without an answer"), false);
  }
}

std::shared_ptr<CommandCall> CommandCall::Create(CommandEnv& env, std::string_view method,
                                                 google::protobuf::Message* response,
                                                 CallTiming timing, FinishFn finish) {
  if (!env.calls.Enter()) {
    env.metrics.RecordCall(method, "unavailable", absl::ZeroDuration());
    finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "wm-command is stopping"));
    return nullptr;
  }
  return std::shared_ptr<CommandCall>(
      new CommandCall(env, method, response, timing, std::move(finish)));
}

std::shared_ptr<CommandCall> CommandCall::CreateUnary(CommandEnv& env, std::string_view method,
                                                      grpc::CallbackServerContext* context,
                                                      grpc::ServerUnaryReactor* reactor,
                                                      google::protobuf::Message* response,
                                                      uint32_t timeout_ms,
                                                      absl::Duration default_timeout) {
  return Create(env, method, response, CallTimingOf(*context, timeout_ms, default_timeout),
                [reactor](const grpc::Status& status) { reactor->Finish(status); });
}

absl::Time CommandCall::RequestDeadline() const {
  return std::min(env_.timers.Now() + timing_.request_timeout, timing_.call_deadline);
}

void CommandCall::RunOnce(const std::string& client_request_id,
                          const google::protobuf::Message& request, std::function<void()> run,
                          std::string_view fingerprint_extra) {
  if (client_request_id.empty()) {
    run();
    return;
  }
  std::shared_ptr<CommandCall> self = shared_from_this();
  const uint64_t fingerprint = RequestFingerprint(method_, request, fingerprint_extra);
  const bool first = env_.idempotency.Begin(
      client_request_id, fingerprint, RequestDeadline(), [self](CallOutcome outcome) {
        if (outcome.status.ok() && outcome.response != nullptr && self->response_ != nullptr) {
          self->response_->CopyFrom(*outcome.response);
        }
        // InvalidArgument: the id was reused for another request, not a replay.
        if (!absl::IsInvalidArgument(outcome.status)) {
          self->env_.metrics.idempotent_replays.Increment();
        }
        self->Finish(outcome.status, false);
      });
  if (first) {
    idempotency_key_ = client_request_id;
    run();
  }
}

void CommandCall::Finish(const absl::Status& status, bool published) {
  if (finished_.exchange(true)) return;
  if (!idempotency_key_.empty()) {
    std::shared_ptr<const google::protobuf::Message> kept;
    if (status.ok() && response_ != nullptr) {
      std::shared_ptr<google::protobuf::Message> copy(response_->New());
      copy->CopyFrom(*response_);
      kept = std::move(copy);
    }
    env_.idempotency.Finish(idempotency_key_, CallOutcome{status, std::move(kept)}, published);
  }
  const bool gateway_ok = status.ok() && (response_ == nullptr || GatewayAnsweredOk(*response_));
  env_.metrics.RecordCall(method_, CommandMetrics::ResultLabel(status, gateway_ok),
                          env_.timers.Now() - started_);
  if (!status.ok()) {
    spdlog::debug("call_failed method={} code={} reason=\"{}\"", method_,
                  absl::StatusCodeToString(status.code()), std::string(status.message()));
  }
  FinishFn finish = std::move(finish_);
  finish(grpcutil::ToGrpcStatus(status));
  env_.calls.Leave();
}

}  // namespace wm::command
