#include "libs/config/backend_client.h"

#include <string>

namespace wm::config {
namespace {

// Every key backend-client's tools/arguments.py accepted (docs/settings.md "backend-client keys"),
// including those of removed modules: old settings files still carry them.
constexpr const char* kBackendClientKeys[] = {
    "debug_level", "heartbeat",
    // MQTT
    "mqtt_hostname", "mqtt_port", "mqtt_username", "mqtt_password", "mqtt_ca_certs",
    "mqtt_certfile", "mqtt_keyfile", "mqtt_cert_reqs", "mqtt_tls_version", "mqtt_ciphers",
    "mqtt_persist_session", "mqtt_force_unsecure", "mqtt_allow_untrusted", "mqtt_topic",
    "mqtt_subscribe_network_id", "mqtt_subscribe_sink_id", "mqtt_subscribe_gateway_id",
    "mqtt_subscribe_source_endpoint", "mqtt_subscribe_destination_endpoint",
    // fluentd
    "fluentd_hostname", "fluentd_port", "fluentd_record", "fluentd_tag",
    // WNT and WPE
    "wnt_hostname", "wnt_username", "wnt_password", "wnt_protocol_version",
    "wpe_service_definition", "wpe_unsecure", "wpe_network",
    // provisioning server
    "provisioning_config",
    // removed MySQL, HTTP and Influx back ends
    "db_hostname", "db_port", "db_database", "db_username", "db_password",
    "db_connection_timeout", "http_host", "http_port", "influx_hostname", "influx_port",
    "influx_username", "influx_password", "influx_database", "influx_skip_ssl",
    "influx_skip_ssl_check", "query_statement",
};

}  // namespace

void AcceptBackendClientKeys(Schema& schema) {
  for (const char* key : kBackendClientKeys) {
    if (schema.Find(key) == nullptr) schema.AcceptIgnored({key});
  }
}

}  // namespace wm::config
