#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "libs/config/settings.h"
#include "libs/observability/readiness.h"

namespace wm::grpcutil {

// Where and how a GrpcServer listens.
struct GrpcServerOptions {
  std::string host = "0.0.0.0";
  int port = 0;  // 0 picks a free port
  // PEM contents (not paths). TLS when tls_cert_pem is set, which then needs tls_key_pem;
  // mutual TLS (clients must present a certificate signed by this CA) when tls_client_ca_pem
  // is set as well. Plaintext when all are empty.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string tls_client_ca_pem;
};

// Declares `grpc_port` (0 picks a free port), `grpc_host` (default "0.0.0.0") and the PEM file
// paths `grpc_tls_cert`, `grpc_tls_key`, `grpc_tls_client_ca` (all empty: plaintext).
void AddGrpcServerSettings(config::Schema& schema, int default_port);

// Reads the settings of AddGrpcServerSettings and the files they name. Errors name the key:
// NotFound for a missing file, InvalidArgument for a file without the expected PEM block or an
// incomplete combination (a key without a certificate, a client CA without a certificate).
absl::StatusOr<GrpcServerOptions> GrpcServerOptionsFromSettings(const config::Settings& settings);

// A gRPC server as every service runs it: the services it is given, grpc.health.v1 and
// reflection, TLS from options, and a drain on shutdown.
//
// Health: "" and every registered service name report SERVING while `readiness` (if given) is
// ready, NOT_SERVING otherwise, and NOT_SERVING for good once Shutdown starts.
//
//   GrpcServer server(&readiness);
//   server.AddService(&events_service);  // sync or callback service
//   absl::StatusOr<int> port = server.Start(*options);
//   ...  // termination.Wait()
//   server.Shutdown(absl::Seconds(5));
//
// Handlers must end when their call is cancelled (callback reactors: Finish in OnCancel; sync
// handlers: check ServerContext::IsCancelled), or Shutdown cannot end them at its deadline.
class GrpcServer {
 public:
  // `readiness` may be null (always serving until shutdown); it must outlive the server.
  explicit GrpcServer(observability::Readiness* readiness = nullptr);
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;
  // Shuts down at once if still running.
  ~GrpcServer();

  // Registers a service before Start. Not owned; it must outlive the server.
  void AddService(grpc::Service* service);

  // Builds and starts the server. Returns the bound port. InvalidArgument for inconsistent
  // options, Unavailable when the address cannot be bound (port in use, bad host, bad TLS
  // material), FailedPrecondition when already started.
  absl::StatusOr<int> Start(const GrpcServerOptions& options);

  // Reports NOT_SERVING, stops accepting calls, lets calls in flight finish until `deadline`
  // from now, then cancels the rest and waits for their handlers. Idempotent.
  void Shutdown(absl::Duration deadline);

  // Names of the registered services, as health and reflection report them (after Start).
  std::vector<std::string> service_names() const;

 private:
  void SetServing(bool serving);

  observability::Readiness* const readiness_;
  std::vector<grpc::Service*> services_;
  mutable absl::Mutex mu_;
  std::unique_ptr<grpc::Server> server_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> service_names_ ABSL_GUARDED_BY(mu_);
  int listener_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace wm::grpcutil
