#include "libs/grpcutil/server.h"

#include "libs/grpcutil/grpc_logging.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpc/grpc.h"
#include "grpc/grpc_security.h"
#include "grpc/grpc_security_constants.h"
#include "grpc/support/time.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/server_interceptor.h"
#include "libs/grpcutil/pem_file.h"
#include "third_party/system/string_view_compat.h"
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

// Server credentials whose every call goes through a CallAuthenticator first. gRPC's
// AuthMetadataProcessor runs in the server's auth filter, before a call reaches any handler
// (sync or callback, unary or streaming), and can end it with any status code; the C++ API
// offers it only with TLS credentials, so this class attaches it through the C API to
// plaintext and TLS credentials alike (docs/authentication.md).
class AuthenticatingServerCredentials final : public grpc::ServerCredentials {
 public:
  // Takes ownership of `credentials`.
  AuthenticatingServerCredentials(grpc_server_credentials* credentials,
                                  std::shared_ptr<CallAuthenticator> authenticator)
      : credentials_(credentials) {
    grpc_server_credentials_set_auth_metadata_processor(
        credentials_, {&Process, &Destroy,
                       new std::shared_ptr<CallAuthenticator>(std::move(authenticator))});
  }
  ~AuthenticatingServerCredentials() override {
    grpc_server_credentials_release(credentials_);
  }

  // The authenticator is the processor; another one would bypass it.
  void SetAuthMetadataProcessor(const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {
    std::abort();
  }

 private:
  int AddPortToServer(const std::string& address, grpc_server* server) override {
    return grpc_server_add_http2_port(server, address.c_str(), credentials_);
  }

  static std::string_view View(const grpc_slice& slice) {
    return std::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
                            GRPC_SLICE_LENGTH(slice));
  }

  // Runs inline on a gRPC thread, once per call.
  static void Process(void* state, grpc_auth_context* context, const grpc_metadata* metadata,
                      size_t count, grpc_process_auth_metadata_done_cb done, void* user_data) {
    CallAuthenticator& authenticator = **static_cast<std::shared_ptr<CallAuthenticator>*>(state);
    CallCredentials call;
    const grpc_metadata* authorization = nullptr;
    for (size_t i = 0; i < count; ++i) {
      const std::string_view key = View(metadata[i].key);
      if (key == ":path") {
        call.method = View(metadata[i].value);
      } else if (key == "authorization") {
        authorization = &metadata[i];
        call.authorization = View(metadata[i].value);
      }
    }
    if (context != nullptr && grpc_auth_context_peer_is_authenticated(context)) {
      grpc_auth_property_iterator it =
          grpc_auth_context_find_properties_by_name(context, GRPC_X509_CN_PROPERTY_NAME);
      while (const grpc_auth_property* property = grpc_auth_property_iterator_next(&it)) {
        call.verified_client_cns.emplace_back(property->value, property->value_length);
      }
    }
    absl::StatusOr<CallerIdentity> identity = authenticator.Check(call);
    if (!identity.ok()) {
      const std::string message(identity.status().message());
      done(user_data, nullptr, 0, nullptr, 0,
           static_cast<grpc_status_code>(identity.status().code()), message.c_str());
      return;
    }
    if (context != nullptr && !identity->name.empty()) {
      grpc_auth_context_add_property(context, "wm_identity", identity->name.data(),
                                     identity->name.size());
      const std::string_view scope = AuthScopeName(identity->scope);
      grpc_auth_context_add_property(context, "wm_scope", scope.data(), scope.size());
    }
    // The token is consumed: handlers never see it in their metadata.
    done(user_data, authorization, authorization != nullptr ? 1 : 0, nullptr, 0, GRPC_STATUS_OK,
         nullptr);
  }

  static void Destroy(void* state) {
    delete static_cast<std::shared_ptr<CallAuthenticator>*>(state);
  }

  grpc_server_credentials* const credentials_;
};

}  // namespace

// The calls a GrpcServer is running, from the moment gRPC hands one to a handler until the
// call is over. Thread-safe.
class ActiveCalls {
 public:
  void Enter() {
    absl::MutexLock lock(&mu_);
    ++active_;
  }
  void Leave() {
    absl::MutexLock lock(&mu_);
    --active_;
  }
  int active() const {
    absl::MutexLock lock(&mu_);
    return active_;
  }
  // Waits until no call is running or `deadline` passes; true when none is.
  bool WaitIdle(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithDeadline(
        absl::Condition(+[](int* active) { return *active == 0; }, &active_), deadline);
  }

 private:
  mutable absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
};

namespace {

// Counts the calls a server runs: one interceptor per call, made when gRPC hands the call to the
// server's code and destroyed with the call's context, after its handler or reactor is done and
// its status is sent.
class CallCountingInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit CallCountingInterceptor(std::shared_ptr<ActiveCalls> calls) : calls_(std::move(calls)) {
    calls_->Enter();
  }
  ~CallCountingInterceptor() override { calls_->Leave(); }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  const std::shared_ptr<ActiveCalls> calls_;
};

class CallCountingInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallCountingInterceptorFactory(std::shared_ptr<ActiveCalls> calls)
      : calls_(std::move(calls)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Streams that only watch the server itself do not hold its drain: a health watch stays
    // open until cancelled (it has been told NOT_SERVING when the drain starts), and a
    // reflection stream serves a client whose own calls are counted.
    const std::string_view method = info->method() != nullptr ? info->method() : "";
    if (method == "/grpc.health.v1.Health/Watch" ||
        absl::StartsWith(ToAbsl(method), "/grpc.reflection.")) {
      return nullptr;
    }
    return new CallCountingInterceptor(calls_);
  }

 private:
  const std::shared_ptr<ActiveCalls> calls_;
};

bool IsLoopbackHost(std::string_view host) {
  return absl::StartsWith(ToAbsl(host), "127.") || host == "::1" || host == "[::1]" ||
         host == "localhost";
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

// The fixed token of secret setting `key`, if set, as a TokenSet entry named after the key.
absl::Status AddTokenSetting(const config::Settings& settings, const std::string& key,
                             AuthScope scope, TokenSet& tokens) {
  const std::string token = settings.GetString(key);
  if (token.empty()) return absl::OkStatus();
  constexpr size_t kMinLength = 16;
  if (token.size() < kMinLength ||
      std::any_of(token.begin(), token.end(), [](char c) { return c <= ' ' || c > '~'; })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "setting ", key, " (", ToAbsl(settings.SourceOf(key)),
        "): a token needs at least 16 printable ASCII characters without spaces"));
  }
  if (absl::Status s = tokens.Add(token, scope, key); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("setting ", key, ": ", s.message()));
  }
  return absl::OkStatus();
}

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
  schema.Add({.key = "grpc_auth_tokens_file",
              .help = "File of accepted bearer tokens, one \"<scope> <name> <token>\" per line "
                      "(scope full or read); reloaded when it changes. Enables access control "
                      "(docs/authentication.md)."});
  schema.Add({.key = "grpc_auth_reload_s",
              .type = config::SettingType::kDouble,
              .default_value = "5",
              .help = "Seconds between checks of grpc_auth_tokens_file for a change.",
              .min = 0.01,
              .max = 3600});
  schema.Add({.key = "grpc_auth_token",
              .help = "A bearer token of full scope (at least 16 characters); enables access "
                      "control.",
              .secret = true});
  schema.Add({.key = "grpc_auth_read_token",
              .help = "A bearer token of read scope (list, get, watch, subscribe); enables "
                      "access control.",
              .secret = true});
  schema.Add({.key = "grpc_auth_client_cns_full",
              .help = "Comma-separated common names of verified client certificates (mutual "
                      "TLS) given full scope; \"*\" for any. Enables access control."});
  schema.Add({.key = "grpc_auth_client_cns_read",
              .help = "Comma-separated common names of verified client certificates given read "
                      "scope; \"*\" for any. Enables access control."});
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

  GrpcAuthOptions& auth = options.auth;
  if (absl::Status s = AddTokenSetting(settings, "grpc_auth_token", AuthScope::kFull, auth.tokens);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          AddTokenSetting(settings, "grpc_auth_read_token", AuthScope::kRead, auth.tokens);
      !s.ok()) {
    return s;
  }
  auth.tokens_file = settings.GetString("grpc_auth_tokens_file");
  auth.reload_interval = absl::Seconds(settings.GetDouble("grpc_auth_reload_s"));
  if (!auth.tokens_file.empty()) {
    // Checked now so that a bad file stops the service at start, naming the key.
    prometheus::Registry unused_registry;
    GrpcAuthMetrics unused_metrics(unused_registry);
    TokenStore probe;
    TokenFileWatcher watcher(auth.tokens_file, probe, unused_metrics);
    if (absl::Status s = watcher.Load(); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("setting grpc_auth_tokens_file: ", s.message()));
    }
  }
  auth.client_certificates.full_cns = SplitList(settings.GetString("grpc_auth_client_cns_full"));
  auth.client_certificates.read_cns = SplitList(settings.GetString("grpc_auth_client_cns_read"));
  if (!auth.client_certificates.empty() && options.tls_client_ca_pem.empty()) {
    return absl::InvalidArgumentError(
        "settings grpc_auth_client_cns_full and grpc_auth_client_cns_read need "
        "grpc_tls_client_ca (mutual TLS)");
  }
  return options;
}

