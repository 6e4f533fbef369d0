#include "libs/wirepas/topic.h"

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "third_party/system/string_view_compat.h"

namespace wm::wirepas {
namespace {

constexpr std::string_view kMethodNames[kMethodCount] = {
    "get_configs",
    "get_gw_info",
    "set_config",
    "send_data",
    "otap_status",
    "otap_load_scratchpad",
    "otap_process_scratchpad",
    "otap_set_target_scratchpad",
    "set_configuration_data_item",
    "get_configuration_data_item",
};

constexpr std::string_view kEventPrefix = "gw-event/";
constexpr std::string_view kRequestPrefix = "gw-request/";
constexpr std::string_view kResponsePrefix = "gw-response/";
constexpr std::string_view kStatusType = "status";
constexpr std::string_view kReceivedDataType = "received_data";
constexpr std::string_view kNoneNetwork = "None";
// Characters no topic name may contain: MQTT wildcards and NUL (forbidden by MQTT).
constexpr std::string_view kForbiddenChars("+#\0", 3);

// The longest topic after its prefix: received_data/<gw>/<sink>/<net>/<src>/<dst>.
constexpr int kMaxSegments = 6;

// A piece of untrusted input, quoted and escaped for an error message, and cut short.
std::string Quote(std::string_view text) {
  constexpr size_t kMaxQuoted = 64;
  if (text.size() <= kMaxQuoted) return absl::StrCat("'", absl::CHexEscape(ToAbsl(text)), "'");
  return absl::StrCat("'", absl::CHexEscape(ToAbsl(text.substr(0, kMaxQuoted))), "...'");
}

absl::Status Invalid(std::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("invalid gateway API topic: ", ToAbsl(reason)));
}

// Splits `text` at '/' into `out`; returns the number of segments, or kMaxSegments + 1 when
// there are more than kMaxSegments.
int Split(std::string_view text, std::string_view (&out)[kMaxSegments]) {
  int count = 0;
  while (true) {
    if (count == kMaxSegments) return kMaxSegments + 1;
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
      out[count++] = text;
      return count;
    }
    out[count++] = text.substr(0, slash);
    text.remove_prefix(slash + 1);
  }
}

// Parses a non-empty string of decimal digits no larger than `max`.
bool ParseDecimal(std::string_view text, uint64_t max, uint64_t* value) {
  if (text.empty()) return false;
  uint64_t result = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (result > (max - digit) / 10) return false;
    result = result * 10 + digit;
  }
  *value = result;
  return true;
}

absl::Status ParseEndpoint(std::string_view text, std::string_view which, uint8_t* endpoint) {
  uint64_t value = 0;
  if (!ParseDecimal(text, 255, &value)) {
    return Invalid(
        absl::StrCat(ToAbsl(which), " endpoint ", Quote(text), " is not a decimal 0-255"));
  }
  *endpoint = static_cast<uint8_t>(value);
  return absl::OkStatus();
}

absl::Status CheckNotEmpty(std::string_view segment, std::string_view what) {
  if (segment.empty()) return Invalid(absl::StrCat("empty ", ToAbsl(what)));
  return absl::OkStatus();
}

absl::StatusOr<Topic> ParseEvent(std::string_view rest) {
  std::string_view segments[kMaxSegments];
  const int count = Split(rest, segments);
  Topic topic;
  if (segments[0] == kStatusType) {
    if (count != 2) {
      return Invalid("gw-event/status/ takes exactly one segment, <gw_id>");
    }
    if (auto status = CheckNotEmpty(segments[1], "gateway id"); !status.ok()) return status;
    topic.kind = TopicKind::kStatus;
    topic.gw_id = std::string(segments[1]);
    return topic;
  }
  if (segments[0] == kReceivedDataType) {
    if (count != 6) {
      return Invalid(
          "gw-event/received_data/ takes five segments, "
          "<gw_id>/<sink_id>/<network>/<src_ep>/<dst_ep>");
    }
    if (auto status = CheckNotEmpty(segments[1], "gateway id"); !status.ok()) return status;
    if (auto status = CheckNotEmpty(segments[2], "sink id"); !status.ok()) return status;
    topic.kind = TopicKind::kReceivedData;
    if (segments[3] != kNoneNetwork) {
      uint64_t network = 0;
      if (!ParseDecimal(segments[3], UINT64_MAX, &network)) {
        return Invalid(
            absl::StrCat("network ", Quote(segments[3]), " is neither a decimal uint64 nor None"));
      }
      topic.network_address = network;
    }
    if (auto status = ParseEndpoint(segments[4], "source", &topic.src_ep); !status.ok()) {
      return status;
    }
    if (auto status = ParseEndpoint(segments[5], "destination", &topic.dst_ep); !status.ok()) {
      return status;
    }
    topic.gw_id = std::string(segments[1]);
    topic.sink_id = std::string(segments[2]);
    return topic;
  }
  return Invalid(absl::StrCat("unknown event type ", Quote(segments[0])));
}

