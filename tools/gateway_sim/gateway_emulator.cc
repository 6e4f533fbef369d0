#include "tools/gateway_sim/gateway_emulator.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/decoders/msap_frames.h"
#include "tools/gateway_sim/config_handlers.h"
#include "tools/gateway_sim/gateway_handlers.h"
#include "tools/gateway_sim/gateway_status.h"

namespace wm::gateway_sim {
namespace {

constexpr absl::Duration kBrokerTimeout = absl::Seconds(10);

// Sets the result of `header` to `raw`, also when it is no ErrorCode this build knows: then as
// a newer gateway would send it, the varint of the field alone.
void SetRawResult(int32_t raw, gwapi::ResponseHeader& header) {
  header.clear_res();
  if (gwapi::ErrorCode_IsValid(raw)) {
    header.set_res(static_cast<gwapi::ErrorCode>(raw));
    return;
  }
  header.mutable_unknown_fields()->AddVarint(gwapi::ResponseHeader::kResFieldNumber,
                                             static_cast<uint64_t>(static_cast<int64_t>(raw)));
}

}  // namespace

GatewayEmulator::GatewayEmulator(Options options)
    : gw_id_(options.state.gw_id),
      broker_host_(std::move(options.broker_host)),
      broker_port_(options.broker_port),
      router_(BuildGatewayRouter(options.state.identity)),
      state_(std::move(options.state)) {}

absl::StatusOr<std::unique_ptr<GatewayEmulator>> GatewayEmulator::Start(Options options) {
  std::unique_ptr<GatewayEmulator> emulator(new GatewayEmulator(std::move(options)));
  GatewayEmulator* self = emulator.get();
  mqtt::MqttOptions mqtt;
  mqtt.host = self->broker_host_;
  mqtt.port = self->broker_port_;
  mqtt.force_unsecure = true;
  mqtt.client_id = self->gw_id_;
  {
    absl::MutexLock lock(&self->mu_);
    absl::StatusOr<std::string> will = wirepas::SerializeGenericMessage(BuildOfflineStatus(
        self->gw_id_, self->state_.identity, self->next_status_event_id_++, absl::Now()));
    if (!will.ok()) return will.status();
    mqtt.will = mqtt::MqttWill{wirepas::StatusTopic(self->gw_id_), *std::move(will), /*qos=*/2,
                               /*retained=*/true};
  }
  self->client_ = std::make_unique<mqtt::MqttClient>(std::move(mqtt));
  self->client_->SetMessageHandler(
      [self](const mqtt::MqttMessage& message) { self->Handle(message); });
  for (const std::string& filter : self->router_.SubscriptionFilters(self->gw_id_)) {
    if (absl::Status status = self->client_->AddSubscription(filter, 2); !status.ok()) {
      return status;
    }
  }
  self->publisher_ = std::thread([self] { self->PublishLoop(); });
  if (absl::Status status = self->client_->Start(); !status.ok()) return status;
  if (!self->client_->WaitUntilSubscribed(kBrokerTimeout)) {
    return absl::UnavailableError(
        absl::StrCat("gateway emulator ", self->gw_id_, ": not subscribed within 10 s"));
  }
  if (absl::Status status = self->PublishStatus(true); !status.ok()) return status;
  return emulator;
}

GatewayEmulator::~GatewayEmulator() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (publisher_.joinable()) publisher_.join();
  if (client_ != nullptr) client_->Stop();
}

void GatewayEmulator::DropNext(wirepas::Method method, int count) {
  absl::MutexLock lock(&mu_);
  drop_[method] += count;
}

void GatewayEmulator::Hold(wirepas::Method method) {
  absl::MutexLock lock(&mu_);
  hold_[method] = true;
}

void GatewayEmulator::ReleaseHeld() {
  std::vector<Outgoing> held;
  {
    absl::MutexLock lock(&mu_);
    held.swap(held_);
    hold_.clear();
  }
  Publish(std::move(held));
}

void GatewayEmulator::Delay(wirepas::Method method, absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  delay_[method] = delay;
}

void GatewayEmulator::OverrideResult(wirepas::Method method, int32_t raw_code) {
  absl::MutexLock lock(&mu_);
  result_override_[method] = raw_code;
}

void GatewayEmulator::OverrideNodeAnswer(uint32_t address, std::string frames) {
  absl::MutexLock lock(&mu_);
  node_answer_override_[address] = std::move(frames);
}

std::vector<wirepas::GenericMessage> GatewayEmulator::Requests(wirepas::Method method) const {
  absl::MutexLock lock(&mu_);
  const auto it = requests_.find(method);
  return it == requests_.end() ? std::vector<wirepas::GenericMessage>() : it->second;
}

int GatewayEmulator::RequestCount(wirepas::Method method) const {
  absl::MutexLock lock(&mu_);
  const auto it = requests_.find(method);
  return it == requests_.end() ? 0 : static_cast<int>(it->second.size());
}

// Called by mu_.AwaitWithTimeout, which holds mu_.
bool GatewayEmulator::HasRequests(const WantedRequests* wanted) {
  const auto it = wanted->emulator->requests_.find(wanted->method);
  const int count =
      it == wanted->emulator->requests_.end() ? 0 : static_cast<int>(it->second.size());
  return count >= wanted->count;
}

bool GatewayEmulator::WaitForRequests(wirepas::Method method, int count,
                                      absl::Duration timeout) const {
  const WantedRequests wanted{this, method, count};
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&HasRequests, &wanted), timeout);
}

GatewayState GatewayEmulator::State() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

