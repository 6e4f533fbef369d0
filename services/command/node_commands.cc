#include "services/command/node_commands.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/decoders/msap_encoder.h"
#include "libs/decoders/msap_frames.h"
#include "libs/wirepas/address.h"
#include "libs/wirepas/convert.h"
#include "services/command/command_requests.h"

namespace wm::command {
namespace {

// Answers held while the downlinks are still being answered (a node may answer before the
// gateway does); beyond this many, later ones are dropped.
constexpr size_t kMaxHeldReplies = 10000;
// Update countdown when the request leaves it 0, as wm-gw-cli used.
constexpr uint32_t kDefaultUpdateCountdownS = 30;

// A downlink's destination: the request's, or broadcast when it names none.
template <typename Request>
uint32_t DestinationOrBroadcast(const Request& request) {
  return request.has_destination_address() ? request.destination_address()
                                           : wirepas::kBroadcastAddress;
}

// One node command in progress: listens for answers, sends its downlinks one after another
// (each once the previous one is answered), then collects answers until none came for the
// quiet period, or until `end`. Hooks run under the run's lock, in order: every on_sent before
// any on_reply; on_end runs once, without the lock.
class NodeCommandRun : public std::enable_shared_from_this<NodeCommandRun> {
 public:
  struct Downlink {
    uint32_t destination = wirepas::kBroadcastAddress;
    std::string payload;
  };
  struct Options {
    std::string gateway_id;
    std::string sink_id;
    std::vector<Downlink> downlinks;
    NodeReplyFilter filter;
    // Per downlink answer.
    absl::Duration request_timeout;
    // Zero: end once the downlinks are answered, without collecting.
    absl::Duration quiet_period;
    // Collection ends then at the latest.
    absl::Time end;
  };
  struct Hooks {
    std::function<void(const wm::v1::DownlinkResult&)> on_sent;
    // Given each answer from a node not counted yet; returns whether it answers this command
    // (only then is the node counted and the quiet period restarted).
    std::function<bool(const NodeReply&)> on_reply;
    // OK once collection is over (or when no downlink was accepted); the first downlink's
    // error otherwise; the status of Cancel.
    std::function<void(const absl::Status&, bool published)> on_end;
  };

  static std::shared_ptr<NodeCommandRun> Start(CommandEnv& env, Options options, Hooks hooks) {
    std::shared_ptr<NodeCommandRun> run(
        new NodeCommandRun(env, std::move(options), std::move(hooks)));
    std::weak_ptr<NodeCommandRun> weak = run;
    {
      // Listeners and timers hold weak references; the run keeps itself until it ends.
      absl::MutexLock lock(&run->mu_);
      run->self_ = run;
    }
    run->listener_ = env.replies.Add(run->options_.filter, [weak](const NodeReply& reply) {
      if (auto self = weak.lock()) self->OnReply(reply);
    });
    {
      absl::MutexLock lock(&run->mu_);
      run->end_timer_ = env.timers.RunAt(run->options_.end, [weak] {
        if (auto self = weak.lock()) self->OnEndTime();
      });
    }
    run->SendNext(0);
    return run;
  }

  void Cancel(const absl::Status& status) { End(status); }

 private:
  NodeCommandRun(CommandEnv& env, Options options, Hooks hooks)
      : env_(env), options_(std::move(options)), hooks_(std::move(hooks)) {}

