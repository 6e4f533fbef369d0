#include "tools/gateway_sim/simulator.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "libs/observability/logging.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "spdlog/spdlog.h"
#include "third_party/system/string_view_compat.h"
#include "tools/gateway_sim/config_handlers.h"
#include "tools/gateway_sim/gateway_handlers.h"
#include "tools/gateway_sim/payload_mix.h"
#include "tools/gateway_sim/provisioning_config_file.h"

namespace wm::gateway_sim {
namespace {

// Requests waiting for the publishing thread; beyond this they are dropped (and counted).
constexpr size_t kMaxQueuedControl = 10000;
// How long a full window or a lost connection may hold up an answer, a status.
constexpr absl::Duration kControlPublishTimeout = absl::Seconds(5);
// The longest one wait for room in a full window lasts before the publishing thread looks at
// control work and Stop() again; the wait ends sooner, as soon as the broker has acknowledged
// part of the window.
constexpr absl::Duration kWindowFullWait = absl::Milliseconds(10);
// Pause before trying again when the gateway is not connected.
constexpr absl::Duration kDisconnectedPause = absl::Milliseconds(50);

uint64_t EntropySeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

std::string ReadinessName(const std::string& gw_id) { return absl::StrCat("mqtt_", gw_id); }

}  // namespace

// The simulator's own metrics (wm_sim_*).
struct Simulator::Metrics {
  explicit Metrics(prometheus::Registry& registry)
      : packets(prometheus::BuildCounter()
                    .Name("wm_sim_packets_published_total")
                    .Help("received_data messages published, by kind (unique, duplicate, "
                          "garbage)")
                    .Register(registry)),
        responses(prometheus::BuildCounter()
                      .Name("wm_sim_responses_sent_total")
                      .Help("Answers to requests published, by method")
                      .Register(registry)),
        statuses(prometheus::BuildCounter()
                     .Name("wm_sim_statuses_published_total")
                     .Help("Gateway status messages published, by state (online, offline, "
                           "cleared)")
                     .Register(registry)),
        requests_ignored(prometheus::BuildCounter()
                             .Name("wm_sim_requests_ignored_total")
                             .Help("Requests that got no answer, by reason")
                             .Register(registry)),
        responses_dropped(prometheus::BuildCounter()
                              .Name("wm_sim_responses_dropped_total")
                              .Help("Answers left out by the drop_responses setting, by method")
                              .Register(registry)),
        unsolicited(prometheus::BuildCounter()
                        .Name("wm_sim_unsolicited_responses_total")
                        .Help("req_id 0 responses announcing a configuration change, by method")
                        .Register(registry)),
        not_sent(prometheus::BuildCounter()
                     .Name("wm_sim_packets_not_sent_total")
                     .Help("received_data packets left out, by reason (sink_stopped: the "
                           "sink's stack is stopped)")
                     .Register(registry)),
        node_packets(prometheus::BuildCounter()
                         .Name("wm_sim_node_packets_published_total")
                         .Help("Nodes' answers to MSAP requests (received_data 240->255) "
                               "and joining nodes' answers to provisioning DATA (246->255) "
                               "published")
                         .Register(registry)
                         .Add({})),
        provisioned(prometheus::BuildCounter()
                        .Name("wm_sim_nodes_provisioned_total")
                        .Help("Joining nodes that accepted a provisioning DATA and answered "
                              "DATA_ACK")
                        .Register(registry)
                        .Add({})),
        nacks_sent(prometheus::BuildCounter()
                       .Name("wm_sim_provisioning_nacks_sent_total")
                       .Help("Provisioning DATA frames joining nodes rejected with a NACK, by "
                             "reason (invalid_key, invalid_data)")
                       .Register(registry)),
        nacks_received(prometheus::BuildCounter()
                           .Name("wm_sim_provisioning_nacks_received_total")
                           .Help("Provisioning server NACKs that ended a joining node's "
                                 "session, by reason (not_authorized, method_not_supported, "
                                 "invalid_data, invalid_key, unknown)")
                           .Register(registry)),
        provisioning_ignored(prometheus::BuildCounter()
                                 .Name("wm_sim_provisioning_downlinks_ignored_total")
                                 .Help("Provisioning frames (send_data 255->246) that changed "
                                       "nothing, by reason")
                                 .Register(registry)),
        window_full(prometheus::BuildCounter()
                        .Name("wm_sim_publish_window_full_total")
                        .Help("Times publishing paused because a gateway's window of "
                              "unacknowledged messages was full")
                        .Register(registry)
                        .Add({})),
        connected(prometheus::BuildGauge()
                      .Name("wm_sim_gateways_connected")
                      .Help("Simulated gateways connected to the broker")
                      .Register(registry)
                      .Add({})),
        gateways(prometheus::BuildGauge()
                     .Name("wm_sim_gateways")
                     .Help("Simulated gateways")
                     .Register(registry)
                     .Add({})),
        nodes(prometheus::BuildGauge()
                  .Name("wm_sim_nodes")
                  .Help("Simulated nodes (sinks not counted)")
                  .Register(registry)
                  .Add({})),
        joining(prometheus::BuildGauge()
                    .Name("wm_sim_joining_nodes")
                    .Help("Simulated joining nodes not provisioned yet")
                    .Register(registry)
                    .Add({})),
        unique(packets.Add({{"kind", "unique"}})),
        duplicate(packets.Add({{"kind", "duplicate"}})),
        garbage(packets.Add({{"kind", "garbage"}})) {}

