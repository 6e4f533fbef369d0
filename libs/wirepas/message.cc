#include "libs/wirepas/message.h"

#include <climits>

#include "absl/strings/str_cat.h"
#include "google/protobuf/unknown_field_set.h"
#include "third_party/system/string_view_compat.h"

namespace wm::wirepas {
namespace {

enum class Role { kNone, kEvent, kRequest, kResponse, kCustomer };

// What each WirepasMessage field is; indexed by field number (0: no payload).
struct KindInfo {
  std::string_view name;
  Role role;
  Method method;  // requests and responses only
  bool (gwapi::WirepasMessage::*has)() const;
};

using W = gwapi::WirepasMessage;
const KindInfo kKinds[] = {
    {"none", Role::kNone, Method::kGetConfigs, nullptr},
    {"status_event", Role::kEvent, Method::kGetConfigs, &W::has_status_event},
    {"get_configs_req", Role::kRequest, Method::kGetConfigs, &W::has_get_configs_req},
    {"get_configs_resp", Role::kResponse, Method::kGetConfigs, &W::has_get_configs_resp},
    {"set_config_req", Role::kRequest, Method::kSetConfig, &W::has_set_config_req},
    {"set_config_resp", Role::kResponse, Method::kSetConfig, &W::has_set_config_resp},
    {"send_packet_req", Role::kRequest, Method::kSendData, &W::has_send_packet_req},
    {"send_packet_resp", Role::kResponse, Method::kSendData, &W::has_send_packet_resp},
    {"packet_received_event", Role::kEvent, Method::kGetConfigs, &W::has_packet_received_event},
    {"get_scratchpad_status_req", Role::kRequest, Method::kOtapStatus,
     &W::has_get_scratchpad_status_req},
    {"get_scratchpad_status_resp", Role::kResponse, Method::kOtapStatus,
     &W::has_get_scratchpad_status_resp},
    {"upload_scratchpad_req", Role::kRequest, Method::kOtapLoadScratchpad,
     &W::has_upload_scratchpad_req},
    {"upload_scratchpad_resp", Role::kResponse, Method::kOtapLoadScratchpad,
     &W::has_upload_scratchpad_resp},
    {"process_scratchpad_req", Role::kRequest, Method::kOtapProcessScratchpad,
     &W::has_process_scratchpad_req},
    {"process_scratchpad_resp", Role::kResponse, Method::kOtapProcessScratchpad,
     &W::has_process_scratchpad_resp},
    {"get_gateway_info_req", Role::kRequest, Method::kGetGwInfo, &W::has_get_gateway_info_req},
    {"get_gateway_info_resp", Role::kResponse, Method::kGetGwInfo, &W::has_get_gateway_info_resp},
    {"set_scratchpad_target_and_action_req", Role::kRequest, Method::kOtapSetTargetScratchpad,
     &W::has_set_scratchpad_target_and_action_req},
    {"set_scratchpad_target_and_action_resp", Role::kResponse, Method::kOtapSetTargetScratchpad,
     &W::has_set_scratchpad_target_and_action_resp},
    {"set_configuration_data_item_req", Role::kRequest, Method::kSetConfigurationDataItem,
     &W::has_set_configuration_data_item_req},
    {"set_configuration_data_item_resp", Role::kResponse, Method::kSetConfigurationDataItem,
     &W::has_set_configuration_data_item_resp},
    {"get_configuration_data_item_req", Role::kRequest, Method::kGetConfigurationDataItem,
     &W::has_get_configuration_data_item_req},
    {"get_configuration_data_item_resp", Role::kResponse, Method::kGetConfigurationDataItem,
     &W::has_get_configuration_data_item_resp},
};
constexpr int kLastField = 22;
static_assert(sizeof(kKinds) / sizeof(kKinds[0]) == kLastField + 1);

const KindInfo* InfoOf(PayloadKind kind) {
  const int index = static_cast<int>(kind);
  if (index < 0 || index > kLastField) return nullptr;
  return &kKinds[index];
}

Role RoleOf(PayloadKind kind) {
  if (kind == PayloadKind::kCustomer) return Role::kCustomer;
  const KindInfo* info = InfoOf(kind);
  return info ? info->role : Role::kNone;
}

// The lowest-numbered payload set in `message` and how many are set.
struct PayloadScan {
  PayloadKind first = PayloadKind::kNone;
  int count = 0;
};

PayloadScan ScanPayloads(const gwapi::WirepasMessage& message) {
  PayloadScan scan;
  for (int field = 1; field <= kLastField; ++field) {
    // Through a local: GCC 12 with -fsanitize=bounds miscompiles `(m.*array[i].member)()`
    // (it clobbers the index), which breaks --config=asan builds.
    const auto has = kKinds[field].has;
    if ((message.*has)()) {
      if (scan.count++ == 0) scan.first = static_cast<PayloadKind>(field);
    }
  }
  return scan;
}

template <typename Payload>
auto HeaderOf(const Payload& payload) -> decltype(&payload.header()) {
  return payload.has_header() ? &payload.header() : nullptr;
}

absl::Status Missing(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("gateway API message lacks ", ToAbsl(what)));
}

}  // namespace

