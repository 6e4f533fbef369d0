#include "services/command/fake_gateway.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/decoders/msap_frames.h"
#include "libs/decoders/payload_builder.h"

namespace wm::command {
namespace {

namespace gwapi = wirepas::gwapi;

constexpr uint32_t kBroadcast = 0xFFFFFFFF;

// Sets `res` to `raw`, also when it is no ErrorCode this build knows (as a newer gateway
// would send it: the varint of field 4).
void SetResult(gwapi::ResponseHeader* header, int32_t raw) {
  header->clear_res();
  if (gwapi::ErrorCode_IsValid(raw)) {
    header->set_res(static_cast<gwapi::ErrorCode>(raw));
  } else {
    header->mutable_unknown_fields()->AddVarint(gwapi::ResponseHeader::kResFieldNumber,
                                                static_cast<uint64_t>(static_cast<int64_t>(raw)));
  }
}

gwapi::ResponseHeader* MutableResponseHeader(wirepas::Method method,
                                             wirepas::GenericMessage* message) {
  gwapi::WirepasMessage* w = message->mutable_wirepas();
  switch (method) {
    case wirepas::Method::kGetConfigs:
      return w->mutable_get_configs_resp()->mutable_header();
    case wirepas::Method::kGetGwInfo:
      return w->mutable_get_gateway_info_resp()->mutable_header();
    case wirepas::Method::kSetConfig:
      return w->mutable_set_config_resp()->mutable_header();
    case wirepas::Method::kSendData:
      return w->mutable_send_packet_resp()->mutable_header();
    case wirepas::Method::kOtapStatus:
      return w->mutable_get_scratchpad_status_resp()->mutable_header();
    case wirepas::Method::kOtapLoadScratchpad:
      return w->mutable_upload_scratchpad_resp()->mutable_header();
    case wirepas::Method::kOtapProcessScratchpad:
      return w->mutable_process_scratchpad_resp()->mutable_header();
    case wirepas::Method::kOtapSetTargetScratchpad:
      return w->mutable_set_scratchpad_target_and_action_resp()->mutable_header();
    case wirepas::Method::kSetConfigurationDataItem:
      return w->mutable_set_configuration_data_item_resp()->mutable_header();
    case wirepas::Method::kGetConfigurationDataItem:
      return w->mutable_get_configuration_data_item_resp()->mutable_header();
  }
  return nullptr;
}

// A 16-bit checksum standing in for the sink's CRC.
uint32_t Checksum(std::string_view bytes) {
  uint32_t sum = 0;
  for (const char c : bytes) sum = (sum * 31 + static_cast<uint8_t>(c)) & 0xFFFF;
  return sum;
}

}  // namespace

FakeGateway::FakeGateway(Options options) : options_(std::move(options)) {
  uint32_t index = 0;
  for (const std::string& sink_id : options_.sink_ids) {
    Sink& sink = sinks_[sink_id];
    gwapi::SinkReadConfig& config = sink.config;
    config.set_sink_id(sink_id);
    config.mutable_node_role()->set_role(gwapi::NodeRole::SINK);
    config.set_node_address(options_.sink_address_base + index);
    config.set_network_address(options_.network_address + index);
    config.set_network_channel(5);
    config.mutable_app_config()->set_diag_interval_s(60);
    config.mutable_app_config()->set_app_config_data("\x01\x02");
    config.mutable_app_config()->set_seq(options_.app_config_seq);
    config.set_app_config_max_size(options_.app_config_max_size);
    config.mutable_channel_limits()->set_min_channel(1);
    config.mutable_channel_limits()->set_max_channel(40);
    config.set_sink_state(gwapi::ON);
    config.set_are_keys_set(false);
    config.mutable_firmware_version()->set_major(5);
    config.mutable_firmware_version()->set_minor(2);
    config.mutable_firmware_version()->set_maint(0);
    config.mutable_firmware_version()->set_dev(1);
    ++index;
  }
}

FakeGateway::~FakeGateway() {
  if (client_ != nullptr) client_->Stop();
}

absl::StatusOr<std::unique_ptr<FakeGateway>> FakeGateway::Start(Options options) {
  std::unique_ptr<FakeGateway> gateway(new FakeGateway(std::move(options)));
  mqtt::MqttOptions mqtt;
  mqtt.host = gateway->options_.broker_host;
  mqtt.port = gateway->options_.broker_port;
  mqtt.force_unsecure = true;
  mqtt.client_id = absl::StrCat("fake-gateway-", gateway->options_.gateway_id);
  gateway->client_ = std::make_unique<mqtt::MqttClient>(std::move(mqtt));
  FakeGateway* self = gateway.get();
  gateway->client_->SetMessageHandler([self](const mqtt::MqttMessage& message) {
    self->Handle(message.topic(), message.payload());
  });
  const std::string& id = gateway->options_.gateway_id;
  for (const std::string& filter :
       {absl::StrCat("gw-request/+/", id), absl::StrCat("gw-request/+/", id, "/+")}) {
    if (absl::Status s = gateway->client_->AddSubscription(filter, 2); !s.ok()) return s;
  }
  if (absl::Status s = gateway->client_->Start(); !s.ok()) return s;
  if (!gateway->client_->WaitUntilSubscribed(absl::Seconds(10))) {
    return absl::UnavailableError("fake gateway: not subscribed within 10 s");
  }
  if (absl::Status s = gateway->PublishStatus(true); !s.ok()) return s;
  return gateway;
}

absl::Status FakeGateway::PublishStatus(bool online) {
  std::string payload;
  {
    absl::MutexLock lock(&mu_);
    payload = StatusMessage(online).SerializeAsString();
  }
  return client_->PublishAndWait(wirepas::StatusTopic(options_.gateway_id), payload, 1, true,
                                 absl::Seconds(5));
}

wirepas::GenericMessage FakeGateway::StatusMessage(bool online) const {
  wirepas::GenericMessage message;
  gwapi::StatusEvent* status = message.mutable_wirepas()->mutable_status_event();
  status->mutable_header()->set_gw_id(options_.gateway_id);
  status->mutable_header()->set_event_id(online ? 1 : 2);
  status->set_version(1);
  status->set_state(online ? gwapi::ON : gwapi::OFF);
  status->set_gw_model("fake");
  status->set_gw_version("1.0");
  if (!online) return message;  // a last will carries no configs
  for (const auto& [id, sink] : sinks_) *status->add_configs() = sink.config;
  if (options_.max_scratchpad_size) {
    status->set_max_scratchpad_size(*options_.max_scratchpad_size);
  }
  for (const gwapi::GatewayFeature feature : options_.features) status->add_gw_features(feature);
  return message;
}

void FakeGateway::DropNext(wirepas::Method method, int count) {
  absl::MutexLock lock(&mu_);
  drop_[method] += count;
}

void FakeGateway::Hold(wirepas::Method method) {
  absl::MutexLock lock(&mu_);
  hold_[method] = true;
}

void FakeGateway::ReleaseHeld() {
  std::vector<Outgoing> held;
  {
    absl::MutexLock lock(&mu_);
    held.swap(held_);
    hold_.clear();
  }
  for (Outgoing& out : held)
    // An answer that cannot be published is lost, as a dropped one would be.
    client_->Publish(std::move(out.topic), std::move(out.payload), 2, false).IgnoreError();
}

void FakeGateway::OverrideResult(wirepas::Method method, int32_t raw_code) {
  absl::MutexLock lock(&mu_);
  result_override_[method] = raw_code;
}

std::vector<wirepas::GenericMessage> FakeGateway::Requests(wirepas::Method method) const {
  absl::MutexLock lock(&mu_);
  auto it = requests_.find(method);
  return it == requests_.end() ? std::vector<wirepas::GenericMessage>() : it->second;
}

int FakeGateway::RequestCount(wirepas::Method method) const {
  absl::MutexLock lock(&mu_);
  auto it = requests_.find(method);
  return it == requests_.end() ? 0 : static_cast<int>(it->second.size());
}

bool FakeGateway::WaitForRequests(wirepas::Method method, int count, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (RequestCount(method) < count) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

std::string FakeGateway::StoredScratchpad(const std::string& sink_id) const {
  absl::MutexLock lock(&mu_);
  auto it = sinks_.find(sink_id);
  return it == sinks_.end() ? "" : it->second.stored;
}

gwapi::SinkReadConfig FakeGateway::SinkConfig(const std::string& sink_id) const {
  absl::MutexLock lock(&mu_);
  auto it = sinks_.find(sink_id);
  return it == sinks_.end() ? gwapi::SinkReadConfig() : it->second.config;
}

void FakeGateway::Handle(std::string_view topic_text, std::string_view payload) {
  absl::StatusOr<wirepas::Topic> topic = wirepas::ParseTopic(topic_text);
  if (!topic.ok() || topic->kind != wirepas::TopicKind::kRequest ||
      topic->gw_id != options_.gateway_id) {
    return;
  }
  absl::StatusOr<wirepas::GenericMessage> request = wirepas::ParseGenericMessage(payload);
  // As the reference gateway: what does not parse, or is not the topic's method, gets no answer.
  if (!request.ok() || wirepas::PayloadKindOf(*request) != wirepas::RequestKindOf(topic->method) ||
      wirepas::RequestHeaderOf(*request) == nullptr) {
    return;
  }
  std::vector<Outgoing> out;
  {
    absl::MutexLock lock(&mu_);
    requests_[topic->method].push_back(*request);
    int& drop = drop_[topic->method];
    if (drop > 0) {
      --drop;
      return;
    }
    std::vector<Outgoing> node_answers;
    std::optional<wirepas::GenericMessage> answer = Answer(*topic, *request, &node_answers);
    if (!answer) return;
    gwapi::ResponseHeader* header = MutableResponseHeader(topic->method, &*answer);
    auto override_it = result_override_.find(topic->method);
    if (override_it != result_override_.end()) SetResult(header, override_it->second);
    Outgoing response{wirepas::ResponseTopic(topic->method, options_.gateway_id, topic->sink_id),
                      answer->SerializePartialAsString()};
    if (hold_[topic->method]) {
      held_.push_back(std::move(response));
    } else {
      out.push_back(std::move(response));
    }
    for (Outgoing& node_answer : node_answers) out.push_back(std::move(node_answer));
  }
  for (Outgoing& message : out) {
    client_->Publish(std::move(message.topic), std::move(message.payload), 2, false).IgnoreError();
  }
}

std::optional<wirepas::GenericMessage> FakeGateway::Answer(const wirepas::Topic& topic,
                                                           const wirepas::GenericMessage& request,
                                                           std::vector<Outgoing>* node_answers) {
  const gwapi::RequestHeader& request_header = *wirepas::RequestHeaderOf(request);
  // Like the reference gateway, the sink comes from the header, except for send_data.
  const std::string sink_id =
      topic.method == wirepas::Method::kSendData ? topic.sink_id : request_header.sink_id();
  wirepas::GenericMessage answer;
  gwapi::ResponseHeader* header = MutableResponseHeader(topic.method, &answer);
  header->set_req_id(request_header.req_id());
  header->set_gw_id(options_.gateway_id);
  if (wirepas::MethodHasSink(topic.method)) header->set_sink_id(sink_id);
  header->set_time_ms_epoch(static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())));
  header->set_res(gwapi::OK);
  const gwapi::WirepasMessage& in = request.wirepas();
  gwapi::WirepasMessage* out = answer.mutable_wirepas();