  prometheus::Counter& PacketsOf(PacketKind kind) {
    switch (kind) {
      case PacketKind::kUnique:
        return unique;
      case PacketKind::kDuplicate:
        return duplicate;
      case PacketKind::kGarbage:
        break;
    }
    return garbage;
  }

  prometheus::Family<prometheus::Counter>& packets;
  prometheus::Family<prometheus::Counter>& responses;
  prometheus::Family<prometheus::Counter>& statuses;
  prometheus::Family<prometheus::Counter>& requests_ignored;
  prometheus::Family<prometheus::Counter>& responses_dropped;
  prometheus::Family<prometheus::Counter>& unsolicited;
  prometheus::Family<prometheus::Counter>& not_sent;
  prometheus::Counter& node_packets;
  prometheus::Counter& provisioned;
  prometheus::Family<prometheus::Counter>& nacks_sent;
  prometheus::Family<prometheus::Counter>& nacks_received;
  prometheus::Family<prometheus::Counter>& provisioning_ignored;
  prometheus::Counter& window_full;
  prometheus::Gauge& connected;
  prometheus::Gauge& gateways;
  prometheus::Gauge& nodes;
  prometheus::Gauge& joining;
  // Per-kind counters of `packets`, looked up once (publishing is the hot path).
  prometheus::Counter& unique;
  prometheus::Counter& duplicate;
  prometheus::Counter& garbage;
  std::unique_ptr<prometheus::Registry> own_registry;
};

absl::StatusOr<std::unique_ptr<Simulator>> Simulator::Create(SimulatorOptions options,
                                                             prometheus::Registry* registry,
                                                             observability::Readiness* readiness,
                                                             Clock clock) {
  if (!(options.rate >= 0)) return absl::InvalidArgumentError("rate must be >= 0");
  if (!(options.traffic.duplicate_ratio >= 0 && options.traffic.duplicate_ratio <= 1)) {
    return absl::InvalidArgumentError("duplicate_ratio must be in 0..1");
  }
  if (!(options.traffic.garbage_ratio >= 0 && options.traffic.garbage_ratio <= 1)) {
    return absl::InvalidArgumentError("garbage_ratio must be in 0..1");
  }
  if (options.traffic.count < 0) return absl::InvalidArgumentError("count must be >= 0");
  if (absl::Status status = CheckPayloadMix(options.traffic.payload_mix); !status.ok()) {
    return status;
  }
  if (options.publish_window < 1 || options.publish_window > 65535) {
    return absl::InvalidArgumentError("publish_window must be in 1..65535");
  }
  for (double ratio : options.responses.drop_ratio) {
    if (!(ratio >= 0 && ratio <= 1)) {
      return absl::InvalidArgumentError("response drop ratios must be in 0..1");
    }
  }
  if (options.responses.delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("response delay must not be negative");
  }
  for (gwapi::GatewayFeature feature : options.identity.features) {
    if (!gwapi::GatewayFeature_IsValid(feature)) {
      return absl::InvalidArgumentError("unknown gateway feature");
    }
  }
  absl::StatusOr<Topology> topology = BuildTopology(options.topology);
  if (!topology.ok()) return topology.status();
  if (!options.provisioning_config_out.empty()) {
    SimRandom key_random(EntropySeed());
    if (absl::Status status =
            WriteProvisioningConfig(options.provisioning_config_out, *topology, key_random);
        !status.ok()) {
      return status;
    }
    spdlog::info("provisioning config written path={} joining_nodes={}",
                 options.provisioning_config_out, topology->JoiningNodeCount());
  }
  std::unique_ptr<Simulator> simulator(new Simulator(std::move(options), std::move(*topology),
                                                     registry, readiness, std::move(clock)));
  if (absl::Status status = simulator->CreateClients(); !status.ok()) return status;
  return simulator;
}

Simulator::Simulator(SimulatorOptions options, Topology topology, prometheus::Registry* registry,
                     observability::Readiness* readiness, Clock clock)
    : options_(std::move(options)),
      topology_(std::move(topology)),
      registry_(registry),
      readiness_(readiness),
      clock_(std::move(clock)),
      status_ids_(options_.event_id_seed != 0 ? options_.event_id_seed ^ 0x5157A7u : EntropySeed()),
      drop_random_(options_.topology.seed ^ 0xD209u) {
  router_ = BuildGatewayRouter(options_.identity);
  std::unique_ptr<prometheus::Registry> own_registry;
  if (registry_ == nullptr) {
    own_registry = std::make_unique<prometheus::Registry>();
    registry_ = own_registry.get();
  }
  metrics_ = std::make_unique<Metrics>(*registry_);
  metrics_->own_registry = std::move(own_registry);
  metrics_->gateways.Set(static_cast<double>(topology_.gateways.size()));
  metrics_->nodes.Set(static_cast<double>(topology_.NodeCount()));
  metrics_->joining.Set(static_cast<double>(topology_.JoiningNodeCount()));
  // Joining nodes live in their sink's state, where provisioning downlinks reach them; the
  // publishing thread alone sends their STARTs and handles the downlinks.
  traffic_ = std::make_unique<TrafficGenerator>(
      topology_, options_.traffic, SimRandom(options_.topology.seed ^ 0x7AFF1Cu),
      SimRandom(options_.event_id_seed != 0 ? options_.event_id_seed : EntropySeed()), clock_,
      [this](size_t gateway, size_t sink, size_t node) {
        return &gateways_[gateway]->state.sinks[sink].joining_nodes[node];
      });
}

absl::Status Simulator::CreateClients() {
  for (size_t g = 0; g < topology_.gateways.size(); ++g) {
    const SimGateway& sim_gateway = topology_.gateways[g];
    gateways_.push_back(std::make_unique<Gateway>());
    Gateway& gateway = *gateways_.back();
    // Node answers draw event ids like traffic does: from entropy unless a seed is given.
    gateway.state = NewGatewayState(
        sim_gateway, options_.identity,
        options_.event_id_seed != 0 ? options_.event_id_seed ^ (0x40D3u + g) : EntropySeed());

    mqtt::MqttOptions mqtt_options = options_.mqtt;
    mqtt_options.client_id = sim_gateway.id;
    mqtt_options.max_queued_publishes = options_.publish_window;
    mqtt_options.max_inflight = options_.publish_window;
    // Built once at start, so the broker sends a stale event id and time (docs/gateway-api.md
    // "Status, last will and discovery").
    absl::StatusOr<std::string> will = wirepas::SerializeGenericMessage(
        BuildOfflineStatus(sim_gateway.id, options_.identity, status_ids_.Next(), clock_()));
    if (!will.ok()) return will.status();
    mqtt_options.will = mqtt::MqttWill{wirepas::StatusTopic(sim_gateway.id), std::move(*will),
                                       /*qos=*/2, /*retained=*/true};
    gateway.client = std::make_unique<mqtt::MqttClient>(
        std::move(mqtt_options), registry_, prometheus::Labels{{"gateway", sim_gateway.id}});
    for (const std::string& filter : router_.SubscriptionFilters(sim_gateway.id)) {
      if (absl::Status status = gateway.client->AddSubscription(filter, 2); !status.ok()) {
        return status;
      }
    }
    gateway.client->SetMessageHandler([this, g](const mqtt::MqttMessage& message) {
      Enqueue(ControlItem{g, message});
    });
    gateway.client->SetConnectionHandler([this, g](bool connected) {
      const std::string& gw_id = gateways_[g]->state.gw_id;
      if (connected) {
        metrics_->connected.Increment();
        Enqueue(ControlItem{g, std::nullopt});
      } else {
        gateways_[g]->online.store(false);
        metrics_->connected.Decrement();
        spdlog::info("gateway disconnected gw_id={}", gw_id);
      }
      if (readiness_ != nullptr) {
        readiness_->Set(ReadinessName(gw_id), connected, connected ? "" : "not connected");
      }
    });
    if (readiness_ != nullptr) readiness_->Declare(ReadinessName(sim_gateway.id), "connecting");
  }
  return absl::OkStatus();
}

Simulator::~Simulator() { Stop(); }

absl::Status Simulator::Start() {
  if (started_) return absl::FailedPreconditionError("simulator already started");
  for (const std::unique_ptr<Gateway>& gateway : gateways_) {
    if (absl::Status status = gateway->client->Start(); !status.ok()) return status;
  }
  started_ = true;
  std::vector<std::string> features;
  for (gwapi::GatewayFeature feature : options_.identity.features) {
    features.push_back(gwapi::GatewayFeature_Name(feature));
  }
  spdlog::info(
      "simulator started gateways={} sinks_per_gateway={} nodes={} joining_nodes={} rate={} "
      "count={} duplicate_ratio={} garbage_ratio={} payload_mix={} features={} "
      "max_scratchpad_size={} response_delay_ms={}",
      topology_.gateways.size(), options_.topology.sinks_per_gateway, topology_.NodeCount(),
      topology_.JoiningNodeCount(), options_.rate, options_.traffic.count,
      options_.traffic.duplicate_ratio, options_.traffic.garbage_ratio,
      FormatPayloadMix(options_.traffic.payload_mix),
      features.empty() ? "none" : absl::StrJoin(features, ","),
      options_.identity.max_scratchpad_size, absl::ToInt64Milliseconds(options_.responses.delay));
  publisher_ = std::thread([this] { PublishLoop(); });
  return absl::OkStatus();
}

void Simulator::Enqueue(ControlItem item) {
  absl::MutexLock lock(&mu_);
  if (control_.size() >= kMaxQueuedControl) {
    ++requests_ignored_;
    metrics_->requests_ignored.Add({{"reason", "queue_full"}}).Increment();
    return;
  }
  control_.push_back(std::move(item));
}

bool Simulator::HasWakeReason() const { return stopping_ || !control_.empty(); }

bool Simulator::WaitFor(absl::Time deadline) {
  if (!delayed_.empty()) deadline = std::min(deadline, delayed_.begin()->first);
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(this, &Simulator::HasWakeReason), deadline);
  return stopping_;
}