std::string_view PayloadKindName(PayloadKind kind) {
  if (kind == PayloadKind::kCustomer) return "customer";
  const KindInfo* info = InfoOf(kind);
  return info ? info->name : "none";
}

absl::Status ParseGenericMessageInto(std::string_view bytes, GenericMessage* message) {
  message->Clear();
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("gateway API message larger than 2 GiB");
  }
  if (!message->ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(absl::StrCat("not a gateway API message: ", bytes.size(),
                                                   " bytes do not parse as a GenericMessage"));
  }
  const PayloadScan scan = ScanPayloads(message->wirepas());
  if (scan.count > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("gateway API message carries ", scan.count, " payloads, first ",
                     ToAbsl(PayloadKindName(scan.first)), "; exactly one is allowed"));
  }
  if (scan.count == 1 || message->has_customer()) return absl::OkStatus();
  // A newer gateway may send a payload this build does not know: say which field it was.
  const google::protobuf::UnknownFieldSet& unknown = message->wirepas().unknown_fields();
  if (unknown.field_count() > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("gateway API message carries no payload this build knows (WirepasMessage "
                     "field ",
                     unknown.field(0).number(), ")"));
  }
  return absl::InvalidArgumentError("gateway API message carries no payload");
}

absl::StatusOr<GenericMessage> ParseGenericMessage(std::string_view bytes) {
  GenericMessage message;
  if (absl::Status status = ParseGenericMessageInto(bytes, &message); !status.ok()) {
    return status;
  }
  return message;
}

PayloadKind PayloadKindOf(const GenericMessage& message) {
  const PayloadKind kind = ScanPayloads(message.wirepas()).first;
  if (kind == PayloadKind::kNone && message.has_customer()) return PayloadKind::kCustomer;
  return kind;
}

bool IsEvent(PayloadKind kind) { return RoleOf(kind) == Role::kEvent; }
bool IsRequest(PayloadKind kind) { return RoleOf(kind) == Role::kRequest; }
bool IsResponse(PayloadKind kind) { return RoleOf(kind) == Role::kResponse; }

std::optional<Method> MethodOf(PayloadKind kind) {
  const Role role = RoleOf(kind);
  if (role != Role::kRequest && role != Role::kResponse) return std::nullopt;
  return InfoOf(kind)->method;
}

PayloadKind RequestKindOf(Method method) {
  for (int field = 1; field <= kLastField; ++field) {
    if (kKinds[field].role == Role::kRequest && kKinds[field].method == method) {
      return static_cast<PayloadKind>(field);
    }
  }
  return PayloadKind::kNone;
}

PayloadKind ResponseKindOf(Method method) {
  for (int field = 1; field <= kLastField; ++field) {
    if (kKinds[field].role == Role::kResponse && kKinds[field].method == method) {
      return static_cast<PayloadKind>(field);
    }
  }
  return PayloadKind::kNone;
}

const gwapi::EventHeader* EventHeaderOf(const GenericMessage& message) {
  const gwapi::WirepasMessage& w = message.wirepas();
  switch (PayloadKindOf(message)) {
    case PayloadKind::kStatusEvent:
      return HeaderOf(w.status_event());
    case PayloadKind::kPacketReceivedEvent:
      return HeaderOf(w.packet_received_event());
    default:
      return nullptr;
  }
}