  void SendNext(size_t index) {
    if (index == options_.downlinks.size()) {
      DownlinksDone();
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      if (ended_) return;
    }
    const Downlink& downlink = options_.downlinks[index];
    GatewayRequest request;
    request.method = wirepas::Method::kSendData;
    request.gateway_id = options_.gateway_id;
    request.sink_id = options_.sink_id;
    request.message = NewGatewayRequest(wirepas::Method::kSendData);
    wirepas::gwapi::SendPacketReq* packet =
        request.message.mutable_wirepas()->mutable_send_packet_req();
    packet->set_destination_address(downlink.destination);
    packet->set_source_endpoint(decoders::kMsapRequestSourceEndpoint);
    packet->set_destination_endpoint(decoders::kMsapRequestDestinationEndpoint);
    packet->set_qos(0);
    packet->set_payload(downlink.payload);
    request.deadline = std::min(env_.timers.Now() + options_.request_timeout, options_.end);
    const uint32_t destination = downlink.destination;
    std::shared_ptr<NodeCommandRun> self = shared_from_this();
    env_.requester.Send(std::move(request), [self, index, destination](GatewayReply reply) {
      if (!reply.status.ok()) {
        self->End(reply.status, reply.published);
        return;
      }
      {
        absl::MutexLock lock(&self->mu_);
        if (self->ended_) return;
        self->published_ = true;
        wm::v1::DownlinkResult sent;
        sent.set_destination_address(destination);
        *sent.mutable_result() = reply.result;
        if (reply.result.code() == wm::v1::GATEWAY_RESULT_OK) self->any_accepted_ = true;
        self->hooks_.on_sent(sent);
      }
      self->SendNext(index + 1);
    });
  }

  void DownlinksDone() {
    bool end_now = false;
    {
      absl::MutexLock lock(&mu_);
      if (ended_) return;
      sending_ = false;
      if (!any_accepted_ || options_.quiet_period <= absl::ZeroDuration()) {
        end_now = true;
      } else {
        std::vector<NodeReply> held;
        held.swap(held_);
        for (const NodeReply& reply : held) TakeReplyLocked(reply);
        ArmQuietTimerLocked();
      }
    }
    if (end_now) End(absl::OkStatus());
  }

  void OnReply(const NodeReply& reply) {
    absl::MutexLock lock(&mu_);
    if (ended_) return;
    if (sending_) {
      if (held_.size() < kMaxHeldReplies) held_.push_back(reply);
      return;
    }
    if (TakeReplyLocked(reply)) ArmQuietTimerLocked();
  }

  bool TakeReplyLocked(const NodeReply& reply) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (heard_.contains(reply.source_address)) return false;
    if (!hooks_.on_reply(reply)) return false;
    heard_.insert(reply.source_address);
    env_.metrics.node_replies.Increment();
    return true;
  }

  void ArmQuietTimerLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (quiet_timer_ != 0) env_.timers.Cancel(quiet_timer_);
    std::weak_ptr<NodeCommandRun> weak = weak_from_this();
    quiet_timer_ = env_.timers.RunAt(env_.timers.Now() + options_.quiet_period, [weak] {
      if (auto self = weak.lock()) self->End(absl::OkStatus());
    });
  }

  void OnEndTime() {
    {
      absl::MutexLock lock(&mu_);
      // While a downlink waits for its answer, its own deadline (never after `end`) ends it.
      if (sending_) return;
    }
    End(absl::OkStatus());
  }

  void End(const absl::Status& status, bool published = false) {
    TimerQueue::Id quiet = 0;
    TimerQueue::Id end = 0;
    bool any_published = false;
    std::shared_ptr<NodeCommandRun> keep;  // released once on_end has run
    {
      absl::MutexLock lock(&mu_);
      if (ended_) return;
      ended_ = true;
      keep = std::move(self_);
      quiet = quiet_timer_;
      end = end_timer_;
      held_.clear();
      any_published = published_ || published;
    }
    if (quiet != 0) env_.timers.Cancel(quiet);
    if (end != 0) env_.timers.Cancel(end);
    env_.replies.Remove(listener_);
    hooks_.on_end(status, any_published);
  }

  CommandEnv& env_;
  const Options options_;
  const Hooks hooks_;
  uint64_t listener_ = 0;
  absl::Mutex mu_;
  bool sending_ ABSL_GUARDED_BY(mu_) = true;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool any_accepted_ ABSL_GUARDED_BY(mu_) = false;
  bool published_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<NodeReply> held_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint32_t> heard_ ABSL_GUARDED_BY(mu_);
  TimerQueue::Id quiet_timer_ ABSL_GUARDED_BY(mu_) = 0;
  TimerQueue::Id end_timer_ ABSL_GUARDED_BY(mu_) = 0;
  std::shared_ptr<NodeCommandRun> self_ ABSL_GUARDED_BY(mu_);
};