void Simulator::PublishLoop() {
  Pacer pacer(options_.rate, clock_());
  std::optional<OutgoingPacket> pending;
  std::optional<absl::Time> first_publish;
  while (true) {
    DrainControl();
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (!pending.has_value()) {
      if (traffic_->Done()) {
        bool first = false;
        {
          absl::MutexLock lock(&mu_);
          first = !traffic_done_;
          traffic_done_ = true;
        }
        if (first) {
          // Handed to the MQTT clients; at rate 0 the window keeps this close to what the
          // broker has acknowledged.
          const double seconds = absl::ToDoubleSeconds(clock_() - first_publish.value_or(clock_()));
          const int64_t messages = unique_.load() + duplicates_.load() + garbage_.load();
          spdlog::info(
              "traffic done unique={} duplicates={} garbage={} seconds={:.3f} "
              "messages_per_second={:.0f}",
              unique_.load(), duplicates_.load(), garbage_.load(), seconds,
              seconds > 0 ? messages / seconds : 0.0);
        }
        WaitFor(absl::InfiniteFuture());
        continue;
      }
      if (!pacer.IsDue(clock_())) {
        WaitFor(pacer.NextDue());
        continue;
      }
      pending = traffic_->Next();
      if (!pending.has_value()) continue;
    }
    if (!first_publish.has_value()) first_publish = clock_();
    if (PublishTraffic(*pending)) {
      pacer.OnSent(clock_());
      pending.reset();
    }
  }
}

