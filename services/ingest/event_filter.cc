#include "services/ingest/event_filter.h"

namespace wm::ingest {

EventFilter::EventFilter(const wm::v1::SubscribeRequest& request)
    : gateway_ids_(request.gateway_ids().begin(), request.gateway_ids().end()),
      sink_ids_(request.sink_ids().begin(), request.sink_ids().end()),
      networks_(request.networks().begin(), request.networks().end()),
      source_endpoints_(request.source_endpoints().begin(), request.source_endpoints().end()),
      destination_endpoints_(request.destination_endpoints().begin(),
                             request.destination_endpoints().end()),
      source_addresses_(request.source_addresses().begin(), request.source_addresses().end()),
      kinds_(request.kinds().begin(), request.kinds().end()) {}

bool EventFilter::Matches(const wm::v1::Event& event) const {
  if (!Allows(kinds_, static_cast<int>(event.kind()))) return false;
  if (!Allows(gateway_ids_, event.gateway_id())) return false;
  if (!sink_ids_.empty() && (event.sink_id().empty() || !sink_ids_.contains(event.sink_id()))) {
    return false;
  }
  const bool has_endpoints = event.has_packet() || event.has_downlink();
  if ((!source_endpoints_.empty() || !destination_endpoints_.empty()) && !has_endpoints) {
    return false;
  }
  if ((!networks_.empty() || !source_addresses_.empty()) && !event.has_packet()) return false;

  if (event.has_packet()) {
    const wm::v1::PacketReceived& p = event.packet();
    return Allows(networks_, p.network_address()) &&
           Allows(source_addresses_, p.source_address()) &&
           Allows(source_endpoints_, p.source_endpoint()) &&
           Allows(destination_endpoints_, p.destination_endpoint());
  }
  if (event.has_downlink()) {
    const wm::v1::Downlink& d = event.downlink();
    return Allows(source_endpoints_, d.source_endpoint()) &&
           Allows(destination_endpoints_, d.destination_endpoint());
  }
  return true;
}

}  // namespace wm::ingest