// Ties a streaming call's cancellation to the run that may start later (after the sink is
// resolved): a cancel before the run starts keeps it from starting.
class StreamCancellation {
 public:
  // Returns false when the call was already cancelled (the run must not start).
  bool Attach(const std::shared_ptr<NodeCommandRun>& run) {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return false;
    run_ = run;
    return true;
  }
  bool cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  void Cancel() {
    std::shared_ptr<NodeCommandRun> run;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      run = run_.lock();
    }
    if (run != nullptr) run->Cancel(absl::CancelledError("the client cancelled the call"));
  }

 private:
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::weak_ptr<NodeCommandRun> run_ ABSL_GUARDED_BY(mu_);
};

// Copies where a node's answer came from into a streamed message (PingReply,
// NodeScratchpadStatus).
template <typename Message>
void SetReplyOrigin(const NodeReply& reply, Message* message) {
  message->set_source_address(reply.source_address);
  message->set_hop_count(reply.hop_count);
  message->set_travel_time_ms(reply.travel_time_ms);
  message->set_gateway_id(reply.gateway_id);
  message->set_sink_id(reply.sink_id);
  message->set_network_address(reply.network_address);
}

// Streams each downlink's result as a `sent` message of the call's response type.
template <typename Response>
std::function<void(const wm::v1::DownlinkResult&)> StreamSent(
    std::shared_ptr<StreamOut<Response>> out) {
  return [out = std::move(out)](const wm::v1::DownlinkResult& sent) {
    Response message;
    *message.mutable_sent() = sent;
    out->Push(std::move(message));
  };
}

// Starts a streamed node command whose end finishes `call`, unless the client has already
// cancelled it.
void StartStreamedRun(CommandEnv& env, NodeCommandRun::Options options, NodeCommandRun::Hooks hooks,
                      std::shared_ptr<CommandCall> call,
                      const std::shared_ptr<StreamCancellation>& cancellation) {
  hooks.on_end = [call = std::move(call)](const absl::Status& status, bool published) {
    call->Finish(status, published);
  };
  std::shared_ptr<NodeCommandRun> run =
      NodeCommandRun::Start(env, std::move(options), std::move(hooks));
  if (!cancellation->Attach(run)) run->Cancel(absl::CancelledError("the client cancelled"));
}

// The replies of a network: by its address when known, else through the gateway itself.
NodeReplyFilter FilterFor(const std::string& gateway_id, const wm::v1::SinkConfig* sink) {
  NodeReplyFilter filter;
  if (sink != nullptr && sink->has_network_address()) {
    filter.network_address = sink->network_address();
  } else {
    filter.gateway_id = gateway_id;
  }
  return filter;
}

// The first frame of `reply` that is an MSAP error, or nullptr.
const wm::v1::MsapResponseFrame* FirstError(const NodeReply& reply) {
  for (const wm::v1::MsapResponseFrame& frame : reply.frames.frames()) {
    if (frame.has_error()) return &frame;
  }
  return nullptr;
}

// An acknowledgement hook: accepts answers with a frame of one of `types` or an error frame.
std::function<bool(const NodeReply&)> AckCollector(std::vector<uint32_t> types,
                                                   wm::v1::NodeCommandResponse* response) {
  return [types = std::move(types), response](const NodeReply& reply) {
    const wm::v1::MsapResponseFrame* error = FirstError(reply);
    bool answers = error != nullptr;
    for (const wm::v1::MsapResponseFrame& frame : reply.frames.frames()) {
      if (std::find(types.begin(), types.end(), frame.type()) != types.end()) answers = true;
    }
    if (!answers) return false;
    wm::v1::NodeAck* ack = response->add_acks();
    ack->set_source_address(reply.source_address);
    ack->set_ok(reply.decoded && error == nullptr);
    if (error != nullptr) {
      ack->set_error(error->error().error_name());
    } else if (!reply.decoded) {
      ack->set_error("MALFORMED");
    }
    ack->set_gateway_id(reply.gateway_id);
    ack->set_sink_id(reply.sink_id);
    return true;
  };
}

