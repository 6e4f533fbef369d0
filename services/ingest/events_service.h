#pragma once

#include "protos/wm/v1/events.grpc.pb.h"
#include "services/ingest/event_hub.h"

namespace wm::ingest {

// wm.v1.Events over gRPC's callback API. Each Subscribe stream keeps one write in flight
// and takes the next event from its bounded queue when the write completes, so a slow client
// only fills its own queue (then loses events, counted) and never slows ingest or others.
class EventsService final : public wm::v1::Events::CallbackService {
 public:
  explicit EventsService(EventHub& hub) : hub_(hub) {}

  grpc::ServerWriteReactor<wm::v1::Event>* Subscribe(
      grpc::CallbackServerContext* context, const wm::v1::SubscribeRequest* request) override;

 private:
  EventHub& hub_;
};

}  // namespace wm::ingest