  if (topic.method == wirepas::Method::kGetConfigs) {
    for (const auto& [id, sink] : sinks_)
      *out->mutable_get_configs_resp()->add_configs() = sink.config;
    return answer;
  }
  if (topic.method == wirepas::Method::kGetGwInfo) {
    gwapi::GatewayInfo* info = out->mutable_get_gateway_info_resp()->mutable_info();
    info->set_current_time_s_epoch(static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now())));
    info->set_gw_model("fake");
    info->set_gw_version("1.0");
    info->set_implemented_api_version(2);
    if (options_.max_scratchpad_size) info->set_max_scratchpad_size(*options_.max_scratchpad_size);
    for (const gwapi::GatewayFeature feature : options_.features) info->add_gw_features(feature);
    return answer;
  }

  auto sink_it = sinks_.find(sink_id);
  if (sink_it == sinks_.end()) {
    header->set_res(gwapi::INVALID_SINK_ID);
    if (topic.method == wirepas::Method::kSetConfig) {
      out->mutable_set_config_resp()->mutable_config()->set_sink_id(sink_id);
    }
    return answer;
  }
  Sink& sink = sink_it->second;

  switch (topic.method) {
    case wirepas::Method::kSetConfig: {
      const gwapi::SinkNewConfig& change = in.set_config_req().config();
      gwapi::SinkReadConfig& config = sink.config;
      if (change.has_node_role()) *config.mutable_node_role() = change.node_role();
      if (change.has_node_address()) config.set_node_address(change.node_address());
      if (change.has_network_address()) config.set_network_address(change.network_address());
      if (change.has_network_channel()) config.set_network_channel(change.network_channel());
      if (change.has_channel_map()) config.set_channel_map(change.channel_map());
      if (change.has_keys()) config.set_are_keys_set(true);
      if (change.has_app_config()) {
        if (change.app_config().seq() == config.app_config().seq()) {
          header->set_res(gwapi::INVALID_SEQUENCE_NUMBER);
        } else {
          *config.mutable_app_config() = change.app_config();
        }
      }
      if (change.has_sink_state()) config.set_sink_state(change.sink_state());
      *out->mutable_set_config_resp()->mutable_config() = config;
      return answer;
    }
    case wirepas::Method::kSendData: {
      const gwapi::SendPacketReq& packet = in.send_packet_req();
      if (packet.hop_limit() > 15) {
        header->set_res(gwapi::INVALID_MAX_HOP_COUNT);
        return answer;
      }
      if (packet.source_endpoint() == decoders::kMsapRequestSourceEndpoint &&
          packet.destination_endpoint() == decoders::kMsapRequestDestinationEndpoint) {
        NodeAnswers(sink_id, packet.destination_address(), packet.payload(), node_answers);
      }
      return answer;
    }
    case wirepas::Method::kOtapStatus: {
      gwapi::GetScratchpadStatusResp* status = out->mutable_get_scratchpad_status_resp();
      if (sink.config.has_stored_scratchpad()) {
        *status->mutable_stored_scratchpad() = sink.config.stored_scratchpad();
      }
      status->set_stored_status(gwapi::NEW);
      status->set_stored_type(sink.stored.empty() ? gwapi::BLANK : gwapi::PRESENT);
      status->set_firmware_area_id(0x10);
      return answer;
    }
    case wirepas::Method::kOtapLoadScratchpad: {
      const gwapi::UploadScratchpadReq& upload = in.upload_scratchpad_req();
      if (!upload.has_scratchpad()) {
        sink.stored.clear();
        sink.config.clear_stored_scratchpad();
        return answer;
      }
      std::string complete;
      if (upload.has_chunk_info()) {
        const gwapi::ChunkInfo& chunk = upload.chunk_info();
        if (options_.max_scratchpad_size &&
            upload.scratchpad().size() > *options_.max_scratchpad_size) {
          header->set_res(gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE);
          return answer;
        }
        // A new seq, a new total or offset 0 starts over (docs/gateway-api.md "OTAP").
        if (chunk.start_offset() == 0 || upload.seq() != sink.upload_seq ||
            chunk.scratchpad_total_size() != sink.upload_total) {
          sink.upload.clear();
          sink.upload_seq = upload.seq();
          sink.upload_total = chunk.scratchpad_total_size();
        }
        if (chunk.start_offset() != sink.upload.size()) {
          header->set_res(gwapi::INVALID_SCRATCHPAD_CHUNK_OFFSET);
          return answer;
        }
        sink.upload.append(upload.scratchpad());
        if (sink.upload.size() < sink.upload_total) return answer;
        complete.swap(sink.upload);
      } else {
        complete = upload.scratchpad();
      }
      sink.stored = complete;
      gwapi::ScratchpadInfo* info = sink.config.mutable_stored_scratchpad();
      info->set_len(static_cast<uint32_t>(complete.size()));
      info->set_crc(Checksum(complete));
      info->set_seq(upload.seq());
      return answer;
    }
    case wirepas::Method::kOtapProcessScratchpad:
      if (sink.stored.empty()) header->set_res(gwapi::NO_SCRATCHPAD_PRESENT);
      return answer;
    case wirepas::Method::kOtapSetTargetScratchpad:
      *sink.config.mutable_target_and_action() =
          in.set_scratchpad_target_and_action_req().target_and_action();
      return answer;
    case wirepas::Method::kSetConfigurationDataItem: {
      const gwapi::ConfigurationDataItem& item =
          in.set_configuration_data_item_req().configuration_data_item();
      if (item.payload().empty()) {
        sink.data_items.erase(item.endpoint());
      } else {
        sink.data_items[item.endpoint()] = item.payload();
      }
      return answer;
    }
    case wirepas::Method::kGetConfigurationDataItem: {
      const uint32_t endpoint = in.get_configuration_data_item_req().endpoint();
      auto item = sink.data_items.find(endpoint);
      if (item == sink.data_items.end()) {
        header->set_res(gwapi::INVALID_PARAM);
        return answer;
      }
      gwapi::ConfigurationDataItem* out_item =
          out->mutable_get_configuration_data_item_resp()->mutable_configuration_data_item();
      out_item->set_endpoint(endpoint);
      out_item->set_payload(item->second);
      return answer;
    }
    case wirepas::Method::kGetConfigs:
    case wirepas::Method::kGetGwInfo:
      break;
  }
  return answer;
}

