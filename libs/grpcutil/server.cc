#include "libs/grpcutil/server.h"

#include "libs/grpcutil/grpc_logging.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpc/grpc.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "libs/grpcutil/pem_file.h"
#include "spdlog/spdlog.h"

namespace wm::grpcutil {
namespace {

// grpc::Service does not expose its name; the server learns it from the method paths. This
// plugin copies the server's list once BuildAndStart has registered everything.
class ServiceListPlugin : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceListPlugin(std::vector<std::string>* names) : names_(names) {}
  std::string name() override { return "wm_service_list"; }
  void InitServer(grpc::ServerInitializer*) override {}
  void Finish(grpc::ServerInitializer* initializer) override {
    for (const std::string& name : *initializer->GetServiceList()) {
      // gRPC's own services (health, reflection) are not the application's.
      if (!absl::StartsWith(name, "grpc.")) names_->push_back(name);
    }
  }
  void ChangeArguments(const std::string&, void*) override {}

 private:
  std::vector<std::string>* names_;
};

class ServiceListOption : public grpc::ServerBuilderOption {
 public:
  explicit ServiceListOption(std::vector<std::string>* names) : names_(names) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceListPlugin>(names_));
  }

 private:
  std::vector<std::string>* names_;
};

std::string JoinHostPort(const std::string& host, int port) {
  // A bare IPv6 address needs brackets.
  if (absl::StrContains(host, ':') && !absl::StartsWith(host, "[")) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

}  // namespace

void AddGrpcServerSettings(config::Schema& schema, int default_port) {
  schema.Add({.key = "grpc_port",
              .type = config::SettingType::kInt,
              .default_value = std::to_string(default_port),
              .help = "gRPC port; 0 picks a free port.",
              .min = 0,
              .max = 65535});
  schema.Add({.key = "grpc_host",
              .default_value = "0.0.0.0",
              .help = "Address the gRPC server listens on."});
  schema.Add({.key = "grpc_tls_cert",
              .help = "PEM certificate (chain) of the gRPC server; enables TLS."});
  schema.Add({.key = "grpc_tls_key", .help = "PEM private key of grpc_tls_cert."});
  schema.Add({.key = "grpc_tls_client_ca",
              .help = "PEM CA that client certificates must chain to; enables mutual TLS."});
}

absl::StatusOr<GrpcServerOptions> GrpcServerOptionsFromSettings(const config::Settings& settings) {
  GrpcServerOptions options;
  options.host = settings.GetString("grpc_host");
  options.port = static_cast<int>(settings.GetInt("grpc_port"));
  absl::StatusOr<std::string> cert =
      ReadPemSetting(settings, "grpc_tls_cert", PemKind::kCertificate);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPemSetting(settings, "grpc_tls_key", PemKind::kPrivateKey);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> client_ca =
      ReadPemSetting(settings, "grpc_tls_client_ca", PemKind::kCertificate);
  if (!client_ca.ok()) return client_ca.status();
  if (cert->empty() != key->empty()) {
    return absl::InvalidArgumentError(
        "settings grpc_tls_cert and grpc_tls_key must be given together");
  }
  if (!client_ca->empty() && cert->empty()) {
    return absl::InvalidArgumentError(
        "setting grpc_tls_client_ca needs grpc_tls_cert and grpc_tls_key");
  }
  options.tls_cert_pem = *std::move(cert);
  options.tls_key_pem = *std::move(key);
  options.tls_client_ca_pem = *std::move(client_ca);
  return options;
}

GrpcServer::GrpcServer(observability::Readiness* readiness) : readiness_(readiness) {
  RouteGrpcLogsToSpdlog();
}

GrpcServer::~GrpcServer() { Shutdown(absl::ZeroDuration()); }

void GrpcServer::AddService(grpc::Service* service) { services_.push_back(service); }

absl::StatusOr<int> GrpcServer::Start(const GrpcServerOptions& options) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("gRPC port ", options.port, " out of range"));
  }
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    return absl::InvalidArgumentError("TLS needs both a certificate and its key");
  }
  if (!options.tls_client_ca_pem.empty() && options.tls_cert_pem.empty()) {
    return absl::InvalidArgumentError("mutual TLS needs a server certificate and key");
  }

  absl::MutexLock lock(&mu_);
  if (server_ != nullptr) return absl::FailedPreconditionError("gRPC server already started");

  // Both are process-wide switches inside gRPC; they only affect servers built afterwards and
  // every server here wants them.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::string tls_mode = "off";
  if (options.tls_cert_pem.empty()) {
    credentials = grpc::InsecureServerCredentials();
  } else {
    grpc::SslServerCredentialsOptions ssl(
        options.tls_client_ca_pem.empty()
            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = options.tls_client_ca_pem;
    ssl.pem_key_cert_pairs.push_back({options.tls_key_pem, options.tls_cert_pem});
    credentials = grpc::SslServerCredentials(ssl);
    tls_mode = options.tls_client_ca_pem.empty() ? "on" : "mutual";
  }

  std::string address = JoinHostPort(options.host, options.port);
  int bound_port = 0;
  std::vector<std::string> names;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, credentials, &bound_port);
  // gRPC sets SO_REUSEPORT by default, which lets a second instance bind the same port and
  // silently take part of the calls; a busy port must be an error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  builder.SetOption(std::make_unique<ServiceListOption>(&names));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    if (server != nullptr) server->Shutdown();
    return absl::UnavailableError(absl::StrCat("gRPC server cannot listen on ", address));
  }
  server_ = std::move(server);
  service_names_ = std::move(names);
  spdlog::info("grpc server listening host={} port={} tls={} services={}", options.host,
               bound_port, tls_mode, absl::StrJoin(service_names_, ","));

  if (readiness_ != nullptr) {
    // Called at once with the current state, then on every change; removed before the server
    // goes away, so the server is always there when it runs.
    listener_id_ = readiness_->AddListener([this](bool ready) { SetServing(ready); });
  } else {
    SetServing(true);
  }
  return bound_port;
}

// Called under mu_ from Start, or from a readiness listener while server_ is set: Shutdown
// removes the listener (which waits for a running one) before it touches server_.
void GrpcServer::SetServing(bool serving) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus("", serving);
  for (const std::string& name : service_names_) health->SetServingStatus(name, serving);
}

void GrpcServer::Shutdown(absl::Duration deadline) {
  absl::MutexLock lock(&mu_);
  if (server_ == nullptr) return;
  if (readiness_ != nullptr && listener_id_ != 0) {
    readiness_->RemoveListener(listener_id_);
    listener_id_ = 0;
  }
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    health->Shutdown();  // NOT_SERVING everywhere, for good
  }
  // Clamped so that an infinite deadline does not overflow the clock.
  absl::Duration grace = std::min(std::max(deadline, absl::ZeroDuration()), absl::Hours(24));
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  server_->Wait();
  server_.reset();
  spdlog::info("grpc server stopped");
}

std::vector<std::string> GrpcServer::service_names() const {
  absl::MutexLock lock(&mu_);
  return service_names_;
}

}  // namespace wm::grpcutil
