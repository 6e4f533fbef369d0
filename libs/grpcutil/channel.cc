#include "libs/grpcutil/channel.h"

#include "libs/grpcutil/grpc_logging.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "libs/grpcutil/pem_file.h"
#include "spdlog/spdlog.h"

namespace wm::grpcutil {
namespace {

// "127.x.x.x:port", "localhost:port", "[::1]:port" (and the same without a port).
bool IsLoopbackTarget(const std::string& target) {
  return absl::StartsWith(target, "127.") || absl::StartsWith(target, "localhost:") ||
         target == "localhost" || absl::StartsWith(target, "[::1]") ||
         absl::StartsWith(target, "ipv4:127.") || absl::StartsWith(target, "unix:");
}

}  // namespace

std::shared_ptr<grpc::Channel> CreateChannel(std::string target, const ChannelOptions& options) {
  RouteGrpcLogsToSpdlog();
  grpc::ChannelArguments args;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_ca_pem;
    ssl.pem_cert_chain = options.tls_client_cert_pem;
    ssl.pem_private_key = options.tls_client_key_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  if (options.bearer_token == nullptr) {
    return grpc::CreateCustomChannel(std::move(target), credentials, args);
  }
  if (!options.tls && !IsLoopbackTarget(target)) {
    spdlog::warn(
        "grpc channel sends its bearer token in clear target={}: anyone on the path can read "
        "it; set grpc_tls_ca to use TLS (docs/authentication.md)",
        target);
  }
  // An interceptor rather than call credentials: gRPC sends call credentials only over TLS,
  // and a token must reach a plaintext loopback service too.
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<BearerTokenInterceptorFactory>(options.bearer_token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(std::move(target), credentials,
                                                                 args, std::move(interceptors));
}

void AddGrpcClientSettings(config::Schema& schema) {
  schema.Add({.key = "grpc_tls_ca",
              .help = "PEM CA of the gRPC servers this program calls; enables TLS."});
  schema.Add({.key = "grpc_tls_client_cert",
              .help = "PEM client certificate for mutual TLS (with grpc_tls_client_key)."});
  schema.Add({.key = "grpc_tls_client_key", .help = "PEM private key of grpc_tls_client_cert."});
  schema.Add({.key = "wm_token",
              .help = "Bearer token sent to the wm services (authorization: Bearer <token>).",
              .secret = true});
  schema.Add({.key = "wm_token_file",
              .help = "File holding the bearer token sent to the wm services (its first line "
                      "that is not a comment); re-read when it changes."});
}

absl::StatusOr<ChannelOptions> ChannelOptionsFromSettings(const config::Settings& settings) {
  absl::StatusOr<std::string> ca = ReadPemSetting(settings, "grpc_tls_ca", PemKind::kCertificate);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert =
      ReadPemSetting(settings, "grpc_tls_client_cert", PemKind::kCertificate);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key =
      ReadPemSetting(settings, "grpc_tls_client_key", PemKind::kPrivateKey);
  if (!key.ok()) return key.status();
  if (cert->empty() != key->empty()) {
    return absl::InvalidArgumentError(
        "settings grpc_tls_client_cert and grpc_tls_client_key must be given together");
  }
  if (!cert->empty() && ca->empty()) {
    return absl::InvalidArgumentError("setting grpc_tls_client_cert needs grpc_tls_ca");
  }
  ChannelOptions options;
  const std::string token = settings.GetString("wm_token");
  const std::string token_file = settings.GetString("wm_token_file");
  if (!token.empty() && !token_file.empty()) {
    return absl::InvalidArgumentError("settings wm_token and wm_token_file: give one, not both");
  }
  if (!token.empty()) {
    if (std::any_of(token.begin(), token.end(), [](char c) { return c <= ' ' || c > '~'; })) {
      return absl::InvalidArgumentError(absl::StrCat(
          "setting wm_token (", std::string(settings.SourceOf("wm_token")),
          "): a token is printable ASCII without spaces"));
    }
    options.bearer_token = BearerTokenSource::FromValue(token);
  } else if (!token_file.empty()) {
    absl::StatusOr<std::shared_ptr<BearerTokenSource>> source =
        BearerTokenSource::FromFile(token_file);
    if (!source.ok()) {
      return absl::Status(source.status().code(),
                          absl::StrCat("setting wm_token_file: ", source.status().message()));
    }
    options.bearer_token = *std::move(source);
  }
  options.tls = !ca->empty();
  options.tls_ca_pem = *std::move(ca);
  options.tls_client_cert_pem = *std::move(cert);
  options.tls_client_key_pem = *std::move(key);
  return options;
}

void AddAddressSetting(config::Schema& schema, std::string key, std::string default_address,
                       std::string help) {
  schema.Add({.key = std::move(key),
              .default_value = std::move(default_address),
              .help = std::move(help)});
}

absl::StatusOr<std::string> AddressFromSettings(const config::Settings& settings,
                                                std::string_view key) {
  std::string address = settings.GetString(key);
  auto invalid = [&](const char* why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "setting ", std::string(key), " (", std::string(settings.SourceOf(key)), "): \"", address,
        "\" ", why, "; expected host:port"));
  };
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return invalid("has no port");
  std::string host = address.substr(0, colon);
  std::string port_text = address.substr(colon + 1);
  if (host.empty()) return invalid("has no host");
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return invalid("has a malformed IPv6 address");
  } else if (host.find(':') != std::string::npos) {
    return invalid("has an IPv6 address without brackets");
  }
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535 ||
      port_text.find_first_not_of("0123456789") != std::string::npos) {
    return invalid("has no port in 1..65535");
  }
  return address;
}

}  // namespace wm::grpcutil
