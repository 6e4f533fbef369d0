#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace wm::wirepas {

// A request/response pair of the gateway API, named in topics as
// gw-request/<name>/... and gw-response/<name>/... (docs/gateway-api.md "Topics").
enum class Method {
  kGetConfigs,                // get_configs (gateway-wide)
  kGetGwInfo,                 // get_gw_info (gateway-wide)
  kSetConfig,                 // set_config
  kSendData,                  // send_data
  kOtapStatus,                // otap_status
  kOtapLoadScratchpad,        // otap_load_scratchpad
  kOtapProcessScratchpad,     // otap_process_scratchpad
  kOtapSetTargetScratchpad,   // otap_set_target_scratchpad
  kSetConfigurationDataItem,  // set_configuration_data_item
  kGetConfigurationDataItem,  // get_configuration_data_item
};

// Number of Method values; `static_cast<Method>(i)` for i in [0, kMethodCount) is every method.
inline constexpr int kMethodCount = 10;

// The topic segment of `method`, e.g. "otap_status".
std::string_view MethodName(Method method);

// The method whose topic segment is `name`; nullopt for anything else (case-sensitive).
std::optional<Method> MethodFromName(std::string_view name);

// Whether the method's topics carry a sink id (all but get_configs and get_gw_info).
bool MethodHasSink(Method method);

// What a topic carries.
enum class TopicKind {
  kStatus,        // gw-event/status/<gw_id>
  kReceivedData,  // gw-event/received_data/<gw_id>/<sink_id>/<network>/<src_ep>/<dst_ep>
  kRequest,       // gw-request/<method>/<gw_id>[/<sink_id>]
  kResponse,      // gw-response/<method>/<gw_id>[/<sink_id>]
};

// A parsed gateway API topic. Fields a kind does not have keep their defaults.
struct Topic {
  TopicKind kind = TopicKind::kStatus;
  Method method = Method::kGetConfigs;  // kRequest and kResponse only
  std::string gw_id;
  std::string sink_id;  // empty for status and gateway-wide methods
  // kReceivedData only. nullopt when the gateway published the literal "None" (it could not
  // read the sink's network address).
  std::optional<uint64_t> network_address;
  uint8_t src_ep = 0;  // kReceivedData only
  uint8_t dst_ep = 0;  // kReceivedData only

  bool operator==(const Topic& other) const;
  bool operator!=(const Topic& other) const { return !(*this == other); }
};

// Parses an MQTT topic of the gateway API. Returns InvalidArgument, with the reason, for an
// unknown prefix or method, the wrong number of segments for the kind or method, an empty
// segment, an endpoint that is not a decimal 0-255, a network that is neither a decimal uint64
// nor "None", or MQTT wildcard characters ('+', '#') or NUL anywhere. Accepts any bytes.
absl::StatusOr<Topic> ParseTopic(std::string_view topic);

// Whether `id` can be used as a gateway or sink id in a topic: non-empty, without '/', '+',
// '#' or NUL. The builders below expect ids that pass this check.
bool IsValidTopicId(std::string_view id);

// gw-event/status/<gw_id>
std::string StatusTopic(std::string_view gw_id);

// gw-event/received_data/<gw_id>/<sink_id>/<network>/<src_ep>/<dst_ep>; a nullopt network is
// written "None", as the reference gateway does.
std::string ReceivedDataTopic(std::string_view gw_id, std::string_view sink_id,
                              std::optional<uint64_t> network_address, uint8_t src_ep,
                              uint8_t dst_ep);

// gw-request/<method>/<gw_id>/<sink_id>; `sink_id` is left out (and ignored) for the
// gateway-wide methods get_configs and get_gw_info.
std::string RequestTopic(Method method, std::string_view gw_id, std::string_view sink_id = {});

// gw-response/<method>/<gw_id>/<sink_id>, with the same rule for gateway-wide methods.
std::string ResponseTopic(Method method, std::string_view gw_id, std::string_view sink_id = {});

// The topic string of a parsed topic: FormatTopic(*ParseTopic(t)) == t for canonical topics.
std::string FormatTopic(const Topic& topic);

// Subscription filters used by ingest and command (docs/gateway-api.md "Subscriptions").
// Every gateway's retained status.
inline constexpr std::string_view kStatusFilter = "gw-event/status/+";
// Every received packet with the five levels of a well-formed topic.
inline constexpr std::string_view kReceivedDataFilter = "gw-event/received_data/+/+/+/+/+";
// Every received packet, with any number of levels: wm-ingest's, so that malformed topics
// arrive and are counted instead of going unseen.
inline constexpr std::string_view kReceivedDataAllFilter = "gw-event/received_data/#";
// Every response of every gateway (requests are correlated by req_id).
inline constexpr std::string_view kResponseFilter = "gw-response/#";
// Downlink requests any backend sends, to observe them (any number of levels, as above).
inline constexpr std::string_view kSendDataAllFilter = "gw-request/send_data/#";

// gw-event/received_data filter narrowed to the given values; nullopt means any ('+').
// Example: a data-only backend for network 1234, endpoint 10 to any:
//   ReceivedDataFilter(std::nullopt, std::nullopt, 1234, 10, std::nullopt)
std::string ReceivedDataFilter(std::optional<std::string_view> gw_id,
                               std::optional<std::string_view> sink_id,
                               std::optional<uint64_t> network_address,
                               std::optional<uint8_t> src_ep, std::optional<uint8_t> dst_ep);

}  // namespace wm::wirepas