GrpcServer::GrpcServer(observability::Readiness* readiness, prometheus::Registry* metrics)
    : readiness_(readiness),
      own_metrics_(metrics == nullptr ? std::make_shared<prometheus::Registry>() : nullptr),
      auth_metrics_(metrics != nullptr ? *metrics : *own_metrics_),
      active_calls_(std::make_shared<ActiveCalls>()) {
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
  std::string auth_mode = "off";
  if (options.auth.enabled()) {
    token_store_ = std::make_unique<TokenStore>(options.auth.tokens);
    if (!options.auth.tokens_file.empty()) {
      token_watcher_ = std::make_unique<TokenFileWatcher>(options.auth.tokens_file, *token_store_,
                                                          auth_metrics_);
      if (absl::Status s = token_watcher_->Load(); !s.ok()) {
        token_watcher_.reset();
        return s;
      }
    }
    auth_metrics_.tokens.Set(static_cast<double>(token_store_->size()));
    authenticator_ = std::make_shared<CallAuthenticator>(
        token_store_.get(), options.auth.client_certificates,
        options.auth.method_rules != nullptr ? *options.auth.method_rules : WmMethodRules(),
        auth_metrics_);
    grpc_server_credentials* base = nullptr;
    if (options.tls_cert_pem.empty()) {
      base = grpc_insecure_server_credentials_create();
    } else {
      grpc_ssl_pem_key_cert_pair pair{options.tls_key_pem.c_str(), options.tls_cert_pem.c_str()};
      base = grpc_ssl_server_credentials_create_ex(
          options.tls_client_ca_pem.empty() ? nullptr : options.tls_client_ca_pem.c_str(), &pair,
          1,
          options.tls_client_ca_pem.empty()
              ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
              : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY,
          nullptr);
      tls_mode = options.tls_client_ca_pem.empty() ? "on" : "mutual";
    }
    credentials = std::make_shared<AuthenticatingServerCredentials>(base, authenticator_);
    auth_mode = absl::StrCat("tokens:", token_store_->size(),
                             options.auth.client_certificates.empty() ? "" : "+certificates");
  } else if (options.tls_cert_pem.empty()) {
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
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> counting;
  counting.push_back(std::make_unique<CallCountingInterceptorFactory>(active_calls_));
  builder.experimental().SetInterceptorCreators(std::move(counting));
  builder.SetOption(std::make_unique<ServiceListOption>(&names));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    if (server != nullptr) server->Shutdown();
    token_watcher_.reset();
    return absl::UnavailableError(absl::StrCat("gRPC server cannot listen on ", address));
  }
  server_ = std::move(server);
  service_names_ = std::move(names);
  if (!options.auth.enabled() && tls_mode == "mutual") auth_mode = "any_client_certificate";
  auth_metrics_.enabled.Set(auth_mode == "off" ? 0 : 1);
  spdlog::info("grpc server listening host={} port={} tls={} auth={} services={}", options.host,
               bound_port, tls_mode, auth_mode, absl::StrJoin(service_names_, ","));
  if (auth_mode == "off" && !IsLoopbackHost(options.host)) {
    spdlog::warn(
        "grpc server listens beyond loopback without authentication host={} port={}: anyone "
        "who reaches the port can call every method, commands to gateways and nodes included; "
        "set grpc_auth_tokens_file (or grpc_auth_token, or grpc_tls_client_ca), or "
        "grpc_host=127.0.0.1 (docs/authentication.md)",
        options.host, bound_port);
  }
  if (token_watcher_ != nullptr) token_watcher_->Start(options.auth.reload_interval);

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
  const absl::Duration grace =
      std::min(std::max(deadline, absl::ZeroDuration()), absl::Hours(24));
  const absl::Time drain_end = absl::Now() + grace;
  // Stops listening, sends every connection a GOAWAY and refuses new calls; calls in flight go
  // on. gRPC's own Shutdown(deadline) would also wait until every connection has closed, and an
  // idle connection closes only once its client answers the GOAWAY's ping, which a client that
  // does not poll its connection (no call in progress) may take seconds to do or never does:
  // the drain would last until the deadline with nothing left to drain
  // (docs/architecture.md, "Stopping"). So the drain waits for the calls alone.
  grpc_completion_queue* shutdown_queue = grpc_completion_queue_create_for_next(nullptr);
  int shutdown_tag = 0;
  grpc_server_shutdown_and_notify(server_->c_server(), shutdown_queue, &shutdown_tag);
  if (!active_calls_->WaitIdle(drain_end) && grace > absl::ZeroDuration()) {
    spdlog::warn("grpc drain_timeout calls_left={}: cancelling them", active_calls_->active());
  }
  // With no call left this cancels nothing and closes the idle connections at once; past the
  // deadline it cancels the calls still running and waits for their handlers.
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  grpc_completion_queue_shutdown(shutdown_queue);
  while (grpc_completion_queue_next(shutdown_queue, gpr_inf_future(GPR_CLOCK_MONOTONIC), nullptr)
             .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(shutdown_queue);
  server_.reset();
  if (token_watcher_ != nullptr) token_watcher_->Stop();
  spdlog::info("grpc server stopped");
}

TokenFileWatcher::CheckResult GrpcServer::CheckTokenFileNow() {
  absl::MutexLock lock(&mu_);
  if (token_watcher_ == nullptr) return TokenFileWatcher::CheckResult::kUnchanged;
  return token_watcher_->CheckNow();
}

std::vector<std::string> GrpcServer::service_names() const {
  absl::MutexLock lock(&mu_);
  return service_names_;
}

}  // namespace wm::grpcutil
