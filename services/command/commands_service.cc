#include "services/command/commands_service.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/wirepas/convert.h"
#include "libs/wirepas/topic.h"
#include "services/command/command_requests.h"
#include "spdlog/spdlog.h"

namespace wm::command {
namespace {

namespace gwapi = wirepas::gwapi;

// Starts a unary call and checks the fields every call has. nullptr when the call already
// ended (refused, or a bad field).
std::shared_ptr<CommandCall> StartUnary(
    CommandEnv& env, std::string_view method, grpc::CallbackServerContext* context,
    grpc::ServerUnaryReactor* reactor, google::protobuf::Message* response,
    std::string_view gateway_id, std::optional<std::string_view> sink_id, uint32_t timeout_ms,
    std::string_view client_request_id, absl::Duration default_timeout) {
  std::shared_ptr<CommandCall> call = CommandCall::CreateUnary(
      env, method, context, reactor, response, timeout_ms, default_timeout);
  if (call == nullptr) return nullptr;
  absl::Status valid = CheckCommonFields(gateway_id, sink_id, timeout_ms, client_request_id);
  if (!valid.ok()) {
    call->Finish(valid, false);
    return nullptr;
  }
  return call;
}

// On an INVALID_PARAM answer to a set_config of `sent`, names in `result` the fields the sink
// refused: the gateway's code does not say which.
void NameRefusedFields(const gwapi::SinkNewConfig& sent, const gwapi::SetConfigResp& answer,
                       wm::v1::GatewayResult* result) {
  if (result->code() != wm::v1::GATEWAY_RESULT_INVALID_PARAM) return;
  result->set_detail(DescribeRefusedFields(
      RefusedSetConfigFields(sent, answer.has_config() ? &answer.config() : nullptr)));
}

GatewayRequest MakeRequest(wirepas::Method method, const std::string& gateway_id,
                           const std::string& sink_id, absl::Time deadline) {
  GatewayRequest request;
  request.method = method;
  request.gateway_id = gateway_id;
  request.sink_id = sink_id;
  request.message = NewGatewayRequest(method);
  request.deadline = deadline;
  return request;
}

// Sends `request` for `call`, then ends the call: with the request's error, or with OK after
// `fill` put the answer into the response.
void SendAndFinish(const std::shared_ptr<CommandCall>& call, GatewayRequest request,
                   std::function<void(const GatewayReply&)> fill) {
  call->env().requester.Send(std::move(request),
                             [call, fill = std::move(fill)](GatewayReply reply) {
                               if (!reply.status.ok()) {
                                 call->Finish(reply.status, reply.published);
                                 return;
                               }
                               fill(reply);
                               call->Finish(absl::OkStatus(), true);
                             });
}

const GatewayView* ViewOrNull(const std::optional<GatewayView>& view) {
  return view ? &*view : nullptr;
}

// A client-streamed scratchpad upload: reads the whole image, then sends it in one request or
// in chunks (docs/gateway-api.md "OTAP"), each awaited before the next.
class UploadReactor final : public grpc::ServerReadReactor<wm::v1::UploadScratchpadRequest> {
 public:
  UploadReactor(CommandEnv& env, grpc::CallbackServerContext* context,
                wm::v1::UploadScratchpadResponse* response)
      : env_(env), context_(context), response_(response) {
    StartRead(&incoming_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client half-closed (the image is complete) or the call was cancelled.
      if (context_->IsCancelled()) {
        FinishOnce(grpc::Status::CANCELLED);
        return;
      }
      StartUpload();
      return;
    }
    if (first_) {
      first_ = false;
      header_ = incoming_;
      header_.clear_data();
    }
    if (image_.size() + incoming_.data().size() > env_.defaults.max_upload_bytes) {
      // Every reply goes through the call when it exists; none does while reading.
      env_.metrics.RecordCall("UploadScratchpad", "invalid_argument", absl::ZeroDuration());
      FinishOnce(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              absl::StrCat("data: a scratchpad image is at most ",
                                           env_.defaults.max_upload_bytes, " bytes")));
      return;
    }
    image_.append(incoming_.data());
    incoming_.Clear();
    StartRead(&incoming_);
  }