const gwapi::RequestHeader* RequestHeaderOf(const GenericMessage& message) {
  const gwapi::WirepasMessage& w = message.wirepas();
  switch (PayloadKindOf(message)) {
    case PayloadKind::kGetConfigsReq:
      return HeaderOf(w.get_configs_req());
    case PayloadKind::kSetConfigReq:
      return HeaderOf(w.set_config_req());
    case PayloadKind::kSendPacketReq:
      return HeaderOf(w.send_packet_req());
    case PayloadKind::kGetScratchpadStatusReq:
      return HeaderOf(w.get_scratchpad_status_req());
    case PayloadKind::kUploadScratchpadReq:
      return HeaderOf(w.upload_scratchpad_req());
    case PayloadKind::kProcessScratchpadReq:
      return HeaderOf(w.process_scratchpad_req());
    case PayloadKind::kGetGatewayInfoReq:
      return HeaderOf(w.get_gateway_info_req());
    case PayloadKind::kSetScratchpadTargetAndActionReq:
      return HeaderOf(w.set_scratchpad_target_and_action_req());
    case PayloadKind::kSetConfigurationDataItemReq:
      return HeaderOf(w.set_configuration_data_item_req());
    case PayloadKind::kGetConfigurationDataItemReq:
      return HeaderOf(w.get_configuration_data_item_req());
    default:
      return nullptr;
  }
}

const gwapi::ResponseHeader* ResponseHeaderOf(const GenericMessage& message) {
  const gwapi::WirepasMessage& w = message.wirepas();
  switch (PayloadKindOf(message)) {
    case PayloadKind::kGetConfigsResp:
      return HeaderOf(w.get_configs_resp());
    case PayloadKind::kSetConfigResp:
      return HeaderOf(w.set_config_resp());
    case PayloadKind::kSendPacketResp:
      return HeaderOf(w.send_packet_resp());
    case PayloadKind::kGetScratchpadStatusResp:
      return HeaderOf(w.get_scratchpad_status_resp());
    case PayloadKind::kUploadScratchpadResp:
      return HeaderOf(w.upload_scratchpad_resp());
    case PayloadKind::kProcessScratchpadResp:
      return HeaderOf(w.process_scratchpad_resp());
    case PayloadKind::kGetGatewayInfoResp:
      return HeaderOf(w.get_gateway_info_resp());
    case PayloadKind::kSetScratchpadTargetAndActionResp:
      return HeaderOf(w.set_scratchpad_target_and_action_resp());
    case PayloadKind::kSetConfigurationDataItemResp:
      return HeaderOf(w.set_configuration_data_item_resp());
    case PayloadKind::kGetConfigurationDataItemResp:
      return HeaderOf(w.get_configuration_data_item_resp());
    default:
      return nullptr;
  }
}

absl::Status CheckEventHeader(const gwapi::EventHeader& header) {
  if (!header.has_gw_id() || header.gw_id().empty()) return Missing("event header gw_id");
  if (!header.has_event_id()) return Missing("event header event_id");
  return absl::OkStatus();
}

absl::Status CheckRequestHeader(const gwapi::RequestHeader& header) {
  if (!header.has_req_id()) return Missing("request header req_id");
  return absl::OkStatus();
}

absl::Status CheckResponseHeader(const gwapi::ResponseHeader& header) {
  if (!header.has_req_id()) return Missing("response header req_id");
  return absl::OkStatus();
}

absl::Status CheckPacketReceivedEvent(const gwapi::PacketReceivedEvent& event) {
  if (!event.has_header()) return Missing("packet_received_event header");
  if (absl::Status status = CheckEventHeader(event.header()); !status.ok()) return status;
  if (!event.has_source_address()) return Missing("packet_received_event source_address");
  if (!event.has_destination_address()) {
    return Missing("packet_received_event destination_address");
  }
  if (!event.has_source_endpoint()) return Missing("packet_received_event source_endpoint");
  if (!event.has_destination_endpoint()) {
    return Missing("packet_received_event destination_endpoint");
  }
  if (!event.has_travel_time_ms()) return Missing("packet_received_event travel_time_ms");
  if (!event.has_rx_time_ms_epoch()) return Missing("packet_received_event rx_time_ms_epoch");
  if (!event.has_qos()) return Missing("packet_received_event qos");
  return absl::OkStatus();
}