// Runs a unary node command once the common fields are checked: resolves the sink, builds the
// downlinks from it, and collects acknowledgements of `ack_types` for `ack_quiet_period_ms`.
void RunUnaryNodeCommand(
    const std::shared_ptr<CommandCall>& call, const std::string& gateway_id,
    const std::string& sink_id, uint32_t ack_quiet_period_ms, std::vector<uint32_t> ack_types,
    wm::v1::NodeCommandResponse* response,
    std::function<std::vector<NodeCommandRun::Downlink>(const wm::v1::SinkConfig&)> downlinks) {
  NodeCommands::ResolveSink(call, gateway_id, sink_id, [=](const wm::v1::SinkConfig& sink) {
    CommandEnv& env = call->env();
    NodeCommandRun::Options options;
    options.gateway_id = gateway_id;
    options.sink_id = sink_id;
    options.downlinks = downlinks(sink);
    options.filter = FilterFor(gateway_id, &sink);
    options.request_timeout = call->RequestDeadline() - env.timers.Now();
    options.quiet_period = absl::Milliseconds(ack_quiet_period_ms);
    options.end =
        std::min(call->call_deadline(), env.timers.Now() + absl::Milliseconds(kMaxTimeoutMs));
    NodeCommandRun::Hooks hooks;
    hooks.on_sent = [response](const wm::v1::DownlinkResult& sent) {
      *response->add_sent() = sent;
    };
    hooks.on_reply = AckCollector(ack_types, response);
    hooks.on_end = [call](const absl::Status& status, bool published) {
      call->Finish(status, published);
    };
    NodeCommandRun::Start(env, std::move(options), std::move(hooks));
  });
}

absl::Status CheckQuietPeriodMs(std::string_view field, uint32_t ms) {
  if (ms > kMaxTimeoutMs) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(field), ": at most ", kMaxTimeoutMs, ", got ", ms));
  }
  return absl::OkStatus();
}

// The checks every unary node command starts with: the common fields and the quiet period.
template <typename Request>
absl::Status CheckUnaryNodeRequest(const Request& request) {
  absl::Status valid = CheckCommonFields(request.gateway_id(), request.sink_id(),
                                         request.timeout_ms(), request.client_request_id());
  if (valid.ok()) valid = CheckQuietPeriodMs("ack_quiet_period_ms", request.ack_quiet_period_ms());
  return valid;
}

// The sink's configuration when wm-command knows it (for the reply filter).
std::optional<wm::v1::SinkConfig> KnownSink(CommandEnv& env, const std::string& gateway_id,
                                            const std::string& sink_id) {
  std::optional<GatewayView> gateway = env.directory.Find(gateway_id);
  if (!gateway) return std::nullopt;
  const wm::v1::SinkConfig* sink = gateway->FindSink(sink_id);
  if (sink == nullptr) return std::nullopt;
  return *sink;
}

}  // namespace

void NodeCommands::ResolveSink(const std::shared_ptr<CommandCall>& call,
                               const std::string& gateway_id, const std::string& sink_id,
                               std::function<void(const wm::v1::SinkConfig&)> then) {
  CommandEnv& env = call->env();
  std::optional<wm::v1::SinkConfig> known = KnownSink(env, gateway_id, sink_id);
  if (known && known->has_node_address()) {
    then(*known);
    return;
  }
  GatewayRequest request;
  request.method = wirepas::Method::kGetConfigs;
  request.gateway_id = gateway_id;
  request.message = NewGatewayRequest(wirepas::Method::kGetConfigs);
  request.deadline = call->RequestDeadline();
  env.requester.Send(std::move(request), [call, gateway_id, sink_id,
                                          then = std::move(then)](GatewayReply reply) {
    if (!reply.status.ok()) {
      call->Finish(reply.status, false);
      return;
    }
    for (const wirepas::gwapi::SinkReadConfig& config :
         reply.answer.wirepas().get_configs_resp().configs()) {
      if (config.sink_id() != sink_id) continue;
      wm::v1::SinkConfig sink;
      wirepas::ToSinkConfig(config, &sink);
      if (!sink.has_node_address()) {
        call->Finish(absl::FailedPreconditionError(absl::StrCat(
                         "sink ", sink_id, " of gateway ", gateway_id, " reports no node address")),
                     false);
        return;
      }
      then(sink);
      return;
    }
    call->Finish(
        absl::NotFoundError(absl::StrCat("gateway ", gateway_id, " reports no sink ", sink_id)),
        false);
  });
}

