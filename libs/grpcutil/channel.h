#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "libs/config/settings.h"
#include "libs/grpcutil/bearer_token.h"

namespace wm::grpcutil {

// How a client reaches a server.
struct ChannelOptions {
  bool tls = false;
  // PEM contents (not paths). With tls: the CA that signs the server certificate ("" uses the
  // system's roots), and an optional client certificate and key for mutual TLS.
  std::string tls_ca_pem;
  std::string tls_client_cert_pem;
  std::string tls_client_key_pem;
  // With tls: the name the server certificate must carry, when it differs from the target's
  // host (e.g. connecting by IP to a certificate issued for a DNS name).
  std::string tls_server_name;
  // When set, every call carries "authorization: Bearer <token>" (docs/authentication.md).
  std::shared_ptr<BearerTokenSource> bearer_token;
};

// A channel to `target` ("host:port"); plaintext unless options.tls. Connects lazily.
std::shared_ptr<grpc::Channel> CreateChannel(std::string target, const ChannelOptions& options);

// Declares the client-side settings shared by every client in a program:
// `grpc_tls_ca` (PEM CA of the servers; setting it enables TLS), `grpc_tls_client_cert` and
// `grpc_tls_client_key` (PEM client certificate and key for mutual TLS), and the bearer token
// sent to the services: `wm_token` (secret) or `wm_token_file` (re-read when it changes).
void AddGrpcClientSettings(config::Schema& schema);

// Reads the settings of AddGrpcClientSettings and the files they name. Errors name the key:
// NotFound for a missing file, InvalidArgument for bad content, a client certificate
// without its key (or without grpc_tls_ca), or both wm_token and wm_token_file.
absl::StatusOr<ChannelOptions> ChannelOptionsFromSettings(const config::Settings& settings);

// Declares a "host:port" setting that names another service, e.g.
//   AddAddressSetting(schema, "wm_ingest", "127.0.0.1:7001", "wm-ingest's gRPC address.");
void AddAddressSetting(config::Schema& schema, std::string key, std::string default_address,
                       std::string help);

// Reads and checks a setting of AddAddressSetting: `host:port` or `[ipv6]:port` with a port in
// 1..65535. InvalidArgument naming the key otherwise.
absl::StatusOr<std::string> AddressFromSettings(const config::Settings& settings,
                                                std::string_view key);

}  // namespace wm::grpcutil