bool Simulator::PublishTraffic(const OutgoingPacket& packet) {
  Gateway& gateway = *gateways_[packet.gateway];
  const std::vector<SinkState>& sinks = gateway.state.sinks;
  if (packet.sink < sinks.size() && sinks[packet.sink].config.sink_state() == gwapi::OFF) {
    metrics_->not_sent.Add({{"reason", "sink_stopped"}}).Increment();
    return true;
  }
  while (true) {
    // A gateway sends data once its ONLINE status is out, so backends see it first.
    if (!gateway.online.load()) {
      if (WaitFor(clock_() + kDisconnectedPause)) return false;
      DrainControl();
      continue;
    }
    absl::Status status = gateway.client->Publish(packet.topic, packet.payload, /*qos=*/1,
                                                  /*retained=*/false);
    if (status.ok()) break;
    absl::Duration pause;
    if (absl::IsResourceExhausted(status)) {
      metrics_->window_full.Increment();
      gateway.client->WaitForRoom(kWindowFullWait);
      pause = absl::ZeroDuration();
    } else if (absl::IsUnavailable(status)) {
      pause = kDisconnectedPause;  // the client reconnects; the packet waits, as in a gateway
    } else {
      spdlog::error("packet dropped gw_id={} topic={} error=\"{}\"",
                    gateways_[packet.gateway]->state.gw_id, packet.topic,
                    std::string(status.message()));
      return true;
    }
    if (WaitFor(clock_() + pause)) return false;
    DrainControl();
  }
  switch (packet.kind) {
    case PacketKind::kUnique:
      ++unique_;
      break;
    case PacketKind::kDuplicate:
      ++duplicates_;
      break;
    case PacketKind::kGarbage:
      ++garbage_;
      break;
  }
  metrics_->PacketsOf(packet.kind).Increment();
  return true;
}