  void OnDone() override { delete this; }

 private:
  void FinishOnce(const grpc::Status& status) {
    if (finished_.exchange(true)) return;
    Finish(status);
  }

  void StartUpload() {
    call_ = CommandCall::Create(
        env_, "UploadScratchpad", response_,
        CallTimingOf(*context_, header_.timeout_ms(), env_.defaults.upload_timeout),
        [this](const grpc::Status& status) { FinishOnce(status); });
    if (call_ == nullptr) return;
    // Finish may end the reactor (and call_) in another thread: keep the call alive here.
    std::shared_ptr<CommandCall> call = call_;
    absl::Status valid = CheckCommonFields(header_.gateway_id(), header_.sink_id(),
                                           header_.timeout_ms(), header_.client_request_id());
    if (valid.ok()) valid = CheckScratchpadSeq(header_.seq(), image_.empty());
    if (!valid.ok()) {
      call->Finish(valid, false);
      return;
    }
    // The image is part of what the request asks: a retry must stream the same bytes.
    call->RunOnce(
        header_.client_request_id(), header_, [this] { FindChunkSize(); }, image_);
  }

  // The chunk size comes from the gateway's status; a gateway without a known status is asked
  // with get_gw_info.
  void FindChunkSize() {
    std::optional<GatewayView> view = env_.directory.Find(header_.gateway_id());
    if (view && view->status_seen) {
      SendChunks(view->max_scratchpad_size);
      return;
    }
    std::shared_ptr<CommandCall> call = call_;
    GatewayRequest request =
        MakeRequest(wirepas::Method::kGetGwInfo, header_.gateway_id(), "", call->RequestDeadline());
    env_.requester.Send(std::move(request), [this, call](GatewayReply reply) {
      if (!reply.status.ok()) {
        call->Finish(reply.status, false);
        return;
      }
      const gwapi::GatewayInfo& info = reply.answer.wirepas().get_gateway_info_resp().info();
      SendChunks(info.has_max_scratchpad_size()
                     ? std::optional<uint32_t>(info.max_scratchpad_size())
                     : std::nullopt);
    });
  }

  void SendChunks(std::optional<uint32_t> max_chunk) {
    chunks_ = SplitScratchpad(image_.size(), max_chunk);
    response_->set_size(static_cast<uint32_t>(image_.size()));
    response_->set_chunk_size(chunks_.size() > 1 ? *max_chunk : 0);
    SendChunk(0);
  }

  void SendChunk(size_t index) {
    std::shared_ptr<CommandCall> call = call_;
    if (context_->IsCancelled()) {
      call->Finish(absl::CancelledError("the client cancelled the upload"), index > 0);
      return;
    }
    const ScratchpadChunk& chunk = chunks_[index];
    GatewayRequest request = MakeRequest(wirepas::Method::kOtapLoadScratchpad, header_.gateway_id(),
                                         header_.sink_id(), call->RequestDeadline());
    gwapi::UploadScratchpadReq* upload =
        request.message.mutable_wirepas()->mutable_upload_scratchpad_req();
    upload->set_seq(header_.seq());
    // An empty image leaves `scratchpad` out: the gateway clears the stored one.
    if (!image_.empty()) upload->set_scratchpad(image_.substr(chunk.offset, chunk.size));
    if (chunks_.size() > 1) {
      upload->mutable_chunk_info()->set_scratchpad_total_size(static_cast<uint32_t>(image_.size()));
      upload->mutable_chunk_info()->set_start_offset(chunk.offset);
    }
    env_.requester.Send(std::move(request), [this, call, index](GatewayReply reply) {
      response_->set_requests_sent(static_cast<uint32_t>(index + 1));
      if (!reply.status.ok()) {
        call->Finish(reply.status, reply.published || index > 0);
        return;
      }
      *response_->mutable_result() = reply.result;
      const bool last = index + 1 == chunks_.size();
      if (last && !image_.empty()) {
        response_->mutable_result()->set_detail(
            DescribeUploadResult(reply.result.code(), image_.size()));
      }
      if (last || reply.result.code() != wm::v1::GATEWAY_RESULT_OK) {
        if (!last) {
          spdlog::warn("upload_chunk_refused gateway={} sink={} offset={} result={}",
                       header_.gateway_id(), header_.sink_id(), chunks_[index].offset,
                       reply.result.name());
        }
        call->Finish(absl::OkStatus(), true);
        return;
      }
      SendChunk(index + 1);
    });
  }

