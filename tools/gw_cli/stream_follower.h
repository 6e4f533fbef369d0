#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/sync_stream.h"
#include "libs/config/settings.h"
#include "tools/gw_cli/call_canceller.h"

namespace wm::gw_cli {

// Declares the limits of a command that follows a stream: --count ("Exit after this many
// <what>") and --duration_s.
void AddStreamLimitSettings(config::Schema& schema, std::string_view what);

// --duration_s as the time limit of the command's CallCanceller (infinite for 0).
absl::Duration DurationLimit(const config::Settings& settings);

// A server stream that a command follows until it is stopped (`events`, `watch`).
template <typename Message>
struct FollowedStream {
  std::string service;  // e.g. "wm-ingest", for messages
  std::string address;  // the service's, for messages
  // The channel the stream is opened on (optional): once the stream's metadata came, a channel
  // that is not ready means the stream failed instead of being accepted.
  grpc::Channel* channel = nullptr;
  // Opens the stream with `context`.
  std::function<std::unique_ptr<grpc::ClientReaderInterface<Message>>(grpc::ClientContext*)> open;
  // Called once the service accepted the stream, with whether it had been open before
  // (optional).
  std::function<void(bool reopened)> on_open;
  // Called for every message; false ends the stream (enough was printed).
  std::function<bool(const Message&)> on_message;
};

namespace internal {
// Whether a stream that ended with `status` is worth opening again: not after an error that
// retrying cannot cure (INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, UNIMPLEMENTED).
bool WorthReopening(const grpc::Status& status);
// The first pause before opening a stream again, and the longest.
inline constexpr absl::Duration kFirstReopenDelay = absl::Milliseconds(200);
inline constexpr absl::Duration kMaxReopenDelay = absl::Seconds(5);
}  // namespace internal

// Follows `stream`: opens it waiting for the service (one still starting is not an error),
// hands every message to on_message, and when the stream ends (the service stopped or
// restarted, the network failed) says so on `log` ("wm-gw-cli: stream from <service> at
// <address> ended (...), reconnecting") and opens it again after a pause that doubles from
// 200 ms to 5 s, and starts again from 200 ms once a stream was accepted. Returns OK once
// `canceller` stopped or on_message returned false, or the status of an error that retrying
// cannot cure.
template <typename Message>
grpc::Status FollowStream(const FollowedStream<Message>& stream, CallCanceller& canceller,
                          std::ostream& log) {
  absl::Duration delay = internal::kFirstReopenDelay;
  bool opened_before = false;
  while (true) {
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    bool accepted = false;
    bool enough = false;
    const grpc::Status status = canceller.Run(context, [&](grpc::ClientContext* call) {
      std::unique_ptr<grpc::ClientReaderInterface<Message>> reader = stream.open(call);
      // The service sends the stream's metadata once the stream is in place; the wait also ends
      // when the stream fails first.
      reader->WaitForInitialMetadata();
      accepted = !canceller.stopped() && (stream.channel == nullptr ||
                                          stream.channel->GetState(false) == GRPC_CHANNEL_READY);
      if (accepted && stream.on_open) stream.on_open(opened_before);
      Message message;
      while (!enough && reader->Read(&message)) {
        if (!stream.on_message(message)) {
          enough = true;
          call->TryCancel();
        }
      }
      const grpc::Status finished = reader->Finish();
      return enough ? grpc::Status::OK : finished;
    });
    if (enough || canceller.stopped()) return grpc::Status::OK;
    if (!internal::WorthReopening(status)) return status;
    if (accepted) {
      delay = internal::kFirstReopenDelay;
      opened_before = true;
    }
    log << "wm-gw-cli: stream from " << stream.service << " at " << stream.address << " ended ("
        << (status.ok() ? stream.service + " stopped" : status.error_message())
        << "), reconnecting\n";
    log.flush();
    if (!canceller.Pause(delay)) return grpc::Status::OK;
    delay = std::min(delay * 2, internal::kMaxReopenDelay);
  }
}

}  // namespace wm::gw_cli
