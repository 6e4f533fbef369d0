#include "libs/grpcutil/channel.h"

#include "libs/grpcutil/grpc_logging.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "libs/grpcutil/pem_file.h"

namespace wm::grpcutil {

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
  return grpc::CreateCustomChannel(std::move(target), credentials, args);
}

void AddGrpcClientSettings(config::Schema& schema) {
  schema.Add({.key = "grpc_tls_ca",
              .help = "PEM CA of the gRPC servers this program calls; enables TLS."});
  schema.Add({.key = "grpc_tls_client_cert",
              .help = "PEM client certificate for mutual TLS (with grpc_tls_client_key)."});
  schema.Add({.key = "grpc_tls_client_key", .help = "PEM private key of grpc_tls_client_cert."});
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