void Simulator::DrainControl() {
  while (true) {
    PublishDueWork();
    std::optional<ControlItem> item;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || control_.empty()) return;
      item = std::move(control_.front());
      control_.pop_front();
    }
    HandleControl(*item);
  }
}

void Simulator::HandleControl(const ControlItem& item) {
  Gateway& gateway = *gateways_[item.gateway];
  const std::string& gw_id = gateway.state.gw_id;
  if (!item.request.has_value()) {
    absl::StatusOr<std::string> status = wirepas::SerializeGenericMessage(BuildOnlineStatus(
        gw_id, gateway.state.Configs(), gateway.state.identity, status_ids_.Next(), clock_()));
    if (!status.ok()) {
      spdlog::error("status not built gw_id={} error=\"{}\"", gw_id,
                    std::string(status.status().message()));
      return;
    }
    if (PublishControl(item.gateway, wirepas::StatusTopic(gw_id), std::move(*status), 1,
                       /*retained=*/true)) {
      ++statuses_;
      gateway.online.store(true);
      metrics_->statuses.Add({{"state", "online"}}).Increment();
      spdlog::info("gateway online gw_id={} sinks={}", gw_id, gateway.state.sinks.size());
    }
    return;
  }

  HandleRequest(item.gateway, *item.request);
}

