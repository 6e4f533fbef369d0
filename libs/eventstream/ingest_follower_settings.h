#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "libs/config/settings.h"
#include "libs/eventstream/ingest_follower.h"

namespace wm::eventstream {

// Declares the settings of a service that follows wm-ingest (docs/following-ingest.md "Settings"):
// the gRPC client settings of the program (grpc_tls_ca, grpc_tls_client_cert, grpc_tls_client_key,
// wm_token, wm_token_file; skipped when the program declared them already, as they are shared by
// all its clients), `wm_ingest` (host:port, default 127.0.0.1:7001; its help says that `consumer`,
// e.g. "the registry", follows its stream), `ingest_reconnect_min_s` and `ingest_reconnect_max_s`
// (the follower's backoff).
//
//   config::Schema schema;
//   eventstream::AddIngestFollowerSettings(schema, "the history service");
//   ...
//   absl::StatusOr<eventstream::IngestFollowerOptions> options =
//       eventstream::IngestFollowerOptionsFromSettings(settings);
void AddIngestFollowerSettings(config::Schema& schema, std::string_view consumer);

// The address, channel and backoff of IngestFollowerOptions from the settings declared by
// AddIngestFollowerSettings (the request and consumer_name stay the caller's). Errors name the key:
// a malformed wm_ingest, TLS or token settings ChannelOptionsFromSettings rejects,
// ingest_reconnect_min_s larger than ingest_reconnect_max_s.
absl::StatusOr<IngestFollowerOptions> IngestFollowerOptionsFromSettings(
    const config::Settings& settings);

}  // namespace wm::eventstream
