#include "libs/mqtt/settings.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace wm::mqtt {
namespace {

using config::SettingType;

// A TLS file named by `key` must be readable by this process.
absl::Status CheckReadable(const config::Settings& settings, const std::string& key) {
  std::string path = settings.GetString(key);
  if (path.empty() || access(path.c_str(), R_OK) == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(key, ": cannot read ", path, " (from ",
                                                 std::string(settings.SourceOf(key)), ")"));
}

}  // namespace

void AddMqttSettings(config::Schema& schema) {
  schema.Add({.key = "mqtt_hostname", .help = "MQTT broker host name or address (required)"})
      .Add({.key = "mqtt_port",
            .type = SettingType::kInt,
            .default_value = "8883",
            .help = "MQTT broker port (8883 for TLS, usually 1883 with mqtt_force_unsecure)",
            .min = 1,
            .max = 65535})
      .Add({.key = "mqtt_username", .help = "MQTT username; empty connects anonymously"})
      .Add({.key = "mqtt_password", .help = "MQTT password", .secret = true})
      .Add({.key = "mqtt_force_unsecure",
            .type = SettingType::kBool,
            .default_value = "false",
            .help = "Plain TCP instead of TLS"})
      .Add({.key = "mqtt_allow_untrusted",
            .type = SettingType::kBool,
            .default_value = "false",
            .help = "TLS without verifying the broker's certificate and name (self-signed)"})
      .Add({.key = "mqtt_ca_certs",
            .help = "PEM file of CA certificates to trust; the system's when empty"})
      .Add({.key = "mqtt_certfile",
            .help = "PEM client certificate for mutual TLS (with mqtt_keyfile)",
            .env = "WM_SERVICES_MQTT_CLIENT_CRT"})
      .Add({.key = "mqtt_keyfile",
            .help = "PEM private key of mqtt_certfile",
            .env = "WM_SERVICES_MQTT_CLIENT_KEY"})
      .Add({.key = "mqtt_persist_session",
            .type = SettingType::kBool,
            .default_value = "false",
            .help = "Ask the broker to keep the session while disconnected (clean_session "
                    "off); use with a fixed mqtt_client_id"})
      .Add(
          {.key = "mqtt_client_id", .help = "MQTT client id, unique per broker; random when empty"})
      .Add({.key = "mqtt_keepalive_s",
            .type = SettingType::kInt,
            .default_value = "20",
            .help = "MQTT keepalive in seconds",
            .min = 0,
            .max = 65535})
      .Add({.key = "mqtt_reconnect_min_s",
            .type = SettingType::kDouble,
            .default_value = "0.5",
            .help = "First reconnection window in seconds (doubles up to mqtt_reconnect_max_s)",
            .min = 0.001,
            .max = 3600})
      .Add({.key = "mqtt_reconnect_max_s",
            .type = SettingType::kDouble,
            .default_value = "30",
            .help = "Largest reconnection window in seconds",
            .min = 0.001,
            .max = 3600})
      .Add({.key = "mqtt_max_inflight",
            .type = SettingType::kInt,
            .default_value = "100",
            .help = "QoS 1/2 messages sent and not yet acknowledged by the broker",
            .min = 1,
            .max = 65535});
  schema.AcceptIgnored({
      "mqtt_cert_reqs",
      "mqtt_tls_version",
      "mqtt_ciphers",
      "mqtt_topic",
      "mqtt_subscribe_network_id",
      "mqtt_subscribe_sink_id",
      "mqtt_subscribe_gateway_id",
      "mqtt_subscribe_source_endpoint",
      "mqtt_subscribe_destination_endpoint",
      "heartbeat",
      "debug_level",
      "fluentd_hostname",
      "fluentd_port",
      "fluentd_record",
      "fluentd_tag",
  });
}

absl::StatusOr<MqttOptions> MqttOptionsFromSettings(const config::Settings& settings) {
  MqttOptions options;
  options.host = settings.GetString("mqtt_hostname");
  if (options.host.empty()) {
    return absl::InvalidArgumentError(
        "mqtt_hostname: required (--mqtt_hostname or WM_SERVICES_MQTT_HOSTNAME)");
  }
  options.port = static_cast<int>(settings.GetInt("mqtt_port"));
  options.username = settings.GetString("mqtt_username");
  options.password = settings.GetString("mqtt_password");
  if (!options.password.empty() && options.username.empty()) {
    return absl::InvalidArgumentError("mqtt_password: set without mqtt_username");
  }
  options.force_unsecure = settings.GetBool("mqtt_force_unsecure");
  options.allow_untrusted = settings.GetBool("mqtt_allow_untrusted");
  options.ca_certs = settings.GetString("mqtt_ca_certs");
  options.certfile = settings.GetString("mqtt_certfile");
  options.keyfile = settings.GetString("mqtt_keyfile");
  if (options.certfile.empty() != options.keyfile.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.certfile.empty() ? "mqtt_keyfile" : "mqtt_certfile",
                     ": mqtt_certfile and mqtt_keyfile must be given together"));
  }
  if (!options.force_unsecure) {
    for (const char* key : {"mqtt_ca_certs", "mqtt_certfile", "mqtt_keyfile"}) {
      absl::Status readable = CheckReadable(settings, key);
      if (!readable.ok()) return readable;
    }
  }
  options.persist_session = settings.GetBool("mqtt_persist_session");
  options.client_id = settings.GetString("mqtt_client_id");
  options.keepalive = absl::Seconds(settings.GetInt("mqtt_keepalive_s"));
  options.reconnect_min_delay = absl::Seconds(settings.GetDouble("mqtt_reconnect_min_s"));
  options.reconnect_max_delay = absl::Seconds(settings.GetDouble("mqtt_reconnect_max_s"));
  if (options.reconnect_min_delay > options.reconnect_max_delay) {
    return absl::InvalidArgumentError("mqtt_reconnect_min_s: larger than mqtt_reconnect_max_s");
  }
  options.max_inflight = static_cast<int>(settings.GetInt("mqtt_max_inflight"));
  return options;
}

}  // namespace wm::mqtt
