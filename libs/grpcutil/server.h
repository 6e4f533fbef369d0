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
#include "libs/grpcutil/auth_metrics.h"
#include "libs/grpcutil/auth_policy.h"
#include "libs/grpcutil/call_authenticator.h"
#include "libs/grpcutil/token_file_watcher.h"
#include "libs/grpcutil/token_store.h"
#include "libs/observability/readiness.h"
#include "prometheus/registry.h"

namespace wm::grpcutil {

// Who may call a GrpcServer (docs/authentication.md). Authentication is on when any token or
// client certificate scope is given; then every call but health and reflection needs an
// identity, and the scope of the identity decides which methods it may call.
struct GrpcAuthOptions {
  // Path of a token file (ParseTokenFile's format), reloaded when it changes.
  std::string tokens_file;
  absl::Duration reload_interval = absl::Seconds(5);
  // Tokens given directly (settings grpc_auth_token and grpc_auth_read_token), as digests.
  TokenSet tokens;
  // Verified client certificates (mutual TLS) that identify a caller, by common name.
  ClientCertificateScopes client_certificates;
  // The access each method requires; null means WmMethodRules(). Must outlive the server.
  const std::vector<MethodRule>* method_rules = nullptr;

  bool enabled() const {
    return !tokens_file.empty() || !tokens.empty() || !client_certificates.empty();
  }
};

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
  GrpcAuthOptions auth;
};

// Declares `grpc_port` (0 picks a free port), `grpc_host` (default "0.0.0.0"), the PEM file
// paths `grpc_tls_cert`, `grpc_tls_key`, `grpc_tls_client_ca` (all empty: plaintext) and access
// control: `grpc_auth_tokens_file`, `grpc_auth_reload_s`, the secrets `grpc_auth_token` (full
// scope) and `grpc_auth_read_token`, and `grpc_auth_client_cns_full` /
// `grpc_auth_client_cns_read` (comma-separated common names of client certificates).
void AddGrpcServerSettings(config::Schema& schema, int default_port);

// Reads the settings of AddGrpcServerSettings and the files they name. Errors name the key:
// NotFound for a missing file, InvalidArgument for a file without the expected PEM block, a
// token file that does not parse (with its line), a token too short, or an incomplete
// combination (a key without a certificate, a client CA without a certificate, client
// certificate scopes without a client CA).
absl::StatusOr<GrpcServerOptions> GrpcServerOptionsFromSettings(const config::Settings& settings);

// The calls a GrpcServer is running (defined in server.cc).
class ActiveCalls;

// A gRPC server as every service runs it: the services it is given, grpc.health.v1 and
// reflection, TLS from options, and a drain on shutdown.
//
// Health: "" and every registered service name report SERVING while `readiness` (if given) is
// ready, NOT_SERVING otherwise, and NOT_SERVING for good once Shutdown starts.
//
// Access control (options.auth, docs/authentication.md): checked inside gRPC, before any
// handler of any service runs, for unary and streaming calls alike; a refused call ends with
// UNAUTHENTICATED or PERMISSION_DENIED and its handler never sees it. The `authorization`
// header is taken out of the metadata handlers see; the caller's identity is in the call's
// auth context as properties `wm_identity` ("token/<name>", "certificate/<CN>") and
// `wm_scope`. Without authentication on a host other than loopback, Start logs a warning.
// Metrics (GrpcAuthMetrics) go to `metrics` whether authentication is on or not.
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
  // `readiness` may be null (always serving until shutdown); `metrics` may be null (a private
  // registry). Both must outlive the server.
  explicit GrpcServer(observability::Readiness* readiness = nullptr,
                      prometheus::Registry* metrics = nullptr);
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
  // from now, then cancels the rest and waits for their handlers. Returns as soon as no call is
  // left: connections without a call are closed then, without waiting for their clients, and
  // health watches and reflection streams are cancelled (they do not hold the drain).
  // Idempotent.
  void Shutdown(absl::Duration deadline);

  // Names of the registered services, as health and reflection report them (after Start).
  std::vector<std::string> service_names() const;

  // For tests: a check of the token file now, as the reload thread does it (kUnchanged without
  // a token file).
  TokenFileWatcher::CheckResult CheckTokenFileNow();

 private:
  void SetServing(bool serving);

  observability::Readiness* const readiness_;
  std::shared_ptr<prometheus::Registry> own_metrics_;  // when none was given
  GrpcAuthMetrics auth_metrics_;
  std::unique_ptr<TokenStore> token_store_;
  std::unique_ptr<TokenFileWatcher> token_watcher_;
  std::shared_ptr<CallAuthenticator> authenticator_;
  std::vector<grpc::Service*> services_;
  const std::shared_ptr<ActiveCalls> active_calls_;
  mutable absl::Mutex mu_;
  std::unique_ptr<grpc::Server> server_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> service_names_ ABSL_GUARDED_BY(mu_);
  int listener_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace wm::grpcutil
