#include "services/ingest/events_service.h"

#include "libs/grpcutil/queue_write_reactor.h"
#include "spdlog/spdlog.h"

namespace wm::ingest {

grpc::ServerWriteReactor<wm::v1::Event>* EventsService::Subscribe(
    grpc::CallbackServerContext* context, const wm::v1::SubscribeRequest* request) {
  std::shared_ptr<Subscription> subscription = hub_.Subscribe(*request);
  if (subscription == nullptr) {
    return grpcutil::RejectStream<wm::v1::Event>(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "wm-ingest is shutting down"));
  }
  std::string peer = context->peer();
  if (request->has_resume_after()) {
    spdlog::info("subscribe_start peer={} resume_epoch={} resume_sequence={}", peer,
                 request->resume_after().stream_epoch(), request->resume_after().sequence());
  } else {
    spdlog::info("subscribe_start peer={}", peer);
  }
  // The stream tells the client at once that its subscription is in place, before any event
  // exists.
  return new grpcutil::QueueWriteReactor<wm::v1::Event>(
      subscription, [&hub = hub_, subscription, peer = std::move(peer)] {
        hub.Unsubscribe(subscription);
        spdlog::info("subscribe_end peer={} dropped={}", peer, subscription->dropped());
      });
}

}  // namespace wm::ingest