void FakeGateway::NodeAnswers(const std::string& sink_id, uint32_t destination,
                              std::string_view payload, std::vector<Outgoing>* out) {
  const gwapi::SinkReadConfig& sink = sinks_[sink_id].config;
  std::vector<Node> answering;
  if (destination == kBroadcast) {
    answering = options_.nodes;
  } else if (destination == sink.node_address()) {
    answering.push_back({sink.node_address(), 0});
  } else {
    for (const Node& node : options_.nodes) {
      if (node.address == destination) answering.push_back(node);
    }
  }
  for (const Node& node : answering) {
    decoders::PayloadBuilder answer;
    for (size_t i = 0; i + 2 <= payload.size();) {
      const uint8_t type = static_cast<uint8_t>(payload[i]);
      const uint8_t length = static_cast<uint8_t>(payload[i + 1]);
      if (i + 2 + length > payload.size()) break;
      const std::string_view body = payload.substr(i + 2, length);
      i += 2 + length;
      const bool refuses =
          node.address == options_.refusing_node &&
          (type == decoders::kMsapUpdateRequest || type == decoders::kMsapScratchpadUpdateRequest);
      if (refuses) {
        answer.U8(decoders::kMsapInvalidBeginResponse).U8(0);
        continue;
      }
      switch (type) {
        case decoders::kMsapScratchpadStatusRequest:
          // The 24-byte layout: stored, processed, firmware area and version.
          answer.U8(decoders::kMsapScratchpadStatusResponse).U8(24);
          answer.U32(4096).U16(0xBEEF).U8(7).U8(1).U8(0);
          answer.U32(2048).U16(0xCAFE).U8(6).U32(0x10).U8(5).U8(2).U8(0).U8(node.address & 0xFF);
          break;
        case decoders::kDiagnosticControlRequest:
          answer.U8(decoders::kDiagnosticControlResponse).U8(length).Bytes(body);
          break;
        default:
          // Echo (ping) or acknowledgement: the request's type | 0x80 with its body.
          answer.U8(type | decoders::kMsapResponseBit).U8(length).Bytes(body);
          break;
      }
    }
    wirepas::GenericMessage message;
    gwapi::PacketReceivedEvent* packet = message.mutable_wirepas()->mutable_packet_received_event();
    packet->mutable_header()->set_gw_id(options_.gateway_id);
    packet->mutable_header()->set_sink_id(sink_id);
    packet->mutable_header()->set_event_id(next_event_id_++);
    packet->set_source_address(node.address);
    packet->set_destination_address(sink.node_address());
    packet->set_source_endpoint(decoders::kMsapResponseSourceEndpoint);
    packet->set_destination_endpoint(decoders::kMsapResponseDestinationEndpoint);
    packet->set_travel_time_ms(10 * node.hop_count);
    packet->set_rx_time_ms_epoch(static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())));
    packet->set_qos(0);
    packet->set_payload(answer.str());
    packet->set_hop_count(node.hop_count);
    packet->set_network_address(sink.network_address());
    out->push_back(
        Outgoing{wirepas::ReceivedDataTopic(options_.gateway_id, sink_id, sink.network_address(),
                                            decoders::kMsapResponseSourceEndpoint,
                                            decoders::kMsapResponseDestinationEndpoint),
                 message.SerializeAsString()});
  }
}

}  // namespace wm::command