grpc::ServerWriteReactor<wm::v1::PingResponse>* NodeCommands::Ping(
    grpc::CallbackServerContext* context, const wm::v1::PingRequest* request) {
  auto cancellation = std::make_shared<StreamCancellation>();
  auto [out, reactor] =
      StreamOut<wm::v1::PingResponse>::Create([cancellation] { cancellation->Cancel(); });
  CallTiming timing =
      CallTimingOf(*context, request->timeout_ms(), env_.defaults.node_collect_timeout);
  std::shared_ptr<CommandCall> call =
      CommandCall::Create(env_, "Ping", nullptr, timing,
                          [out = out](const grpc::Status& status) { out->Close(status); });
  if (call == nullptr) return reactor;

  absl::Status valid =
      CheckCommonFields(request->gateway_id(), request->sink_id(), request->timeout_ms(), "");
  if (valid.ok()) valid = CheckQuietPeriodMs("quiet_period_ms", request->quiet_period_ms());
  // A random reference per call keeps concurrent pings apart.
  const uint64_t reference_bits = env_.random_ids.Next();
  std::string reference(8, '\0');
  for (int i = 0; i < 8; ++i) reference[i] = static_cast<char>(reference_bits >> (8 * i));
  absl::StatusOr<std::string> payload = decoders::EncodeMsapPing(reference);
  if (valid.ok() && !payload.ok()) valid = payload.status();
  if (!valid.ok()) {
    call->Finish(valid, false);
    return reactor;
  }

  const absl::Time started = env_.timers.Now();
  const std::optional<wm::v1::SinkConfig> sink =
      KnownSink(env_, request->gateway_id(), request->sink_id());
  NodeCommandRun::Options options;
  options.gateway_id = request->gateway_id();
  options.sink_id = request->sink_id();
  options.downlinks.push_back({DestinationOrBroadcast(*request), *payload});
  // Pings match by their reference, whichever sink the answer comes through.
  if (sink && sink->has_network_address()) options.filter.network_address = sink->network_address();
  options.request_timeout = std::min(env_.defaults.request_timeout, timing.request_timeout);
  options.quiet_period = request->quiet_period_ms() == 0
                             ? env_.defaults.node_quiet_period
                             : absl::Milliseconds(request->quiet_period_ms());
  options.end = std::min(started + timing.request_timeout, timing.call_deadline);
  NodeCommandRun::Hooks hooks;
  hooks.on_sent = StreamSent(out);
  hooks.on_reply = [out = out, reference, started](const NodeReply& reply) {
    for (const wm::v1::MsapResponseFrame& frame : reply.frames.frames()) {
      if (!frame.has_ping() || frame.ping().reference() != reference) continue;
      wm::v1::PingResponse message;
      wm::v1::PingReply* ping = message.mutable_reply();
      SetReplyOrigin(reply, ping);
      ping->set_round_trip_ms(static_cast<uint32_t>(
          std::max<int64_t>(0, absl::ToInt64Milliseconds(reply.received_at - started))));
      out->Push(std::move(message));
      return true;
    }
    return false;
  };
  StartStreamedRun(env_, std::move(options), std::move(hooks), call, cancellation);
  return reactor;
}