void Simulator::HandleRequest(size_t g, const mqtt::MqttMessage& request) {
  Gateway& gateway = *gateways_[g];
  const std::string& gw_id = gateway.state.gw_id;
  absl::StatusOr<Response> response =
      router_.Handle(request.topic(), request.payload(), gateway.state, clock_());
  if (!response.ok()) {
    ++requests_ignored_;
    const char* reason = absl::IsUnimplemented(response.status()) ? "unimplemented"
                         : absl::IsNotFound(response.status())    ? "other_gateway"
                                                                  : "invalid";
    metrics_->requests_ignored.Add({{"reason", reason}}).Increment();
    // Requests come from outside: one line per reason and minute at most.
    ignored_log_.Warn(reason, absl::StrCat("request ignored gw_id=", gw_id,
                                           " topic=", std::string(request.topic()), " error=\"",
                                           std::string(response.status().message()), "\""));
    return;
  }
  const absl::Time now = clock_();
  NoteProvisioning(g, response->provisioning);
  for (const NodePacket& packet : response->node_packets) {
    absl::StatusOr<std::string> bytes = wirepas::SerializeGenericMessage(packet.message);
    if (!bytes.ok()) {
      spdlog::error("node packet not built gw_id={} topic={} error=\"{}\"", gw_id, packet.topic,
                    std::string(bytes.status().message()));
      continue;
    }
    delayed_.emplace(now + packet.delay, DelayedWork{g, std::nullopt, packet.topic, *bytes});
  }
  response->node_packets.clear();

  absl::StatusOr<wirepas::Topic> topic = wirepas::ParseTopic(response->topic);
  const wirepas::Method method = topic.ok() ? topic->method : wirepas::Method::kGetConfigs;
  if (method == wirepas::Method::kOtapLoadScratchpad && !options_.scratchpad_file.empty()) {
    WriteScratchpads(g, response->changed_sinks);
  }
  if (options_.responses.ShouldDrop(method, drop_random_)) {
    ++responses_dropped_;
    metrics_->responses_dropped.Add({{"method", std::string(wirepas::MethodName(method))}})
        .Increment();
    spdlog::debug("response dropped gw_id={} topic={}", gw_id, response->topic);
    AnnounceConfigChange(g, response->changed_sinks);
    return;
  }
  if (options_.responses.delay > absl::ZeroDuration()) {
    delayed_.emplace(now + options_.responses.delay, DelayedWork{g, *std::move(response), "", ""});
    return;
  }
  PublishAnswer(g, *response);
}

void Simulator::PublishAnswer(size_t g, const Response& response) {
  const std::string& gw_id = gateways_[g]->state.gw_id;
  absl::StatusOr<std::string> bytes = wirepas::SerializeGenericMessage(response.message);
  if (!bytes.ok()) {
    spdlog::error("response not built gw_id={} topic={} error=\"{}\"", gw_id, response.topic,
                  std::string(bytes.status().message()));
    return;
  }
  absl::StatusOr<wirepas::Topic> topic = wirepas::ParseTopic(response.topic);
  const std::string method =
      topic.ok() ? std::string(wirepas::MethodName(topic->method)) : "unknown";
  if (PublishControl(g, response.topic, std::move(*bytes), 2, /*retained=*/false)) {
    ++responses_;
    metrics_->responses.Add({{"method", method}}).Increment();
    spdlog::debug("request answered gw_id={} topic={}", gw_id, response.topic);
  }
  AnnounceConfigChange(g, response.changed_sinks);
}

void Simulator::AnnounceConfigChange(size_t g, const std::vector<std::string>& changed_sinks) {
  if (changed_sinks.empty()) return;
  Gateway& gateway = *gateways_[g];
  const std::string& gw_id = gateway.state.gw_id;
  const ConfigChangeAnnouncement announcement =
      BuildConfigChangeAnnouncement(gateway.state, changed_sinks, status_ids_.Next(), clock_());
  spdlog::info("configuration changed gw_id={} sinks={}", gw_id, absl::StrJoin(changed_sinks, ","));
  absl::StatusOr<std::string> status = wirepas::SerializeGenericMessage(announcement.status);
  if (status.ok() && PublishControl(g, wirepas::StatusTopic(gw_id), std::move(*status), 1,
                                    /*retained=*/true)) {
    ++statuses_;
    metrics_->statuses.Add({{"state", "online"}}).Increment();
  }
  std::vector<const Response*> responses = {&announcement.get_configs};
  for (const Response& set_config : announcement.set_configs) responses.push_back(&set_config);
  for (const Response* response : responses) {
    absl::StatusOr<std::string> bytes = wirepas::SerializeGenericMessage(response->message);
    absl::StatusOr<wirepas::Topic> topic = wirepas::ParseTopic(response->topic);
    if (!bytes.ok() || !topic.ok()) continue;
    if (PublishControl(g, response->topic, std::move(*bytes), 2, /*retained=*/false)) {
      metrics_->unsolicited.Add({{"method", std::string(wirepas::MethodName(topic->method))}})
          .Increment();
    }
  }
}

