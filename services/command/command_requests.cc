#include "services/command/command_requests.h"

#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/wirepas/convert.h"
#include "third_party/system/string_view_compat.h"

namespace wm::command {
namespace {

namespace gwapi = wirepas::gwapi;

// Dual-MCU role byte (docs/gateway-api.md "Enums"): base in the low nibble, flags above.
constexpr uint32_t kRoleBaseMask = 0x0F;
constexpr uint32_t kRoleLowLatency = 0x10;
constexpr uint32_t kRoleAutorole = 0x80;

absl::Status Invalid(std::string_view field, std::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field), ": ", ToAbsl(rule)));
}

absl::Status CheckKey(std::string_view field, const std::string& key) {
  if (key.size() != kKeyBytes) {
    return Invalid(field,
                   absl::StrCat("an AES-128 key is ", kKeyBytes, " bytes, got ", key.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<gwapi::NodeRole> ToWireNodeRole(const wm::v1::NodeRole& role) {
  uint32_t base = static_cast<uint32_t>(role.base());
  bool low_latency = role.low_latency();
  bool autorole = role.autorole();
  if (role.base() == wm::v1::BASE_ROLE_UNSPECIFIED) {
    const uint32_t byte = role.dual_mcu_role();
    if ((byte & ~(kRoleBaseMask | kRoleLowLatency | kRoleAutorole)) != 0) {
      return Invalid("config.node_role.dual_mcu_role",
                     absl::StrCat("only the base (low nibble), 0x10 (low latency) and 0x80 "
                                  "(autorole) may be set, got 0x",
                                  absl::Hex(byte)));
    }
    base = byte & kRoleBaseMask;
    low_latency = (byte & kRoleLowLatency) != 0;
    autorole = (byte & kRoleAutorole) != 0;
  }
  if (base < gwapi::NodeRole::SINK || base > gwapi::NodeRole::NON_ROUTER) {
    return Invalid(
        "config.node_role",
        absl::StrCat("base role must be sink (1), router (2) or non-router (3), got ", base));
  }
  gwapi::NodeRole out;
  out.set_role(static_cast<gwapi::NodeRole::BaseRole>(base));
  if (low_latency) out.add_flags(gwapi::NodeRole::LOW_LATENCY);
  if (autorole) out.add_flags(gwapi::NodeRole::AUTOROLE);
  return out;
}

absl::Status NeedsFeature(const GatewayView* gateway, wm::v1::GatewayFeature feature,
                          std::string_view what) {
  if (gateway != nullptr && gateway->status_seen && !gateway->HasFeature(feature)) {
    return absl::FailedPreconditionError(absl::StrCat(ToAbsl(what), " needs a gateway advertising ",
                                                      wm::v1::GatewayFeature_Name(feature),
                                                      "; its status does not"));
  }
  return absl::OkStatus();
}

absl::StatusOr<gwapi::SecurityKeys> ToWireSecurityKeys(std::string_view field,
                                                       const wm::v1::SecurityKeys& keys) {
  if (absl::Status s = CheckKey(absl::StrCat(ToAbsl(field), ".cipher"), keys.cipher()); !s.ok())
    return s;
  if (absl::Status s =
          CheckKey(absl::StrCat(ToAbsl(field), ".authentication"), keys.authentication());
      !s.ok()) {
    return s;
  }
  gwapi::SecurityKeys out;
  out.set_cipher(keys.cipher());
  out.set_authentication(keys.authentication());
  out.set_sequence(keys.sequence());
  return out;
}

}  // namespace

bool IsAllowedAppConfigDiagInterval(uint32_t seconds) {
  switch (seconds) {
    case 0:
    case 30:
    case 60:
    case 120:
    case 300:
    case 600:
    case 1800:
      return true;
    default:
      return false;
  }
}

absl::Status CheckGatewayId(std::string_view gateway_id) {
  if (!wirepas::IsValidTopicId(gateway_id)) {
    return Invalid("gateway_id", "required, without '/', '+', '#' or NUL");
  }
  return absl::OkStatus();
}

absl::Status CheckSinkId(std::string_view sink_id) {
  if (!wirepas::IsValidTopicId(sink_id)) {
    return Invalid("sink_id", "required, without '/', '+', '#' or NUL");
  }
  return absl::OkStatus();
}

absl::Status CheckTimeoutMs(uint32_t timeout_ms) {
  if (timeout_ms > kMaxTimeoutMs) {
    return Invalid("timeout_ms", absl::StrCat("at most ", kMaxTimeoutMs, ", got ", timeout_ms));
  }
  return absl::OkStatus();
}

absl::Status CheckClientRequestId(std::string_view client_request_id) {
  if (client_request_id.size() > kMaxClientRequestIdBytes) {
    return Invalid("client_request_id", absl::StrCat("at most ", kMaxClientRequestIdBytes,
                                                     " bytes, got ", client_request_id.size()));
  }
  return absl::OkStatus();
}

absl::Status CheckCommonFields(std::string_view gateway_id, std::optional<std::string_view> sink_id,
                               uint32_t timeout_ms, std::string_view client_request_id) {
  if (absl::Status s = CheckGatewayId(gateway_id); !s.ok()) return s;
  if (sink_id.has_value()) {
    if (absl::Status s = CheckSinkId(*sink_id); !s.ok()) return s;
  }
  if (absl::Status s = CheckTimeoutMs(timeout_ms); !s.ok()) return s;
  return CheckClientRequestId(client_request_id);
}

absl::Status CheckAppConfig(uint32_t diag_interval_s, std::string_view data, uint32_t seq,
                            std::optional<uint32_t> max_size) {
  if (!IsAllowedAppConfigDiagInterval(diag_interval_s)) {
    return Invalid("diag_interval_s",
                   absl::StrCat("one of 0, 30, 60, 120, 300, 600, 1800; got ", diag_interval_s));
  }
  if (seq < 1 || seq > kMaxAppConfigSeq) {
    return Invalid("seq", absl::StrCat("1..", kMaxAppConfigSeq, ", got ", seq));
  }
  const uint32_t limit = max_size.value_or(255);
  if (data.size() > limit) {
    return Invalid("data", absl::StrCat("at most ", limit, " bytes",
                                        max_size ? " (the sink's app_config_max_size)" : "",
                                        ", got ", data.size()));
  }
  return absl::OkStatus();
}

uint32_t NextAppConfigSeq(uint32_t current) {
  if (current >= 1 && current < kMaxAppConfigSeq) return current + 1;
  return 1;
}

absl::StatusOr<gwapi::SinkNewConfig> ToSinkNewConfig(const wm::v1::SinkConfigChange& change,
                                                     std::string_view sink_id,
                                                     const GatewayView* gateway) {
  const wm::v1::SinkConfig* known = gateway == nullptr ? nullptr : gateway->FindSink(sink_id);
  gwapi::SinkNewConfig out;
  out.set_sink_id(std::string(sink_id));
  bool any = false;
  if (change.has_node_role()) {
    absl::StatusOr<gwapi::NodeRole> role = ToWireNodeRole(change.node_role());
    if (!role.ok()) return role.status();
    *out.mutable_node_role() = *std::move(role);
    any = true;
  }
  if (change.has_node_address()) {
    if (!wirepas::IsNodeAddress(change.node_address())) {
      return Invalid("config.node_address",
                     "0 (any sink) and 0xFFFFFFFF (broadcast) cannot be a node's address");
    }
    out.set_node_address(change.node_address());
    any = true;
  }
  if (change.has_network_address()) {
    if (change.network_address() < 1 || change.network_address() > kMaxNetworkAddress) {
      return Invalid("config.network_address", absl::StrCat("24 bits: 1..", kMaxNetworkAddress,
                                                            ", got ", change.network_address()));
    }
    out.set_network_address(change.network_address());
    any = true;
  }
  if (change.has_network_channel()) {
    const uint32_t channel = change.network_channel();
    if (channel == 0) return Invalid("config.network_channel", "channels start at 1");
    if (known != nullptr && known->has_channel_limits() &&
        (channel < known->channel_limits().min_channel() ||
         channel > known->channel_limits().max_channel())) {
      return Invalid("config.network_channel",
                     absl::StrCat("the sink allows ", known->channel_limits().min_channel(), "..",
                                  known->channel_limits().max_channel(), ", got ", channel));
    }
    out.set_network_channel(channel);
    any = true;
  }
  if (change.has_app_config()) {
    const wm::v1::AppConfig& app = change.app_config();
    std::optional<uint32_t> max_size;
    if (known != nullptr && known->has_app_config_max_size()) {
      max_size = known->app_config_max_size();
    }
    if (absl::Status s = CheckAppConfig(app.diag_interval_s(), app.data(), app.seq(), max_size);
        !s.ok()) {
      return Invalid("config.app_config", std::string(s.message()));
    }
    gwapi::AppConfigData* wire = out.mutable_app_config();
    wire->set_diag_interval_s(app.diag_interval_s());
    wire->set_app_config_data(app.data());
    wire->set_seq(app.seq());
    any = true;
  }
  if (change.has_channel_map()) {
    out.set_channel_map(change.channel_map());
    any = true;
  }
  if (change.has_keys()) {
    if (absl::Status s = CheckKey("config.keys.cipher", change.keys().cipher()); !s.ok()) return s;
    if (absl::Status s = CheckKey("config.keys.authentication", change.keys().authentication());
        !s.ok()) {
      return s;
    }
    out.mutable_keys()->set_cipher(change.keys().cipher());
    out.mutable_keys()->set_authentication(change.keys().authentication());
    any = true;
  }
  if (change.has_current_ac_range()) {
    const wm::v1::AccessCycleRange& range = change.current_ac_range();
    if (range.min_ms() > range.max_ms()) {
      return Invalid("config.current_ac_range", "min_ms must not exceed max_ms");
    }
    out.mutable_current_ac_range()->set_min_ms(range.min_ms());
    out.mutable_current_ac_range()->set_max_ms(range.max_ms());
    any = true;
  }
  if (change.has_started()) {
    out.set_sink_state(change.started() ? gwapi::ON : gwapi::OFF);
    any = true;
  }
  if (change.has_network_keys() || change.has_management_keys()) {
    if (absl::Status s = NeedsFeature(gateway, wm::v1::GATEWAY_FEATURE_SINK_KEY_MANAGEMENT_V1,
                                      "network_keys and management_keys");
        !s.ok()) {
      return s;
    }
  }
  if (change.has_network_keys()) {
    auto keys = ToWireSecurityKeys("config.network_keys", change.network_keys());
    if (!keys.ok()) return keys.status();
    *out.mutable_network_keys() = *std::move(keys);
    any = true;
  }
  if (change.has_management_keys()) {
    auto keys = ToWireSecurityKeys("config.management_keys", change.management_keys());
    if (!keys.ok()) return keys.status();
    *out.mutable_management_keys() = *std::move(keys);
    any = true;
  }
  if (!any) return Invalid("config", "set at least one field to change");
  return out;
}

absl::StatusOr<gwapi::SendPacketReq> ToSendPacketReq(const wm::v1::SendDataRequest& request) {
  if (request.source_endpoint() > 255) {
    return Invalid("source_endpoint", absl::StrCat("0..255, got ", request.source_endpoint()));
  }
  if (request.destination_endpoint() > 255) {
    return Invalid("destination_endpoint",
                   absl::StrCat("0..255, got ", request.destination_endpoint()));
  }
  if (request.qos() > 1) {
    return Invalid("qos", absl::StrCat("0 (normal) or 1 (high priority), got ", request.qos()));
  }
  if (request.payload().size() > kMaxSendDataPayload) {
    return Invalid("payload", absl::StrCat("at most ", kMaxSendDataPayload, " bytes, got ",
                                           request.payload().size()));
  }
  if (request.hop_limit() > kMaxHopLimit) {
    return Invalid("hop_limit",
                   absl::StrCat("0 (no limit)..", kMaxHopLimit, ", got ", request.hop_limit()));
  }
  gwapi::SendPacketReq out;
  out.set_destination_address(request.destination_address());
  out.set_source_endpoint(request.source_endpoint());
  out.set_destination_endpoint(request.destination_endpoint());
  out.set_qos(request.qos());
  out.set_payload(request.payload());
  if (request.initial_delay_ms() != 0) out.set_initial_delay_ms(request.initial_delay_ms());
  if (request.unack_csma_ca()) out.set_is_unack_csma_ca(true);
  if (request.hop_limit() != 0) out.set_hop_limit(request.hop_limit());
  return out;
}

absl::StatusOr<gwapi::TargetScratchpadAndAction> ToWireTargetAndAction(
    const wm::v1::TargetScratchpadAndAction& target) {
  const int action = target.action();
  if (action < gwapi::NO_OTAP || action > gwapi::LEGACY_OTAP) {
    return Invalid("target_and_action.action",
                   absl::StrCat("NO_OTAP (1) .. LEGACY_OTAP (5), got ", action));
  }
  gwapi::TargetScratchpadAndAction out;
  out.set_action(static_cast<gwapi::ScratchpadAction>(action));
  if (target.has_target_sequence()) {
    if (target.target_sequence() < 1 || target.target_sequence() > kMaxAppConfigSeq) {
      return Invalid("target_and_action.target_sequence",
                     absl::StrCat("1..254, got ", target.target_sequence()));
    }
    out.set_target_sequence(target.target_sequence());
  }
  if (target.has_target_crc()) {
    if (target.target_crc() > 0xFFFF) {
      return Invalid("target_and_action.target_crc",
                     absl::StrCat("16 bits, got ", target.target_crc()));
    }
    out.set_target_crc(target.target_crc());
  }
  switch (target.param_case()) {
    case wm::v1::TargetScratchpadAndAction::kDelay: {
      const int delay = target.delay();
      if (delay < gwapi::TEN_MINUTES || delay > gwapi::FIVE_DAYS) {
        return Invalid("target_and_action.delay",
                       absl::StrCat("TEN_MINUTES (1) .. FIVE_DAYS (7), got ", delay));
      }
      out.set_delay(static_cast<gwapi::ProcessingDelay>(delay));
      break;
    }
    case wm::v1::TargetScratchpadAndAction::kRaw:
      if (target.raw() > 255) {
        return Invalid("target_and_action.raw", absl::StrCat("0..255, got ", target.raw()));
      }
      out.set_raw(target.raw());
      break;
    case wm::v1::TargetScratchpadAndAction::PARAM_NOT_SET:
      if (action == gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY) {
        return Invalid("target_and_action",
                       "PROPAGATE_AND_PROCESS_WITH_DELAY needs a delay or a raw value");
      }
      break;
  }
  return out;
}

absl::Status CheckScratchpadSeq(uint32_t seq, bool clearing) {
  const uint32_t min = clearing ? 0 : 1;
  if (seq < min || seq > kMaxScratchpadSeq) {
    return Invalid("seq", absl::StrCat(min, "..", kMaxScratchpadSeq, ", got ", seq));
  }
  return absl::OkStatus();
}

absl::Status CheckConfigurationDataItem(uint32_t endpoint, const std::string* payload,
                                        const GatewayView* gateway) {
  if (endpoint > kMaxConfigurationDataEndpoint) {
    return Invalid("endpoint", absl::StrCat("0..65535, got ", endpoint));
  }
  if (payload != nullptr && payload->size() > kMaxConfigurationDataPayload) {
    return Invalid("payload", absl::StrCat("at most ", kMaxConfigurationDataPayload, " bytes, got ",
                                           payload->size()));
  }
  return NeedsFeature(gateway, wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1,
                      "configuration data items");
}

std::vector<ScratchpadChunk> SplitScratchpad(size_t total, std::optional<uint32_t> max_chunk) {
  std::vector<ScratchpadChunk> chunks;
  if (!max_chunk.has_value() || *max_chunk == 0 || total <= *max_chunk) {
    chunks.push_back(ScratchpadChunk{0, static_cast<uint32_t>(total)});
    return chunks;
  }
  chunks.reserve((total + *max_chunk - 1) / *max_chunk);
  for (size_t offset = 0; offset < total; offset += *max_chunk) {
    const size_t size = std::min<size_t>(*max_chunk, total - offset);
    chunks.push_back(ScratchpadChunk{static_cast<uint32_t>(offset), static_cast<uint32_t>(size)});
  }
  return chunks;
}

wirepas::GenericMessage NewGatewayRequest(wirepas::Method method) {
  wirepas::GenericMessage message;
  MutableRequestHeader(method, &message);
  return message;
}

gwapi::RequestHeader* MutableRequestHeader(wirepas::Method method,
                                           wirepas::GenericMessage* message) {
  gwapi::WirepasMessage* w = message->mutable_wirepas();
  switch (method) {
    case wirepas::Method::kGetConfigs:
      return w->mutable_get_configs_req()->mutable_header();
    case wirepas::Method::kGetGwInfo:
      return w->mutable_get_gateway_info_req()->mutable_header();
    case wirepas::Method::kSetConfig:
      return w->mutable_set_config_req()->mutable_header();
    case wirepas::Method::kSendData:
      return w->mutable_send_packet_req()->mutable_header();
    case wirepas::Method::kOtapStatus:
      return w->mutable_get_scratchpad_status_req()->mutable_header();
    case wirepas::Method::kOtapLoadScratchpad:
      return w->mutable_upload_scratchpad_req()->mutable_header();
    case wirepas::Method::kOtapProcessScratchpad:
      return w->mutable_process_scratchpad_req()->mutable_header();
    case wirepas::Method::kOtapSetTargetScratchpad:
      return w->mutable_set_scratchpad_target_and_action_req()->mutable_header();
    case wirepas::Method::kSetConfigurationDataItem:
      return w->mutable_set_configuration_data_item_req()->mutable_header();
    case wirepas::Method::kGetConfigurationDataItem:
      return w->mutable_get_configuration_data_item_req()->mutable_header();
  }
  return nullptr;
}

void ToGatewayResult(const gwapi::ResponseHeader& header, wm::v1::GatewayResult* out) {
  const int32_t raw = wirepas::ResultCode(header);
  out->set_code(wm::v1::GatewayResultCode_IsValid(raw) ? static_cast<wm::v1::GatewayResultCode>(raw)
                                                       : wm::v1::GATEWAY_RESULT_UNKNOWN);
  out->set_raw_code(raw);
  out->set_name(wirepas::ResultCodeName(raw));
  out->set_request_id(header.req_id());
}

namespace {

// Whether `read_back` holds the app config `sent` wrote: its sequence and interval, and its
// data followed by nothing but the zeros a sink pads it with.
bool AppConfigWritten(const gwapi::AppConfigData& sent, const gwapi::AppConfigData& read_back) {
  if (sent.seq() != read_back.seq() || sent.diag_interval_s() != read_back.diag_interval_s()) {
    return false;
  }
  const std::string& data = sent.app_config_data();
  const std::string& stored = read_back.app_config_data();
  if (stored.size() < data.size() || stored.compare(0, data.size(), data) != 0) return false;
  return stored.find_first_not_of('\0', data.size()) == std::string::npos;
}

}  // namespace

std::vector<std::string> RefusedSetConfigFields(const gwapi::SinkNewConfig& sent,
                                                const gwapi::SinkReadConfig* read_back) {
  std::vector<std::string> refused;
  const auto check = [&](bool present, const char* name, auto written) {
    if (!present) return;
    if (read_back != nullptr && written()) return;
    refused.push_back(absl::StrCat("config.", name));
  };
  check(sent.has_node_address(), "node_address", [&] {
    return read_back->has_node_address() && read_back->node_address() == sent.node_address();
  });
  check(sent.has_node_role(), "node_role", [&] {
    return read_back->has_node_role() &&
           read_back->node_role().SerializeAsString() == sent.node_role().SerializeAsString();
  });
  check(sent.has_network_address(), "network_address", [&] {
    return read_back->has_network_address() &&
           read_back->network_address() == sent.network_address();
  });
  check(sent.has_network_channel(), "network_channel", [&] {
    return read_back->has_network_channel() &&
           read_back->network_channel() == sent.network_channel();
  });
  check(sent.has_app_config(), "app_config", [&] {
    return read_back->has_app_config() &&
           AppConfigWritten(sent.app_config(), read_back->app_config());
  });
  return refused;
}

std::string DescribeUploadResult(wm::v1::GatewayResultCode code, size_t image_size) {
  switch (code) {
    case wm::v1::GATEWAY_RESULT_INVALID_SCRATCHPAD:
      return "the image does not start with a valid scratchpad header (tag and length); upload "
             "an .otap file as the SDK builds it";
    case wm::v1::GATEWAY_RESULT_INVALID_DATA_PAYLOAD:
      return "the image's content does not have the CRC its scratchpad header holds";
    case wm::v1::GATEWAY_RESULT_INVALID_PARAM:
      return absl::StrCat("the sink does not take an image of ", image_size,
                          " bytes (a multiple of 4, at least 96, within its scratchpad area)");
    default:
      return "";
  }
}

std::string DescribeTargetResult(wm::v1::GatewayResultCode code,
                                 const gwapi::TargetScratchpadAndAction& sent) {
  if (code != wm::v1::GATEWAY_RESULT_INVALID_PARAM) return "";
  if (sent.action() == gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY) {
    return "the sink refused the target: a target sequence of 0 (also the default when no "
           "scratchpad is stored), or a delay it does not take: none, 0, or the very delay it "
           "already has";
  }
  return "the sink refused the target: a target sequence of 0 (also the default when no "
         "scratchpad is stored)";
}

std::string DescribeRefusedFields(const std::vector<std::string>& fields) {
  if (fields.empty()) return "";
  if (fields.size() == 1) return absl::StrCat("the sink refused ", fields[0]);
  return absl::StrCat("the sink refused one of ", absl::StrJoin(fields, ", "));
}

void ToScratchpadStatusResponse(const gwapi::GetScratchpadStatusResp& in,
                                wm::v1::GetScratchpadStatusResponse* out) {
  // The answer's fields 2-7 are SinkReadConfig's 18-23 (docs/gateway-api.md "config_message.proto",
  // "otap_message.proto"); going through the sink config keeps one conversion of each wire type.
  gwapi::SinkReadConfig as_config;
  if (in.has_stored_scratchpad()) *as_config.mutable_stored_scratchpad() = in.stored_scratchpad();
  if (in.has_stored_status()) as_config.set_stored_status(in.stored_status());
  if (in.has_stored_type()) as_config.set_stored_type(in.stored_type());
  if (in.has_processed_scratchpad()) {
    *as_config.mutable_processed_scratchpad() = in.processed_scratchpad();
  }
  if (in.has_firmware_area_id()) as_config.set_firmware_area_id(in.firmware_area_id());
  if (in.has_target_and_action()) *as_config.mutable_target_and_action() = in.target_and_action();
  wm::v1::SinkConfig converted;
  wirepas::ToSinkConfig(as_config, &converted);
  if (converted.has_stored_scratchpad()) {
    *out->mutable_stored_scratchpad() = converted.stored_scratchpad();
  }
  out->set_stored_status(converted.stored_status());
  out->set_stored_type(converted.stored_type());
  if (converted.has_processed_scratchpad()) {
    *out->mutable_processed_scratchpad() = converted.processed_scratchpad();
  }
  if (converted.has_firmware_area_id()) out->set_firmware_area_id(converted.firmware_area_id());
  if (converted.has_target_and_action()) {
    *out->mutable_target_and_action() = converted.target_and_action();
  }
}

uint64_t RequestFingerprint(std::string_view method, const google::protobuf::Message& request,
                            std::string_view extra) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const google::protobuf::FieldDescriptor* timeout =
      copy->GetDescriptor()->FindFieldByName("timeout_ms");
  if (timeout != nullptr) copy->GetReflection()->ClearField(copy.get(), timeout);
  std::string digest_input = absl::StrCat(ToAbsl(method), "\n", copy->SerializeAsString());
  const size_t request_hash = std::hash<std::string_view>()(digest_input);
  const size_t extra_hash = std::hash<std::string_view>()(extra);
  return static_cast<uint64_t>(request_hash) * 0x9E3779B97F4A7C15ULL ^
         static_cast<uint64_t>(extra_hash) ^ (static_cast<uint64_t>(extra.size()) << 1);
}

}  // namespace wm::command