grpc::ServerWriteReactor<wm::v1::GetNodesScratchpadStatusResponse>*
NodeCommands::GetNodesScratchpadStatus(grpc::CallbackServerContext* context,
                                       const wm::v1::GetNodesScratchpadStatusRequest* request) {
  using Response = wm::v1::GetNodesScratchpadStatusResponse;
  auto cancellation = std::make_shared<StreamCancellation>();
  auto [out, reactor] = StreamOut<Response>::Create([cancellation] { cancellation->Cancel(); });
  CallTiming timing =
      CallTimingOf(*context, request->timeout_ms(), env_.defaults.node_collect_timeout);
  std::shared_ptr<CommandCall> call =
      CommandCall::Create(env_, "GetNodesScratchpadStatus", nullptr, timing,
                          [out = out](const grpc::Status& status) { out->Close(status); });
  if (call == nullptr) return reactor;
  absl::Status valid =
      CheckCommonFields(request->gateway_id(), request->sink_id(), request->timeout_ms(), "");
  if (valid.ok()) valid = CheckQuietPeriodMs("quiet_period_ms", request->quiet_period_ms());
  if (!valid.ok()) {
    call->Finish(valid, false);
    return reactor;
  }

  const absl::Time started = env_.timers.Now();
  const std::string gateway_id = request->gateway_id();
  const std::string sink_id = request->sink_id();
  const std::optional<uint32_t> destination =
      request->has_destination_address() ? std::optional<uint32_t>(request->destination_address())
                                         : std::nullopt;
  const absl::Duration quiet = request->quiet_period_ms() == 0
                                   ? env_.defaults.node_quiet_period
                                   : absl::Milliseconds(request->quiet_period_ms());
  CommandEnv& env = env_;
  ResolveSink(call, gateway_id, sink_id, [=, &env, out = out](const wm::v1::SinkConfig& sink) {
    NodeCommandRun::Options options;
    options.gateway_id = gateway_id;
    options.sink_id = sink_id;
    const std::string payload = decoders::EncodeMsapScratchpadStatus();
    if (destination) {
      options.downlinks.push_back({*destination, payload});
    } else {
      options.downlinks.push_back({sink.node_address(), payload});
      options.downlinks.push_back({wirepas::kBroadcastAddress, payload});
    }
    options.filter = FilterFor(gateway_id, &sink);
    options.request_timeout = std::min(env.defaults.request_timeout, timing.request_timeout);
    options.quiet_period = quiet;
    options.end = std::min(started + timing.request_timeout, timing.call_deadline);
    NodeCommandRun::Hooks hooks;
    hooks.on_sent = StreamSent(out);
    hooks.on_reply = [out](const NodeReply& reply) {
      for (const wm::v1::MsapResponseFrame& frame : reply.frames.frames()) {
        if (!frame.has_scratchpad_status()) continue;
        Response message;
        wm::v1::NodeScratchpadStatus* node = message.mutable_node();
        SetReplyOrigin(reply, node);
        *node->mutable_status() = frame.scratchpad_status();
        out->Push(std::move(message));
        return true;
      }
      return false;
    };
    StartStreamedRun(env, std::move(options), std::move(hooks), call, cancellation);
  });
  return reactor;
}