void Simulator::NoteProvisioning(size_t g, const std::vector<ProvisioningNodeEvent>& events) {
  const std::string& gw_id = gateways_[g]->state.gw_id;
  for (const ProvisioningNodeEvent& event : events) {
    const DownlinkOutcome& outcome = event.outcome;
    const std::string where = absl::StrCat(
        "gw_id=", gw_id, " sink_id=", event.sink_id, " address=", event.address,
        " uid=", event.uid.empty() ? "none" : event.uid, " session_id=", outcome.session_id);
    switch (outcome.result) {
      case DownlinkResult::kProvisioned: {
        ++provisioned_;
        metrics_->provisioned.Increment();
        metrics_->joining.Decrement();
        const auto or_none = [](const std::optional<uint32_t>& value) {
          return value.has_value() ? absl::StrCat(*value) : std::string("none");
        };
        // Once per node; the keys stay with the node.
        spdlog::info("node provisioned {} method={} network_address={} network_channel={}", where,
                     event.method == 1 ? "secured" : "unsecured", or_none(event.network_address),
                     or_none(event.network_channel));
        break;
      }
      case DownlinkResult::kNackSent: {
        ++provisioning_nacks_sent_;
        const std::string_view reason = NackReasonLabel(static_cast<uint32_t>(
            outcome.nack_sent.value_or(provisioning::NackReason::kInvalidData)));
        metrics_->nacks_sent.Add({{"reason", std::string(reason)}}).Increment();
        provisioning_log_.Warn(
            absl::StrCat("nack_sent_", ToAbsl(reason)),
            absl::StrCat("provisioning data rejected ", where, " reason=", ToAbsl(reason)));
        break;
      }
      case DownlinkResult::kNackReceived: {
        ++provisioning_nacks_received_;
        const std::string_view reason = NackReasonLabel(outcome.nack_received);
        metrics_->nacks_received.Add({{"reason", std::string(reason)}}).Increment();
        provisioning_log_.Log(
            spdlog::level::info, absl::StrCat("nack_received_", ToAbsl(reason)),
            absl::StrCat("provisioning nack received ", where, " reason=", ToAbsl(reason)));
        break;
      }
      case DownlinkResult::kIgnored: {
        ++provisioning_ignored_;
        metrics_->provisioning_ignored.Add({{"reason", std::string(outcome.ignored)}}).Increment();
        provisioning_log_.Warn(absl::StrCat("ignored_", ToAbsl(outcome.ignored)),
                               absl::StrCat("provisioning frame ignored ", where,
                                            " reason=", ToAbsl(outcome.ignored)));
        break;
      }
    }
  }
}

void Simulator::WriteScratchpads(size_t g, const std::vector<std::string>& sinks) {
  const GatewayState& state = gateways_[g]->state;
  for (const std::string& sink_id : sinks) {
    const SinkState* sink = state.FindSink(sink_id);
    if (sink == nullptr) continue;
    const std::string path = absl::StrReplaceAll(
        options_.scratchpad_file, {{"{gw_id}", state.gw_id}, {"{sink_id}", sink_id}});
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(sink->scratchpad.data(), static_cast<std::streamsize>(sink->scratchpad.size()));
    file.close();
    if (!file) {
      spdlog::warn("scratchpad not written gw_id={} sink_id={} path={}", state.gw_id, sink_id,
                   path);
      continue;
    }
    spdlog::info("scratchpad written gw_id={} sink_id={} path={} bytes={} crc={}", state.gw_id,
                 sink_id, path, sink->scratchpad.size(), sink->config.stored_scratchpad().crc());
  }
}