gwapi::SinkReadConfig GatewayEmulator::SinkConfig(std::string_view sink_id) const {
  absl::MutexLock lock(&mu_);
  const SinkState* sink = state_.FindSink(sink_id);
  return sink == nullptr ? gwapi::SinkReadConfig() : sink->config;
}

absl::Status GatewayEmulator::PublishStatus(bool online) {
  absl::StatusOr<std::string> payload;
  {
    absl::MutexLock lock(&mu_);
    const uint64_t event_id = next_status_event_id_++;
    payload = wirepas::SerializeGenericMessage(
        online ? BuildOnlineStatus(gw_id_, state_.Configs(), state_.identity, event_id, absl::Now())
               : BuildOfflineStatus(gw_id_, state_.identity, event_id, absl::Now()));
  }
  if (!payload.ok()) return payload.status();
  return client_->PublishAndWait(wirepas::StatusTopic(gw_id_), *std::move(payload), /*qos=*/1,
                                 /*retained=*/true, kBrokerTimeout);
}

void GatewayEmulator::Handle(const mqtt::MqttMessage& message) {
  std::vector<Outgoing> now_out;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    // What the router refuses gets no answer, as from the simulator and the reference gateway.
    absl::StatusOr<Response> response =
        router_.Handle(message.topic(), message.payload(), state_, now);
    if (!response.ok()) return;
    const wirepas::Method method = wirepas::ParseTopic(message.topic())->method;
    // The router parsed the payload as this method's request.
    requests_[method].push_back(*wirepas::ParseGenericMessage(message.payload()));

    for (const NodePacket& packet : response->node_packets) {
      Schedule(now + packet.delay, {NodePacketOf(packet)});
    }
    std::vector<Outgoing> answer = AnswerOf(method, *response);
    if (int& drop = drop_[method]; drop > 0) {
      --drop;
      answer.erase(answer.begin());  // the announcement of a change still goes out
      now_out = std::move(answer);
    } else if (hold_[method]) {
      for (Outgoing& out : answer) held_.push_back(std::move(out));
    } else if (const auto delay = delay_.find(method); delay != delay_.end()) {
      Schedule(now + delay->second, std::move(answer));
    } else {
      now_out = std::move(answer);
    }
  }
  Publish(std::move(now_out));
}

std::vector<GatewayEmulator::Outgoing> GatewayEmulator::AnswerOf(wirepas::Method method,
                                                                 Response& response) {
  std::vector<Outgoing> out;
  const auto override_it = result_override_.find(method);
  if (override_it != result_override_.end()) {
    // ResponseHeaderOf views the header of the message this function owns.
    SetRawResult(override_it->second,
                 *const_cast<gwapi::ResponseHeader*>(wirepas::ResponseHeaderOf(response.message)));
  }
  // An overridden result may be a code this build has no name for: the field is then unset
  // and the message partial, as a newer gateway's message is to this build.
  out.push_back(Outgoing{response.topic, response.message.SerializePartialAsString(), 2, false});
  if (response.changed_sinks.empty()) return out;
  const ConfigChangeAnnouncement announcement = BuildConfigChangeAnnouncement(
      state_, response.changed_sinks, next_status_event_id_++, absl::Now());
  out.push_back(Outgoing{wirepas::StatusTopic(gw_id_), announcement.status.SerializeAsString(), 1,
                         /*retained=*/true});
  out.push_back(Outgoing{announcement.get_configs.topic,
                         announcement.get_configs.message.SerializeAsString(), 2, false});
  for (const Response& set_config : announcement.set_configs) {
    out.push_back(Outgoing{set_config.topic, set_config.message.SerializeAsString(), 2, false});
  }
  return out;
}

GatewayEmulator::Outgoing GatewayEmulator::NodePacketOf(const NodePacket& packet) const {
  wirepas::GenericMessage message = packet.message;
  gwapi::PacketReceivedEvent* event = message.mutable_wirepas()->mutable_packet_received_event();
  const auto override_it = node_answer_override_.find(event->source_address());
  if (override_it != node_answer_override_.end() &&
      event->source_endpoint() == decoders::kMsapResponseSourceEndpoint) {
    event->set_payload(override_it->second);
  }
  return Outgoing{packet.topic, message.SerializeAsString(), 1, false};
}

void GatewayEmulator::Schedule(absl::Time at, std::vector<Outgoing> outgoing) {
  scheduled_.emplace(at, std::move(outgoing));
  rescheduled_ = true;
}

void GatewayEmulator::Publish(std::vector<Outgoing> outgoing) {
  for (Outgoing& out : outgoing) {
    // A publication that fails is lost, as an answer lost on the way would be.
    client_->Publish(std::move(out.topic), std::move(out.payload), out.qos, out.retained)
        .IgnoreError();
  }
}

bool GatewayEmulator::ShouldWake() const { return stopping_ || rescheduled_; }

void GatewayEmulator::PublishLoop() {
  while (true) {
    std::vector<Outgoing> due;
    {
      absl::MutexLock lock(&mu_);
      const absl::Time next =
          scheduled_.empty() ? absl::InfiniteFuture() : scheduled_.begin()->first;
      mu_.AwaitWithDeadline(absl::Condition(this, &GatewayEmulator::ShouldWake), next);
      rescheduled_ = false;
      if (stopping_) return;
      const absl::Time now = absl::Now();
      while (!scheduled_.empty() && scheduled_.begin()->first <= now) {
        for (Outgoing& out : scheduled_.begin()->second) due.push_back(std::move(out));
        scheduled_.erase(scheduled_.begin());
      }
    }
    Publish(std::move(due));
  }
}

}  // namespace wm::gateway_sim