  CommandEnv& env_;
  grpc::CallbackServerContext* const context_;
  wm::v1::UploadScratchpadResponse* const response_;
  wm::v1::UploadScratchpadRequest incoming_;
  wm::v1::UploadScratchpadRequest header_;
  bool first_ = true;
  std::string image_;
  std::vector<ScratchpadChunk> chunks_;
  std::shared_ptr<CommandCall> call_;
  std::atomic<bool> finished_{false};
};

}  // namespace

grpc::ServerUnaryReactor* CommandsService::GetConfigs(grpc::CallbackServerContext* context,
                                                      const wm::v1::GetConfigsRequest* request,
                                                      wm::v1::GetConfigsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call = StartUnary(
      env_, "GetConfigs", context, reactor, response, request->gateway_id(), std::nullopt,
      request->timeout_ms(), request->client_request_id(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  call->RunOnce(request->client_request_id(), *request, [=] {
    SendAndFinish(call,
                  MakeRequest(wirepas::Method::kGetConfigs, request->gateway_id(), "",
                              call->RequestDeadline()),
                  [response](const GatewayReply& reply) {
                    *response->mutable_result() = reply.result;
                    for (const gwapi::SinkReadConfig& config :
                         reply.answer.wirepas().get_configs_resp().configs()) {
                      wirepas::ToSinkConfig(config, response->add_configs());
                    }
                  });
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommandsService::SetConfig(grpc::CallbackServerContext* context,
                                                     const wm::v1::SetConfigRequest* request,
                                                     wm::v1::SetConfigResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call = StartUnary(
      env_, "SetConfig", context, reactor, response, request->gateway_id(), request->sink_id(),
      request->timeout_ms(), request->client_request_id(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  const std::optional<GatewayView> view = env_.directory.Find(request->gateway_id());
  absl::StatusOr<gwapi::SinkNewConfig> config =
      ToSinkNewConfig(request->config(), request->sink_id(), ViewOrNull(view));
  if (!config.ok()) {
    call->Finish(config.status(), false);
    return reactor;
  }
  call->RunOnce(request->client_request_id(), *request, [=, config = *std::move(config)] {
    GatewayRequest gateway_request = MakeRequest(wirepas::Method::kSetConfig, request->gateway_id(),
                                                 request->sink_id(), call->RequestDeadline());
    *gateway_request.message.mutable_wirepas()->mutable_set_config_req()->mutable_config() = config;
    SendAndFinish(call, std::move(gateway_request), [response, config](const GatewayReply& reply) {
      *response->mutable_result() = reply.result;
      const auto& answer = reply.answer.wirepas().set_config_resp();
      if (answer.has_config()) {
        wirepas::ToSinkConfig(answer.config(), response->mutable_config());
      }
      NameRefusedFields(config, answer, response->mutable_result());
    });
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommandsService::SetAppConfig(grpc::CallbackServerContext* context,
                                                        const wm::v1::SetAppConfigRequest* request,
                                                        wm::v1::SetAppConfigResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call = StartUnary(
      env_, "SetAppConfig", context, reactor, response, request->gateway_id(), request->sink_id(),
      request->timeout_ms(), request->client_request_id(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  // Checked now with what is known, so that a bad call fails before anything is published;
  // an automatic sequence is checked again against the sink's fresh configuration.
  const std::optional<GatewayView> view = env_.directory.Find(request->gateway_id());
  const wm::v1::SinkConfig* known = view ? view->FindSink(request->sink_id()) : nullptr;
  std::optional<uint32_t> max_size;
  if (known != nullptr && known->has_app_config_max_size()) {
    max_size = known->app_config_max_size();
  }
  absl::Status valid = CheckAppConfig(request->diag_interval_s(), request->data(),
                                      request->has_seq() ? request->seq() : 1, max_size);
  if (!valid.ok()) {
    call->Finish(valid, false);
    return reactor;
  }

  // Sends the app config with `seq`; the response reports the sequence and the new config.
  auto send = [call, request, response](uint32_t seq) {
    response->set_seq(seq);
    GatewayRequest gateway_request = MakeRequest(wirepas::Method::kSetConfig, request->gateway_id(),
                                                 request->sink_id(), call->RequestDeadline());
    gwapi::SinkNewConfig* config =
        gateway_request.message.mutable_wirepas()->mutable_set_config_req()->mutable_config();
    config->set_sink_id(request->sink_id());
    gwapi::AppConfigData* app = config->mutable_app_config();
    app->set_diag_interval_s(request->diag_interval_s());
    app->set_app_config_data(request->data());
    app->set_seq(seq);
    const gwapi::SinkNewConfig sent = *config;
    SendAndFinish(call, std::move(gateway_request), [response, sent](const GatewayReply& reply) {
      *response->mutable_result() = reply.result;
      const auto& answer = reply.answer.wirepas().set_config_resp();
      if (answer.has_config()) wirepas::ToSinkConfig(answer.config(), response->mutable_config());
      NameRefusedFields(sent, answer, response->mutable_result());
    });
  };

  call->RunOnce(request->client_request_id(), *request, [=] {
    if (request->has_seq()) {
      send(request->seq());
      return;
    }
    // The current sequence is read fresh: a status may be older than the sink's config.
    env_.requester.Send(
        MakeRequest(wirepas::Method::kGetConfigs, request->gateway_id(), "",
                    call->RequestDeadline()),
        [call, request, response, send](GatewayReply reply) {
          if (!reply.status.ok()) {
            call->Finish(reply.status, false);
            return;
          }
          if (reply.result.code() != wm::v1::GATEWAY_RESULT_OK) {
            *response->mutable_result() = reply.result;
            call->Finish(absl::OkStatus(), false);
            return;
          }
          for (const gwapi::SinkReadConfig& config :
               reply.answer.wirepas().get_configs_resp().configs()) {
            if (config.sink_id() != request->sink_id()) continue;
            const uint32_t current = config.has_app_config() ? config.app_config().seq() : 0;
            const uint32_t next = NextAppConfigSeq(current);
            std::optional<uint32_t> fresh_max;
            if (config.has_app_config_max_size()) fresh_max = config.app_config_max_size();
            absl::Status fresh =
                CheckAppConfig(request->diag_interval_s(), request->data(), next, fresh_max);
            if (!fresh.ok()) {
              call->Finish(fresh, false);
              return;
            }
            send(next);
            return;
          }
          call->Finish(absl::NotFoundError(absl::StrCat("gateway ", request->gateway_id(),
                                                        " reports no sink ", request->sink_id())),
                       false);
        });
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommandsService::GetGatewayInfo(
    grpc::CallbackServerContext* context, const wm::v1::GetGatewayInfoRequest* request,
    wm::v1::GetGatewayInfoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call = StartUnary(
      env_, "GetGatewayInfo", context, reactor, response, request->gateway_id(), std::nullopt,
      request->timeout_ms(), request->client_request_id(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  call->RunOnce(request->client_request_id(), *request, [=] {
    SendAndFinish(call,
                  MakeRequest(wirepas::Method::kGetGwInfo, request->gateway_id(), "",
                              call->RequestDeadline()),
                  [response](const GatewayReply& reply) {
                    *response->mutable_result() = reply.result;
                    const auto& answer = reply.answer.wirepas().get_gateway_info_resp();
                    if (answer.has_info()) {
                      wirepas::ToGatewayInfo(answer.info(), response->mutable_info());
                    }
                  });
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommandsService::SendData(grpc::CallbackServerContext* context,
                                                    const wm::v1::SendDataRequest* request,
                                                    wm::v1::SendDataResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call = StartUnary(
      env_, "SendData", context, reactor, response, request->gateway_id(), request->sink_id(),
      request->timeout_ms(), request->client_request_id(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  absl::StatusOr<gwapi::SendPacketReq> packet = ToSendPacketReq(*request);
  if (!packet.ok()) {
    call->Finish(packet.status(), false);
    return reactor;
  }
  call->RunOnce(request->client_request_id(), *request, [=, packet = *std::move(packet)] {
    GatewayRequest gateway_request = MakeRequest(wirepas::Method::kSendData, request->gateway_id(),
                                                 request->sink_id(), call->RequestDeadline());
    // The requester fills in the header.
    *gateway_request.message.mutable_wirepas()->mutable_send_packet_req() = packet;
    SendAndFinish(call, std::move(gateway_request), [response](const GatewayReply& reply) {
      *response->mutable_result() = reply.result;
    });
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommandsService::GetScratchpadStatus(
    grpc::CallbackServerContext* context, const wm::v1::GetScratchpadStatusRequest* request,
    wm::v1::GetScratchpadStatusResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call =
      StartUnary(env_, "GetScratchpadStatus", context, reactor, response, request->gateway_id(),
                 request->sink_id(), request->timeout_ms(), request->client_request_id(),
                 env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  call->RunOnce(request->client_request_id(), *request, [=] {
    SendAndFinish(call,
                  MakeRequest(wirepas::Method::kOtapStatus, request->gateway_id(),
                              request->sink_id(), call->RequestDeadline()),
                  [response](const GatewayReply& reply) {
                    *response->mutable_result() = reply.result;
                    ToScratchpadStatusResponse(reply.answer.wirepas().get_scratchpad_status_resp(),
                                               response);
                  });
  });
  return reactor;
}

grpc::ServerReadReactor<wm::v1::UploadScratchpadRequest>* CommandsService::UploadScratchpad(
    grpc::CallbackServerContext* context, wm::v1::UploadScratchpadResponse* response) {
  return new UploadReactor(env_, context, response);
}

grpc::ServerUnaryReactor* CommandsService::ProcessScratchpad(
    grpc::CallbackServerContext* context, const wm::v1::ProcessScratchpadRequest* request,
    wm::v1::ProcessScratchpadResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call =
      StartUnary(env_, "ProcessScratchpad", context, reactor, response, request->gateway_id(),
                 request->sink_id(), request->timeout_ms(), request->client_request_id(),
                 env_.defaults.process_timeout);
  if (call == nullptr) return reactor;
  call->RunOnce(request->client_request_id(), *request, [=] {
    SendAndFinish(
        call,
        MakeRequest(wirepas::Method::kOtapProcessScratchpad, request->gateway_id(),
                    request->sink_id(), call->RequestDeadline()),
        [response](const GatewayReply& reply) { *response->mutable_result() = reply.result; });
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommandsService::SetScratchpadTargetAndAction(
    grpc::CallbackServerContext* context,
    const wm::v1::SetScratchpadTargetAndActionRequest* request,
    wm::v1::SetScratchpadTargetAndActionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call =
      StartUnary(env_, "SetScratchpadTargetAndAction", context, reactor, response,
                 request->gateway_id(), request->sink_id(), request->timeout_ms(),
                 request->client_request_id(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  absl::StatusOr<gwapi::TargetScratchpadAndAction> target =
      ToWireTargetAndAction(request->target_and_action());
  if (!target.ok()) {
    call->Finish(target.status(), false);
    return reactor;
  }
  call->RunOnce(request->client_request_id(), *request, [=, target = *std::move(target)] {
    GatewayRequest gateway_request =
        MakeRequest(wirepas::Method::kOtapSetTargetScratchpad, request->gateway_id(),
                    request->sink_id(), call->RequestDeadline());
    *gateway_request.message.mutable_wirepas()
         ->mutable_set_scratchpad_target_and_action_req()
         ->mutable_target_and_action() = target;
    SendAndFinish(call, std::move(gateway_request), [response, target](const GatewayReply& reply) {
      *response->mutable_result() = reply.result;
      response->mutable_result()->set_detail(DescribeTargetResult(reply.result.code(), target));
    });
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommandsService::SetConfigurationDataItem(
    grpc::CallbackServerContext* context, const wm::v1::SetConfigurationDataItemRequest* request,
    wm::v1::SetConfigurationDataItemResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call =
      StartUnary(env_, "SetConfigurationDataItem", context, reactor, response,
                 request->gateway_id(), request->sink_id(), request->timeout_ms(),
                 request->client_request_id(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  const std::optional<GatewayView> view = env_.directory.Find(request->gateway_id());
  absl::Status valid =
      CheckConfigurationDataItem(request->endpoint(), &request->payload(), ViewOrNull(view));
  if (!valid.ok()) {
    call->Finish(valid, false);
    return reactor;
  }
  call->RunOnce(request->client_request_id(), *request, [=] {
    GatewayRequest gateway_request =
        MakeRequest(wirepas::Method::kSetConfigurationDataItem, request->gateway_id(),
                    request->sink_id(), call->RequestDeadline());
    gwapi::ConfigurationDataItem* item = gateway_request.message.mutable_wirepas()
                                             ->mutable_set_configuration_data_item_req()
                                             ->mutable_configuration_data_item();
    item->set_endpoint(request->endpoint());
    item->set_payload(request->payload());
    SendAndFinish(call, std::move(gateway_request), [response](const GatewayReply& reply) {
      *response->mutable_result() = reply.result;
    });
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommandsService::GetConfigurationDataItem(
    grpc::CallbackServerContext* context, const wm::v1::GetConfigurationDataItemRequest* request,
    wm::v1::GetConfigurationDataItemResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call =
      StartUnary(env_, "GetConfigurationDataItem", context, reactor, response,
                 request->gateway_id(), request->sink_id(), request->timeout_ms(),
                 request->client_request_id(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  const std::optional<GatewayView> view = env_.directory.Find(request->gateway_id());
  absl::Status valid = CheckConfigurationDataItem(request->endpoint(), nullptr, ViewOrNull(view));
  if (!valid.ok()) {
    call->Finish(valid, false);
    return reactor;
  }
  call->RunOnce(request->client_request_id(), *request, [=] {
    GatewayRequest gateway_request =
        MakeRequest(wirepas::Method::kGetConfigurationDataItem, request->gateway_id(),
                    request->sink_id(), call->RequestDeadline());
    gateway_request.message.mutable_wirepas()
        ->mutable_get_configuration_data_item_req()
        ->set_endpoint(request->endpoint());
    SendAndFinish(call, std::move(gateway_request), [response](const GatewayReply& reply) {
      *response->mutable_result() = reply.result;
      const auto& answer = reply.answer.wirepas().get_configuration_data_item_resp();
      if (answer.has_configuration_data_item()) {
        response->mutable_item()->set_endpoint(answer.configuration_data_item().endpoint());
        response->mutable_item()->set_payload(answer.configuration_data_item().payload());
      }
    });
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommandsService::ClearGatewayStatus(
    grpc::CallbackServerContext* context, const wm::v1::ClearGatewayStatusRequest* request,
    wm::v1::ClearGatewayStatusResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call = StartUnary(
      env_, "ClearGatewayStatus", context, reactor, response, request->gateway_id(), std::nullopt,
      request->timeout_ms(), request->client_request_id(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  const wm::v1::GatewayState state = env_.directory.StateOf(request->gateway_id());
  if (state == wm::v1::GATEWAY_STATE_ONLINE && !request->force()) {
    call->Finish(absl::FailedPreconditionError(absl::StrCat(
                     "gateway ", request->gateway_id(),
                     " is online; clearing its status would hide it (set force to do it)")),
                 false);
    return reactor;
  }
  call->RunOnce(request->client_request_id(), *request, [=] {
    response->set_previous_state(state);
    // The gateways' last will uses QoS 2 on this topic; so does the clear.
    absl::Status sent =
        env_.publish_and_wait(wirepas::StatusTopic(request->gateway_id()), "", 2,
                              /*retained=*/true, call->RequestDeadline() - env_.timers.Now());
    if (sent.ok()) {
      spdlog::info("gateway_status_cleared gateway={} previous_state={}", request->gateway_id(),
                   wm::v1::GatewayState_Name(state));
    }
    // DeadlineExceeded: the broker may still take it, so the outcome is kept.
    call->Finish(sent, sent.ok() || absl::IsDeadlineExceeded(sent));
  });
  return reactor;
}

}  // namespace wm::command