absl::StatusOr<Topic> ParseRequestOrResponse(TopicKind kind, std::string_view rest) {
  std::string_view segments[kMaxSegments];
  const int count = Split(rest, segments);
  const std::optional<Method> method = MethodFromName(segments[0]);
  if (!method) return Invalid(absl::StrCat("unknown method ", Quote(segments[0])));
  const bool has_sink = MethodHasSink(*method);
  if (count != (has_sink ? 3 : 2)) {
    return Invalid(absl::StrCat(ToAbsl(MethodName(*method)), " takes ",
                                has_sink ? "<gw_id>/<sink_id>" : "only <gw_id>"));
  }
  if (auto status = CheckNotEmpty(segments[1], "gateway id"); !status.ok()) return status;
  Topic topic;
  topic.kind = kind;
  topic.method = *method;
  topic.gw_id = std::string(segments[1]);
  if (has_sink) {
    if (auto status = CheckNotEmpty(segments[2], "sink id"); !status.ok()) return status;
    topic.sink_id = std::string(segments[2]);
  }
  return topic;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string MethodTopic(std::string_view prefix, Method method, std::string_view gw_id,
                        std::string_view sink_id) {
  const absl::string_view name = ToAbsl(MethodName(method));
  if (!MethodHasSink(method)) return absl::StrCat(ToAbsl(prefix), name, "/", ToAbsl(gw_id));
  return absl::StrCat(ToAbsl(prefix), name, "/", ToAbsl(gw_id), "/", ToAbsl(sink_id));
}

}  // namespace

std::string_view MethodName(Method method) {
  const int index = static_cast<int>(method);
  if (index < 0 || index >= kMethodCount) return "unknown";
  return kMethodNames[index];
}

std::optional<Method> MethodFromName(std::string_view name) {
  for (int i = 0; i < kMethodCount; ++i) {
    if (kMethodNames[i] == name) return static_cast<Method>(i);
  }
  return std::nullopt;
}

bool MethodHasSink(Method method) {
  return method != Method::kGetConfigs && method != Method::kGetGwInfo;
}

bool Topic::operator==(const Topic& other) const {
  return kind == other.kind && method == other.method && gw_id == other.gw_id &&
         sink_id == other.sink_id && network_address == other.network_address &&
         src_ep == other.src_ep && dst_ep == other.dst_ep;
}

absl::StatusOr<Topic> ParseTopic(std::string_view topic) {
  const size_t bad = topic.find_first_of(kForbiddenChars);
  if (bad != std::string_view::npos) {
    return Invalid(absl::StrCat("character ", Quote(topic.substr(bad, 1)), " at offset ", bad,
                                " is not allowed in a topic name"));
  }
  if (StartsWith(topic, kEventPrefix)) return ParseEvent(topic.substr(kEventPrefix.size()));
  if (StartsWith(topic, kRequestPrefix)) {
    return ParseRequestOrResponse(TopicKind::kRequest, topic.substr(kRequestPrefix.size()));
  }
  if (StartsWith(topic, kResponsePrefix)) {
    return ParseRequestOrResponse(TopicKind::kResponse, topic.substr(kResponsePrefix.size()));
  }
  return Invalid(absl::StrCat("unknown prefix in ", Quote(topic),
                              " (expected gw-event/, gw-request/ or gw-response/)"));
}

bool IsValidTopicId(std::string_view id) {
  return !id.empty() && id.find_first_of(std::string_view("/+#\0", 4)) == std::string_view::npos;
}

std::string StatusTopic(std::string_view gw_id) {
  return absl::StrCat(ToAbsl(kEventPrefix), ToAbsl(kStatusType), "/", ToAbsl(gw_id));
}

std::string ReceivedDataTopic(std::string_view gw_id, std::string_view sink_id,
                              std::optional<uint64_t> network_address, uint8_t src_ep,
                              uint8_t dst_ep) {
  const unsigned src = src_ep;
  const unsigned dst = dst_ep;
  if (!network_address) {
    return absl::StrCat(ToAbsl(kEventPrefix), ToAbsl(kReceivedDataType), "/", ToAbsl(gw_id), "/",
                        ToAbsl(sink_id), "/", ToAbsl(kNoneNetwork), "/", src, "/", dst);
  }
  return absl::StrCat(ToAbsl(kEventPrefix), ToAbsl(kReceivedDataType), "/", ToAbsl(gw_id), "/",
                      ToAbsl(sink_id), "/", *network_address, "/", src, "/", dst);
}

std::string RequestTopic(Method method, std::string_view gw_id, std::string_view sink_id) {
  return MethodTopic(kRequestPrefix, method, gw_id, sink_id);
}

std::string ResponseTopic(Method method, std::string_view gw_id, std::string_view sink_id) {
  return MethodTopic(kResponsePrefix, method, gw_id, sink_id);
}

std::string FormatTopic(const Topic& topic) {
  switch (topic.kind) {
    case TopicKind::kStatus:
      return StatusTopic(topic.gw_id);
    case TopicKind::kReceivedData:
      return ReceivedDataTopic(topic.gw_id, topic.sink_id, topic.network_address, topic.src_ep,
                               topic.dst_ep);
    case TopicKind::kRequest:
      return RequestTopic(topic.method, topic.gw_id, topic.sink_id);
    case TopicKind::kResponse:
      return ResponseTopic(topic.method, topic.gw_id, topic.sink_id);
  }
  return std::string();
}

std::string ReceivedDataFilter(std::optional<std::string_view> gw_id,
                               std::optional<std::string_view> sink_id,
                               std::optional<uint64_t> network_address,
                               std::optional<uint8_t> src_ep, std::optional<uint8_t> dst_ep) {
  const auto number = [](auto value) {
    return value ? absl::StrCat(static_cast<uint64_t>(*value)) : std::string("+");
  };
  return absl::StrCat(ToAbsl(kEventPrefix), ToAbsl(kReceivedDataType), "/",
                      ToAbsl(gw_id.value_or("+")), "/", ToAbsl(sink_id.value_or("+")), "/",
                      number(network_address), "/", number(src_ep), "/", number(dst_ep));
}

}  // namespace wm::wirepas
