#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/testing/subprocess.h"

namespace wm::testing {

// A TLS listener for MosquittoProcess. Files are PEM paths, e.g. from CertificateAuthority.
struct MosquittoTls {
  std::string ca_file;               // CA that signs client certificates (required by mosquitto)
  std::string cert_file;             // the server's certificate
  std::string key_file;              // its private key
  bool require_certificate = false;  // mutual TLS: clients must present a cert signed by ca_file
};

// How to run the broker.
struct MosquittoOptions {
  // Port of the plain-TCP listener; 0 picks a free one.
  int port = 0;
  // Keep retained messages and persistent sessions across Stop()/Start() (saved on SIGTERM).
  bool persistence = false;
  // Adds a second listener speaking TLS on tls_port().
  std::optional<MosquittoTls> tls;
  // Username -> password. When non-empty, anonymous clients are refused on every listener.
  std::map<std::string, std::string> users;
  // Extra lines appended to mosquitto.conf.
  std::vector<std::string> extra_config;
};

// A private mosquitto (/usr/sbin/mosquitto) on 127.0.0.1 for one test.
//
//   auto broker = MosquittoProcess::Start();
//   ASSERT_TRUE(broker.ok()) << broker.status();
//   options.port = (*broker)->port();
//   ...
//   ASSERT_TRUE((*broker)->Stop().ok());   // broker outage
//   ASSERT_TRUE((*broker)->StartAgain().ok());  // back on the same port(s)
//
// Start() returns once the listeners accept connections. The destructor stops the broker.
class MosquittoProcess {
 public:
  // Writes the configuration into a new directory under TestTmpDir() and starts the broker.
  static absl::StatusOr<std::unique_ptr<MosquittoProcess>> Start(MosquittoOptions options = {});

  MosquittoProcess(const MosquittoProcess&) = delete;
  MosquittoProcess& operator=(const MosquittoProcess&) = delete;
  ~MosquittoProcess();

  // Starts the broker again after Stop(), on the same ports and with the same configuration.
  absl::Status StartAgain();
  // Stops the broker by its PID (SIGTERM; SIGKILL if it does not exit within 5 s).
  absl::Status Stop();
  // Sends a signal to the running broker, e.g. SIGSTOP/SIGCONT to make it unresponsive.
  absl::Status Signal(int signal);

  bool running() const { return process_ != nullptr && process_->running(); }
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  // The TLS listener's port; 0 without MosquittoOptions::tls.
  int tls_port() const { return tls_port_; }
  // The broker's log (its stdout and stderr) of the current or last run.
  std::string Log() const;
  // Polls the log until it contains `text`, e.g. "Client sub-1 disconnected.".
  absl::Status WaitForLog(std::string_view text, absl::Duration timeout);

 private:
  MosquittoProcess() = default;
  absl::Status WriteConfig();
  absl::Status WaitUntilListening(absl::Duration timeout);

  MosquittoOptions options_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  int tls_port_ = 0;
  std::string dir_;
  std::string config_path_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace wm::testing