grpc::ServerUnaryReactor* NodeCommands::UpdateNodesScratchpad(
    grpc::CallbackServerContext* context, const wm::v1::UpdateNodesScratchpadRequest* request,
    wm::v1::NodeCommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call =
      CommandCall::CreateUnary(env_, "UpdateNodesScratchpad", context, reactor, response,
                               request->timeout_ms(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  absl::Status valid = CheckUnaryNodeRequest(*request);
  // wm-gw-cli's scratchpad_update_only_nodes: cancel, begin, scratchpad update, end, update.
  absl::StatusOr<std::string> update_seq = decoders::EncodeMsapScratchpadUpdate(request->seq());
  const uint32_t countdown =
      request->countdown_s() == 0 ? kDefaultUpdateCountdownS : request->countdown_s();
  absl::StatusOr<std::string> update = decoders::EncodeMsapUpdate(countdown);
  absl::StatusOr<std::string> payload = absl::InternalError("not built");
  if (valid.ok() && !update_seq.ok()) valid = update_seq.status();
  if (valid.ok() && !update.ok()) valid = update.status();
  if (valid.ok()) {
    payload =
        decoders::CombineMsapFrames({decoders::EncodeMsapCancel(), decoders::EncodeMsapBegin(),
                                     *update_seq, decoders::EncodeMsapEnd(), *update});
    if (!payload.ok()) valid = payload.status();
  }
  if (!valid.ok()) {
    call->Finish(valid, false);
    return reactor;
  }
  const uint32_t destination = DestinationOrBroadcast(*request);
  call->RunOnce(request->client_request_id(), *request, [=] {
    RunUnaryNodeCommand(call, request->gateway_id(), request->sink_id(),
                        request->ack_quiet_period_ms(),
                        {decoders::kMsapCancelResponse, decoders::kMsapBeginResponse,
                         decoders::kMsapScratchpadUpdateResponse, decoders::kMsapEndResponse,
                         decoders::kMsapUpdateResponse},
                        response, [destination, payload = *payload](const wm::v1::SinkConfig&) {
                          return std::vector<NodeCommandRun::Downlink>{{destination, payload}};
                        });
  });
  return reactor;
}

grpc::ServerUnaryReactor* NodeCommands::CancelNodesUpdate(
    grpc::CallbackServerContext* context, const wm::v1::CancelNodesUpdateRequest* request,
    wm::v1::NodeCommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call =
      CommandCall::CreateUnary(env_, "CancelNodesUpdate", context, reactor, response,
                               request->timeout_ms(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  absl::Status valid = CheckUnaryNodeRequest(*request);
  if (!valid.ok()) {
    call->Finish(valid, false);
    return reactor;
  }
  const uint32_t destination = DestinationOrBroadcast(*request);
  call->RunOnce(request->client_request_id(), *request, [=] {
    RunUnaryNodeCommand(
        call, request->gateway_id(), request->sink_id(), request->ack_quiet_period_ms(),
        {decoders::kMsapCancelResponse}, response, [destination](const wm::v1::SinkConfig&) {
          return std::vector<NodeCommandRun::Downlink>{{destination, decoders::EncodeMsapCancel()}};
        });
  });
  return reactor;
}

grpc::ServerUnaryReactor* NodeCommands::SetNeighborDiagnostics(
    grpc::CallbackServerContext* context, const wm::v1::SetNeighborDiagnosticsRequest* request,
    wm::v1::NodeCommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<CommandCall> call =
      CommandCall::CreateUnary(env_, "SetNeighborDiagnostics", context, reactor, response,
                               request->timeout_ms(), env_.defaults.request_timeout);
  if (call == nullptr) return reactor;
  absl::Status valid = CheckUnaryNodeRequest(*request);
  // wm-gw-cli's set_ndiag: neighbor diagnostics, or every diagnostic off with interval 0.
  absl::StatusOr<std::string> payload = decoders::EncodeDiagnosticControl(
      request->interval_s(), request->interval_s() == 0 ? decoders::kDiagnosticContentDisableAll
                                                        : decoders::kDiagnosticContentNeighbor);
  if (valid.ok() && !payload.ok()) valid = payload.status();
  if (!valid.ok()) {
    call->Finish(valid, false);
    return reactor;
  }
  call->RunOnce(request->client_request_id(), *request, [=] {
    RunUnaryNodeCommand(call, request->gateway_id(), request->sink_id(),
                        request->ack_quiet_period_ms(), {decoders::kDiagnosticControlResponse},
                        response, [payload = *payload](const wm::v1::SinkConfig& sink) {
                          return std::vector<NodeCommandRun::Downlink>{
                              {sink.node_address(), payload},
                              {wirepas::kBroadcastAddress, payload}};
                        });
  });
  return reactor;
}

}  // namespace wm::command