absl::Status CheckSendPacketReq(const gwapi::SendPacketReq& request) {
  if (!request.has_header()) return Missing("send_packet_req header");
  if (absl::Status status = CheckRequestHeader(request.header()); !status.ok()) return status;
  if (!request.has_destination_address()) return Missing("send_packet_req destination_address");
  if (!request.has_source_endpoint()) return Missing("send_packet_req source_endpoint");
  if (!request.has_destination_endpoint()) {
    return Missing("send_packet_req destination_endpoint");
  }
  if (!request.has_qos()) return Missing("send_packet_req qos");
  if (!request.has_payload()) return Missing("send_packet_req payload");
  return absl::OkStatus();
}

absl::Status CheckMessage(const GenericMessage& message) {
  const PayloadKind kind = PayloadKindOf(message);
  switch (RoleOf(kind)) {
    case Role::kNone:
      return Missing("a payload");
    case Role::kCustomer:
      return absl::OkStatus();
    case Role::kEvent: {
      if (kind == PayloadKind::kPacketReceivedEvent) {
        return CheckPacketReceivedEvent(message.wirepas().packet_received_event());
      }
      const gwapi::EventHeader* header = EventHeaderOf(message);
      if (header == nullptr) return Missing(absl::StrCat(ToAbsl(PayloadKindName(kind)), " header"));
      return CheckEventHeader(*header);
    }
    case Role::kRequest: {
      if (kind == PayloadKind::kSendPacketReq) {
        return CheckSendPacketReq(message.wirepas().send_packet_req());
      }
      const gwapi::RequestHeader* header = RequestHeaderOf(message);
      if (header == nullptr) return Missing(absl::StrCat(ToAbsl(PayloadKindName(kind)), " header"));
      return CheckRequestHeader(*header);
    }
    case Role::kResponse: {
      const gwapi::ResponseHeader* header = ResponseHeaderOf(message);
      if (header == nullptr) return Missing(absl::StrCat(ToAbsl(PayloadKindName(kind)), " header"));
      return CheckResponseHeader(*header);
    }
  }
  return Missing("a payload");
}

int32_t ResultCode(const gwapi::ResponseHeader& header) {
  if (header.has_res()) return header.res();
  // A value outside this build's ErrorCode went to the unknown fields as field 4 (varint).
  // The last occurrence wins, as for any non-repeated field.
  const google::protobuf::UnknownFieldSet& unknown = header.unknown_fields();
  constexpr int kResField = gwapi::ResponseHeader::kResFieldNumber;
  for (int i = unknown.field_count() - 1; i >= 0; --i) {
    const google::protobuf::UnknownField& field = unknown.field(i);
    if (field.number() == kResField &&
        field.type() == google::protobuf::UnknownField::TYPE_VARINT) {
      // Enums are int32 on the wire, negative ones sign-extended to 64 bits.
      return static_cast<int32_t>(static_cast<uint32_t>(field.varint()));
    }
  }
  return kUnknownErrorCode;
}

std::string ResultCodeName(int32_t code) {
  // 17 has two names; the original one is misspelt.
  if (code == gwapi::INVALID_SEQUENCE_NUMBER) return "INVALID_SEQUENCE_NUMBER";
  if (gwapi::ErrorCode_IsValid(code)) {
    return gwapi::ErrorCode_Name(static_cast<gwapi::ErrorCode>(code));
  }
  return absl::StrCat("UNKNOWN(", code, ")");
}

absl::StatusOr<std::string> SerializeGenericMessage(const GenericMessage& message) {
  if (PayloadKindOf(message) == PayloadKind::kNone) {
    return absl::InvalidArgumentError("gateway API message to send has no payload");
  }
  if (!message.IsInitialized()) {
    return absl::InvalidArgumentError(
        absl::StrCat("gateway API message to send lacks required fields: ",
                     message.InitializationErrorString()));
  }
  std::string bytes;
  if (!message.SerializePartialToString(&bytes)) {
    return absl::InvalidArgumentError("gateway API message to send is too large");
  }
  return bytes;
}

}  // namespace wm::wirepas
