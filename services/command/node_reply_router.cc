#include "services/command/node_reply_router.h"

#include <utility>
#include <vector>

#include "libs/decoders/msap_frames.h"
#include "libs/decoders/msap_responses.h"
#include "libs/wirepas/message.h"

namespace wm::command {

bool NodeReplyFilter::Matches(const NodeReply& reply) const {
  if (network_address.has_value() && *network_address != reply.network_address) return false;
  if (gateway_id.has_value() && *gateway_id != reply.gateway_id) return false;
  return true;
}

NodeReplyRouter::NodeReplyRouter(base::Clock clock) : clock_(std::move(clock)) {}

uint64_t NodeReplyRouter::Add(NodeReplyFilter filter, Listener listener) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_id_++;
  entries_.emplace(id, Entry{std::move(filter), std::make_shared<Listener>(std::move(listener))});
  return id;
}

void NodeReplyRouter::Remove(uint64_t id) {
  std::shared_ptr<Listener> removed;  // released after the lock
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  removed = std::move(it->second.listener);
  entries_.erase(it);
}

bool NodeReplyRouter::HandleReceivedData(const wirepas::Topic& topic, std::string_view payload) {
  if (topic.kind != wirepas::TopicKind::kReceivedData ||
      topic.src_ep != decoders::kMsapResponseSourceEndpoint ||
      topic.dst_ep != decoders::kMsapResponseDestinationEndpoint) {
    return false;
  }
  absl::StatusOr<wirepas::GenericMessage> message = wirepas::ParseGenericMessage(payload);
  if (!message.ok() || !message->wirepas().has_packet_received_event() ||
      !wirepas::CheckMessage(*message).ok()) {
    return false;
  }
  const wirepas::gwapi::PacketReceivedEvent& packet = message->wirepas().packet_received_event();
  NodeReply reply;
  reply.gateway_id = topic.gw_id;
  reply.sink_id = topic.sink_id;
  reply.network_address =
      packet.has_network_address() ? packet.network_address() : topic.network_address.value_or(0);
  reply.source_address = packet.source_address();
  reply.hop_count = packet.hop_count();
  reply.travel_time_ms = packet.travel_time_ms();
  reply.received_at = clock_();
  reply.decoded = !decoders::DecodeMsapResponses(packet.payload(), &reply.frames).has_value();
  Dispatch(reply);
  return true;
}

void NodeReplyRouter::Dispatch(const NodeReply& reply) {
  std::vector<std::shared_ptr<Listener>> matching;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, entry] : entries_) {
      if (entry.filter.Matches(reply)) matching.push_back(entry.listener);
    }
  }
  for (const std::shared_ptr<Listener>& listener : matching) (*listener)(reply);
}

size_t NodeReplyRouter::listeners() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace wm::command