void Simulator::PublishDueWork() {
  while (!delayed_.empty() && delayed_.begin()->first <= clock_()) {
    DelayedWork work = std::move(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
    if (work.answer.has_value()) {
      PublishAnswer(work.gateway, *work.answer);
      continue;
    }
    if (PublishControl(work.gateway, std::move(work.topic), std::move(work.payload), 1,
                       /*retained=*/false)) {
      ++node_packets_;
      metrics_->node_packets.Increment();
    }
  }
}

bool Simulator::PublishControl(size_t gateway, std::string topic, std::string payload, int qos,
                               bool retained) {
  mqtt::MqttClient& client = *gateways_[gateway]->client;
  const absl::Time deadline = clock_() + kControlPublishTimeout;
  while (true) {
    absl::Status status = client.Publish(topic, payload, qos, retained);
    if (status.ok()) return true;
    const bool retry = absl::IsResourceExhausted(status) && clock_() < deadline;
    if (!retry) {
      spdlog::warn("publish failed gw_id={} topic={} error=\"{}\"", gateways_[gateway]->state.gw_id,
                   topic, std::string(status.message()));
      return false;
    }
    client.WaitForRoom(kWindowFullWait);
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
  }
}

bool Simulator::WaitUntilTrafficDone(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&traffic_done_), timeout);
  return traffic_done_;
}

void Simulator::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (publisher_.joinable()) publisher_.join();

  // A clean disconnect does not fire the last will, so the gateway says it is going itself.
  for (const std::unique_ptr<Gateway>& gateway_ptr : gateways_) {
    Gateway& gateway = *gateway_ptr;
    const std::string& gw_id = gateway.state.gw_id;
    if (!gateway.client->IsConnected()) {
      // The broker lost the connection without a DISCONNECT, so it sends the last will.
      spdlog::warn("gateway status not published gw_id={} reason=not_connected", gw_id);
      continue;
    }
    std::string payload;
    if (!options_.clear_status_on_exit) {
      absl::StatusOr<std::string> offline = wirepas::SerializeGenericMessage(
          BuildOfflineStatus(gw_id, gateway.state.identity, status_ids_.Next(), clock_()));
      if (offline.ok()) payload = std::move(*offline);
    }
    const absl::Time deadline = clock_() + kControlPublishTimeout;
    absl::Status status;
    do {
      status = gateway.client->PublishAndWait(wirepas::StatusTopic(gw_id), payload, 1,
                                              /*retained=*/true, kControlPublishTimeout);
      if (!absl::IsResourceExhausted(status)) break;
      gateway.client->WaitForRoom(kWindowFullWait);  // until the broker acknowledged some
    } while (clock_() < deadline);
    const char* state = options_.clear_status_on_exit ? "cleared" : "offline";
    if (status.ok()) {
      ++statuses_;
      metrics_->statuses.Add({{"state", state}}).Increment();
      spdlog::info("gateway status published gw_id={} state={}", gw_id, state);
    } else {
      spdlog::warn("gateway status not published gw_id={} state={} error=\"{}\"", gw_id, state,
                   std::string(status.message()));
    }
  }
  for (const std::unique_ptr<Gateway>& gateway : gateways_) gateway->client->Stop();
}

SimulatorSummary Simulator::Summary() const {
  SimulatorSummary summary;
  summary.unique = unique_.load();
  summary.duplicates = duplicates_.load();
  summary.garbage = garbage_.load();
  summary.responses = responses_.load();
  summary.statuses = statuses_.load();
  summary.requests_ignored = requests_ignored_.load();
  summary.responses_dropped = responses_dropped_.load();
  summary.node_packets = node_packets_.load();
  summary.provisioned = provisioned_.load();
  summary.provisioning_nacks_sent = provisioning_nacks_sent_.load();
  summary.provisioning_nacks_received = provisioning_nacks_received_.load();
  summary.provisioning_ignored = provisioning_ignored_.load();
  return summary;
}

std::string Simulator::SummaryLine() const {
  const SimulatorSummary s = Summary();
  return absl::StrFormat(
      "summary unique=%d duplicates=%d garbage=%d responses=%d statuses=%d requests_ignored=%d "
      "responses_dropped=%d node_packets=%d provisioned=%d provisioning_nacks_sent=%d "
      "provisioning_nacks_received=%d provisioning_ignored=%d",
      s.unique, s.duplicates, s.garbage, s.responses, s.statuses, s.requests_ignored,
      s.responses_dropped, s.node_packets, s.provisioned, s.provisioning_nacks_sent,
      s.provisioning_nacks_received, s.provisioning_ignored);
}

}  // namespace wm::gateway_sim
