#pragma once

#include "absl/status/statusor.h"
#include "libs/config/settings.h"
#include "libs/mqtt/client.h"

namespace wm::mqtt {

// Declares the MQTT settings, with the backend-client's keys and environment variables:
// mqtt_hostname, mqtt_port (8883), mqtt_username, mqtt_password (secret), mqtt_force_unsecure,
// mqtt_allow_untrusted, mqtt_ca_certs, mqtt_certfile (WM_SERVICES_MQTT_CLIENT_CRT),
// mqtt_keyfile (WM_SERVICES_MQTT_CLIENT_KEY), mqtt_persist_session; and ours: mqtt_client_id,
// mqtt_keepalive_s, mqtt_reconnect_min_s, mqtt_reconnect_max_s, mqtt_max_inflight.
// backend-client keys with no use here (mqtt_cert_reqs, mqtt_tls_version, mqtt_ciphers,
// mqtt_topic, mqtt_subscribe_*, heartbeat, debug_level, fluentd_*) are accepted and ignored.
void AddMqttSettings(config::Schema& schema);

// Builds client options from settings declared by AddMqttSettings. InvalidArgument, naming
// the key, when mqtt_hostname is missing, mqtt_certfile and mqtt_keyfile do not come
// together, a configured TLS file cannot be read (checked unless mqtt_force_unsecure),
// mqtt_password comes without mqtt_username, or mqtt_reconnect_min_s > mqtt_reconnect_max_s.
absl::StatusOr<MqttOptions> MqttOptionsFromSettings(const config::Settings& settings);

}  // namespace wm::mqtt
