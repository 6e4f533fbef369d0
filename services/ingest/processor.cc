#include "services/ingest/processor.h"

#include "libs/wirepas/convert.h"

namespace wm::ingest {
namespace {

using wirepas::PayloadKind;
using wirepas::TopicKind;

uint64_t ToMillis(absl::Time t) { return static_cast<uint64_t>(absl::ToUnixMillis(t)); }

// Whether the payload message a decoder selected carries any field (only on the error path).
bool HoldsDecodedContent(const wm::v1::DecodedPayload& decoded) {
  const google::protobuf::Reflection* reflection = decoded.GetReflection();
  const google::protobuf::FieldDescriptor* field = reflection->GetOneofFieldDescriptor(
      decoded, decoded.GetDescriptor()->FindOneofByName("payload"));
  return field != nullptr && reflection->GetMessage(decoded, field).ByteSizeLong() > 0;
}

}  // namespace

IngestProcessor::IngestProcessor(EventHub& hub, EventDeduplicator::Options dedup,
                                 decoders::DecoderRegistry decoders, IngestMetrics& metrics,
                                 Clock clock)
    : hub_(hub), dedup_(dedup), decoders_(std::move(decoders)), metrics_(metrics),
      clock_(std::move(clock)), bad_input_log_(absl::Minutes(1), clock_) {}

void IngestProcessor::Handle(std::string_view topic_text, std::string_view payload,
                             bool retained) {
  absl::StatusOr<wirepas::Topic> topic = wirepas::ParseTopic(topic_text);
  if (!topic.ok()) {
    Reject(metrics_.topic_errors, "bad_topic",
           std::string(topic.status().message()) + " topic=" + std::string(topic_text));
    return;
  }
  switch (topic->kind) {
    case TopicKind::kStatus:
      return HandleStatus(*topic, payload, retained);
    case TopicKind::kReceivedData:
      return HandleReceivedData(*topic, payload);
    case TopicKind::kResponse:
      return HandleResponse(*topic, payload);
    case TopicKind::kRequest:
      if (topic->method == wirepas::Method::kSendData) return HandleDownlink(*topic, payload);
      Reject(metrics_.topic_errors, "unexpected_request",
             "only send_data requests are observed topic=" + std::string(topic_text));
      return;
  }
}

void IngestProcessor::RememberLoaded(const wm::v1::Event& event) {
  if (event.kind() != wm::v1::EVENT_KIND_PACKET_RECEIVED || event.snapshot()) return;
  dedup_.FirstSeen(event.gateway_id(), event.event_id(),
                   absl::FromUnixMillis(static_cast<int64_t>(event.ingest_time_ms_epoch())));
}

void IngestProcessor::HandleStatus(const wirepas::Topic& topic, std::string_view payload,
                                   bool retained) {
  auto last = last_status_.find(topic.gw_id);
  if (last != last_status_.end() && last->second == payload) {
    metrics_.duplicates.Increment();
    return;
  }
  if (payload.empty()) {
    // An empty retained status clears a gateway that is gone (docs/gateway-api.md "Status, last
    // will and discovery"). It is forwarded even for a gateway this process never saw: consumers
    // may remember it from before.
    last_status_[topic.gw_id].clear();
    auto event = NewEvent(wm::v1::EVENT_KIND_GATEWAY_STATUS, topic);
    event->mutable_status()->set_state(wm::v1::GATEWAY_STATE_REMOVED);
    event->mutable_status()->set_retained(retained);
    metrics_.status_messages.Increment();
    hub_.Publish(std::move(event));
    return;
  }
  if (!ParseExpected(FormatTopic(topic), payload, PayloadKind::kStatusEvent)) return;
  last_status_[topic.gw_id] = std::string(payload);

  const auto& status = message_.wirepas().status_event();
  auto event = NewEvent(wm::v1::EVENT_KIND_GATEWAY_STATUS, topic);
  wirepas::ToEventEnvelope(status.header(), event.get());
  event->set_gateway_id(topic.gw_id);  // the topic names the gateway the status belongs to
  event->clear_sink_id();
  wirepas::ToGatewayStatus(status, event->mutable_status());
  event->mutable_status()->set_retained(retained);
  metrics_.status_messages.Increment();
  hub_.Publish(std::move(event));
}

void IngestProcessor::HandleReceivedData(const wirepas::Topic& topic, std::string_view payload) {
  if (!ParseExpected(FormatTopic(topic), payload, PayloadKind::kPacketReceivedEvent)) return;
  const auto& received = message_.wirepas().packet_received_event();
  if (!dedup_.FirstSeen(topic.gw_id, received.header().event_id(), clock_())) {
    metrics_.duplicates.Increment();
    return;
  }
  auto event = NewEvent(wm::v1::EVENT_KIND_PACKET_RECEIVED, topic);
  wirepas::ToEventEnvelope(received.header(), event.get());
  event->set_gateway_id(topic.gw_id);
  event->set_sink_id(topic.sink_id);
  wirepas::ToPacketReceived(received, topic.network_address, event->mutable_packet());
  Decode(event->mutable_packet());
  metrics_.packet_messages.Increment();
  hub_.Publish(std::move(event));
}

void IngestProcessor::HandleResponse(const wirepas::Topic& topic, std::string_view payload) {
  if (!ParseExpected(FormatTopic(topic), payload, wirepas::ResponseKindOf(topic.method))) return;
  auto event = NewEvent(wm::v1::EVENT_KIND_RESPONSE, topic);
  wm::v1::GatewayResponse* response = event->mutable_response();
  if (absl::Status s = wirepas::ToGatewayResponse(message_, response); !s.ok()) {
    Reject(metrics_.message_errors, "bad_response", std::string(s.message()));
    return;
  }
  response->set_raw_message(payload.data(), payload.size());
  // The gateway's clock when it answered, so that consumers order answers the way the gateway
  // made them (docs/ordering.md); 0 when the header has none.
  if (const auto* header = wirepas::ResponseHeaderOf(message_);
      header != nullptr && header->has_time_ms_epoch()) {
    event->set_gateway_time_ms_epoch(header->time_ms_epoch());
  }
  metrics_.response_messages.Increment();
  hub_.Publish(std::move(event));
}

void IngestProcessor::HandleDownlink(const wirepas::Topic& topic, std::string_view payload) {
  if (!ParseExpected(FormatTopic(topic), payload, PayloadKind::kSendPacketReq)) return;
  auto event = NewEvent(wm::v1::EVENT_KIND_DOWNLINK, topic);
  wirepas::ToDownlink(message_.wirepas().send_packet_req(), event->mutable_downlink());
  metrics_.downlink_messages.Increment();
  hub_.Publish(std::move(event));
}

bool IngestProcessor::ParseExpected(std::string_view topic_text, std::string_view payload,
                                    PayloadKind expected) {
  if (absl::Status s = wirepas::ParseGenericMessageInto(payload, &message_); !s.ok()) {
    Reject(metrics_.protobuf_errors, "bad_protobuf",
           std::string(s.message()) + " topic=" + std::string(topic_text));
    return false;
  }
  const PayloadKind kind = wirepas::PayloadKindOf(message_);
  if (kind != expected) {
    Reject(metrics_.message_errors, "unexpected_message",
           "topic=" + std::string(topic_text) + " carries " +
               std::string(wirepas::PayloadKindName(kind)) + ", expected " +
               std::string(wirepas::PayloadKindName(expected)));
    return false;
  }
  if (absl::Status s = wirepas::CheckMessage(message_); !s.ok()) {
    Reject(metrics_.message_errors, "incomplete_message",
           std::string(s.message()) + " topic=" + std::string(topic_text));
    return false;
  }
  return true;
}

void IngestProcessor::Decode(wm::v1::PacketReceived* packet) {
  if (packet->payload().empty()) return;  // whitened endpoint: size only
  const decoders::Decoder* decoder =
      decoders_.Find(packet->source_endpoint(), packet->destination_endpoint());
  if (decoder == nullptr) return;
  decoders::DecodeStatus error = decoder->decode(packet->payload(), packet->mutable_decoded());
  if (!error.has_value()) return;
  // Record decoders keep what they decoded before the fault (e.g. the complete neighbors
  // before a cut record); fixed layouts leave nothing, and then no empty message is sent.
  if (!HoldsDecodedContent(packet->decoded())) packet->clear_decoded();
  error->ToProto(packet->mutable_decode_error());
  metrics_.payload_errors(error->reason).Increment();
  bad_input_log_.Warn(std::string("payload_") + std::string(error->reason),
                      "payload not decoded decoder=" + std::string(decoder->name) +
                          " src_ep=" + std::to_string(packet->source_endpoint()) +
                          " dst_ep=" + std::to_string(packet->destination_endpoint()) +
                          " offset=" + std::to_string(error->offset) + " reason=" +
                          std::string(error->reason) + " detail=\"" + error->message + "\"");
}

std::unique_ptr<wm::v1::Event> IngestProcessor::NewEvent(wm::v1::EventKind kind,
                                                         const wirepas::Topic& topic) {
  auto event = std::make_unique<wm::v1::Event>();
  event->set_kind(kind);
  event->set_gateway_id(topic.gw_id);
  event->set_sink_id(topic.sink_id);
  event->set_ingest_time_ms_epoch(ToMillis(clock_()));
  return event;
}

void IngestProcessor::Reject(prometheus::Counter& counter, std::string_view kind,
                             std::string_view detail) {
  counter.Increment();
  bad_input_log_.Warn(kind, std::string(kind) + " " + std::string(detail));
}

}  // namespace wm::ingest
