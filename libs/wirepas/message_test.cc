#include "libs/wirepas/message.h"

#include <cstdint>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "protos/wirepas/wire_bytes.h"

namespace wm::wirepas {
namespace {

using testing::L;
using testing::V;

bool Contains(absl::string_view text, absl::string_view part) {
  return text.find(part) != absl::string_view::npos;
}

// A message whose only payload is WirepasMessage field `field`, left empty.
GenericMessage WithPayload(int field) {
  GenericMessage message;
  gwapi::WirepasMessage* wirepas = message.mutable_wirepas();
  const auto* descriptor = wirepas->GetDescriptor()->FindFieldByNumber(field);
  wirepas->GetReflection()->MutableMessage(wirepas, descriptor);
  return message;
}

// A get_configs response header with a raw `res` varint this build may not know.
std::string GetConfigsRespWithRes(uint64_t res_varint) {
  return L(1, L(3, L(1, V(1, 5) + L(2, "gw") + V(4, res_varint))));
}

TEST(PayloadKindTest, EveryWirepasFieldIsItsOwnKind) {
  for (int field = 1; field <= 22; ++field) {
    const GenericMessage message = WithPayload(field);
    auto parsed = ParseGenericMessage(message.SerializePartialAsString());
    ASSERT_TRUE(parsed.ok()) << field << ": " << parsed.status();
    const PayloadKind kind = PayloadKindOf(*parsed);
    EXPECT_EQ(static_cast<int>(kind), field);
    EXPECT_EQ(PayloadKindName(kind),
              gwapi::WirepasMessage::descriptor()->FindFieldByNumber(field)->name());
    const int roles = IsEvent(kind) + IsRequest(kind) + IsResponse(kind);
    EXPECT_EQ(roles, 1) << PayloadKindName(kind);
    EXPECT_EQ(IsEvent(kind), field == 1 || field == 8);
    EXPECT_EQ(MethodOf(kind).has_value(), !IsEvent(kind));
  }
  EXPECT_EQ(PayloadKindName(PayloadKind::kCustomer), "customer");
  EXPECT_EQ(PayloadKindName(PayloadKind::kNone), "none");
  EXPECT_EQ(MethodOf(PayloadKind::kStatusEvent), std::nullopt);
  EXPECT_EQ(MethodOf(PayloadKind::kCustomer), std::nullopt);
  EXPECT_EQ(MethodOf(PayloadKind::kNone), std::nullopt);
}

TEST(PayloadKindTest, MethodsPairRequestsWithResponses) {
  EXPECT_EQ(RequestKindOf(Method::kGetConfigs), PayloadKind::kGetConfigsReq);
  EXPECT_EQ(ResponseKindOf(Method::kGetGwInfo), PayloadKind::kGetGatewayInfoResp);
  EXPECT_EQ(RequestKindOf(Method::kSendData), PayloadKind::kSendPacketReq);
  EXPECT_EQ(ResponseKindOf(Method::kOtapStatus), PayloadKind::kGetScratchpadStatusResp);
  EXPECT_EQ(RequestKindOf(Method::kOtapLoadScratchpad), PayloadKind::kUploadScratchpadReq);
  EXPECT_EQ(ResponseKindOf(Method::kOtapSetTargetScratchpad),
            PayloadKind::kSetScratchpadTargetAndActionResp);
  EXPECT_EQ(RequestKindOf(Method::kGetConfigurationDataItem),
            PayloadKind::kGetConfigurationDataItemReq);
  for (int i = 0; i < kMethodCount; ++i) {
    const Method method = static_cast<Method>(i);
    const PayloadKind request = RequestKindOf(method);
    const PayloadKind response = ResponseKindOf(method);
    EXPECT_TRUE(IsRequest(request)) << MethodName(method);
    EXPECT_TRUE(IsResponse(response)) << MethodName(method);
    EXPECT_EQ(MethodOf(request), method);
    EXPECT_EQ(MethodOf(response), method);
    EXPECT_EQ(static_cast<int>(response), static_cast<int>(request) + 1);
  }
}

TEST(ParseGenericMessageTest, ParsesAStatusEvent) {
  const std::string bytes =
      L(1, L(1, L(1, L(1, "gw") + V(3, 77)) + V(2, 1) + V(3, 2) + L(5, "model")));
  auto message = ParseGenericMessage(bytes);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(PayloadKindOf(*message), PayloadKind::kStatusEvent);
  const gwapi::StatusEvent& status = message->wirepas().status_event();
  EXPECT_EQ(status.state(), gwapi::OFF);
  EXPECT_EQ(status.gw_model(), "model");
  ASSERT_NE(EventHeaderOf(*message), nullptr);
  EXPECT_EQ(EventHeaderOf(*message)->event_id(), 77u);
  EXPECT_EQ(RequestHeaderOf(*message), nullptr);
  EXPECT_EQ(ResponseHeaderOf(*message), nullptr);
  EXPECT_TRUE(CheckMessage(*message).ok());
}

TEST(ParseGenericMessageTest, UnknownResultCodeStillParses) {
  auto message = ParseGenericMessage(GetConfigsRespWithRes(42));
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(PayloadKindOf(*message), PayloadKind::kGetConfigsResp);
  const gwapi::ResponseHeader* header = ResponseHeaderOf(*message);
  ASSERT_NE(header, nullptr);
  EXPECT_EQ(header->req_id(), 5u);
  EXPECT_FALSE(header->has_res());
  EXPECT_EQ(ResultCode(*header), 42);
  EXPECT_EQ(ResultCodeName(ResultCode(*header)), "UNKNOWN(42)");
  EXPECT_TRUE(CheckMessage(*message).ok());
}

TEST(ParseGenericMessageTest, UnknownNegativeResultCodeKeepsItsSign) {
  auto message = ParseGenericMessage(GetConfigsRespWithRes(static_cast<uint64_t>(int64_t{-5})));
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(ResultCode(*ResponseHeaderOf(*message)), -5);
}

TEST(ParseGenericMessageTest, KnownAbsentAndExplicitUnknownResultCodes) {
  auto ok = ParseGenericMessage(GetConfigsRespWithRes(0));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ResultCode(*ResponseHeaderOf(*ok)), 0);
  auto sequence = ParseGenericMessage(GetConfigsRespWithRes(17));
  ASSERT_TRUE(sequence.ok());
  EXPECT_EQ(ResultCode(*ResponseHeaderOf(*sequence)), 17);
  auto minus_one = ParseGenericMessage(GetConfigsRespWithRes(UINT64_MAX));
  ASSERT_TRUE(minus_one.ok());
  EXPECT_EQ(ResultCode(*ResponseHeaderOf(*minus_one)), kUnknownErrorCode);

  auto absent = ParseGenericMessage(L(1, L(3, L(1, V(1, 5) + L(2, "gw")))));
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_EQ(ResultCode(*ResponseHeaderOf(*absent)), kUnknownErrorCode);
}

TEST(ParseGenericMessageTest, LastUnknownResultCodeWins) {
  auto message = ParseGenericMessage(L(1, L(3, L(1, V(1, 5) + V(4, 40) + V(4, 41)))));
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(ResultCode(*ResponseHeaderOf(*message)), 41);
}

TEST(ParseGenericMessageTest, StatusEventWithUnknownStateStillParses) {
  const std::string bytes = L(1, L(1, L(1, L(1, "gw") + V(3, 1)) + V(2, 1) + V(3, 7)));
  auto message = ParseGenericMessage(bytes);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(PayloadKindOf(*message), PayloadKind::kStatusEvent);
  EXPECT_FALSE(message->wirepas().status_event().has_state());
  EXPECT_EQ(message->wirepas().status_event().header().gw_id(), "gw");
  EXPECT_TRUE(CheckMessage(*message).ok());
}

TEST(ParseGenericMessageTest, UnknownTargetActionStillParses) {
  // otap_status response whose target_and_action has action 9 (unknown).
  const std::string bytes =
      L(1, L(10, L(1, V(1, 1) + L(2, "gw") + V(4, 0)) + V(6, 3) + L(7, V(1, 9) + V(2, 5))));
  auto message = ParseGenericMessage(bytes);
  ASSERT_TRUE(message.ok()) << message.status();
  const auto& target = message->wirepas().get_scratchpad_status_resp().target_and_action();
  EXPECT_FALSE(target.has_action());
  EXPECT_EQ(target.target_sequence(), 5u);
}

TEST(ParseGenericMessageTest, NoPayloadIsAnError) {
  for (const std::string& bytes : {std::string(), L(1, ""), L(1, "") + L(3, "x")}) {
    auto message = ParseGenericMessage(bytes);
    ASSERT_FALSE(message.ok());
    EXPECT_EQ(message.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(message.status().message(), "no payload")) << message.status();
  }
}

TEST(ParseGenericMessageTest, PayloadFromANewerGatewayIsNamed) {
  auto message = ParseGenericMessage(L(1, L(23, L(1, V(1, 1)))));
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(message.status().message(), "WirepasMessage field 23")) << message.status();
}

TEST(ParseGenericMessageTest, SeveralPayloadsAreAnError) {
  auto message = ParseGenericMessage(L(1, L(2, L(1, V(1, 1))) + L(15, L(1, V(1, 2)))));
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(message.status().message(), "2 payloads")) << message.status();
}

TEST(ParseGenericMessageTest, CustomerOnlyMessage) {
  auto message = ParseGenericMessage(L(2, L(1, "acme") + V(2, 3)));
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(PayloadKindOf(*message), PayloadKind::kCustomer);
  EXPECT_EQ(message->customer().customer_name(), "acme");
  EXPECT_TRUE(CheckMessage(*message).ok());
}

TEST(ParseGenericMessageTest, TruncatedBytesAreInvalidArgument) {
  const std::string full = L(1, L(8, L(1, L(1, "gw") + V(3, 1)) + V(2, 1) + V(3, 2) + V(4, 3) +
                                         V(5, 4) + V(6, 5) + V(7, 6) + V(8, 0) + L(9, "payload")));
  ASSERT_TRUE(ParseGenericMessage(full).ok());
  for (size_t length = 1; length < full.size(); ++length) {
    auto message = ParseGenericMessage(full.substr(0, length));
    ASSERT_FALSE(message.ok()) << length;
    EXPECT_EQ(message.status().code(), absl::StatusCode::kInvalidArgument) << length;
  }
}

TEST(ParseGenericMessageTest, GarbageIsInvalidArgument) {
  for (const std::string& bytes :
       {std::string("\xFF\xFF\xFF"), std::string("{\"json\": true}"), std::string("\x0A\x05", 2),
        std::string("\x0A\xFF\xFF\xFF\xFF\x0F", 6), std::string("\x07", 1)}) {
    auto message = ParseGenericMessage(bytes);
    ASSERT_FALSE(message.ok());
    EXPECT_EQ(message.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(ParseGenericMessageTest, RandomBytesNeverCrash) {
  const std::string valid = L(1, L(8, L(1, L(1, "gw") + V(3, 1)) + V(2, 1) + L(9, "abc")));
  std::mt19937 random(99);
  GenericMessage reused;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = valid;
    if (i % 2 == 0) {
      bytes.resize(std::uniform_int_distribution<size_t>(0, 64)(random));
      for (char& c : bytes) c = static_cast<char>(random());
    } else {
      // Flip a few bytes of a valid message, so that parsing gets deeper.
      for (int flips = 0; flips < 3; ++flips) {
        bytes[std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(random)] =
            static_cast<char>(random());
      }
    }
    const absl::Status status = ParseGenericMessageInto(bytes, &reused);
    if (!status.ok()) {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      continue;
    }
    (void)CheckMessage(reused);
    if (const gwapi::ResponseHeader* header = ResponseHeaderOf(reused)) {
      (void)ResultCodeName(ResultCode(*header));
    }
  }
}

TEST(ParseGenericMessageTest, ReusedMessageKeepsNothingFromBefore) {
  GenericMessage message;
  ASSERT_TRUE(ParseGenericMessageInto(GetConfigsRespWithRes(3), &message).ok());
  ASSERT_TRUE(ParseGenericMessageInto(L(1, L(15, L(1, V(1, 8)))), &message).ok());
  EXPECT_EQ(PayloadKindOf(message), PayloadKind::kGetGatewayInfoReq);
  EXPECT_FALSE(message.wirepas().has_get_configs_resp());
}

TEST(ResultCodeNameTest, Names) {
  EXPECT_EQ(ResultCodeName(0), "OK");
  EXPECT_EQ(ResultCodeName(1), "INTERNAL_ERROR");
  EXPECT_EQ(ResultCodeName(2), "INVALID_SINK_ID");
  EXPECT_EQ(ResultCodeName(17), "INVALID_SEQUENCE_NUMBER");
  EXPECT_EQ(ResultCodeName(26), "SINK_OUT_OF_MEMORY");
  EXPECT_EQ(ResultCodeName(29), "INVALID_SCRATCHPAD_CHUNK_SIZE");
  EXPECT_EQ(ResultCodeName(-1), "UNKNOWN_ERROR_CODE");
  EXPECT_EQ(ResultCodeName(30), "UNKNOWN(30)");
  EXPECT_EQ(ResultCodeName(-2), "UNKNOWN(-2)");
  EXPECT_EQ(ResultCodeName(INT32_MIN), "UNKNOWN(-2147483648)");
}

TEST(CheckTest, EventHeaderNeedsGatewayAndEventId) {
  gwapi::EventHeader header;
  header.set_event_id(1);
  EXPECT_TRUE(Contains(CheckEventHeader(header).message(), "gw_id"));
  header.set_gw_id("");
  EXPECT_TRUE(Contains(CheckEventHeader(header).message(), "gw_id"));
  header.set_gw_id("gw");
  EXPECT_TRUE(CheckEventHeader(header).ok());
  header.clear_event_id();
  EXPECT_EQ(CheckEventHeader(header).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(CheckEventHeader(header).message(), "event_id"));
}

TEST(CheckTest, PacketReceivedEventNeedsItsRequiredFields) {
  auto message =
      ParseGenericMessage(L(1, L(8, L(1, L(1, "gw") + V(3, 1)) + V(2, 1) + V(3, 2) + V(4, 3) +
                                        V(5, 4) + V(6, 5) + V(7, 6) + V(8, 0))));
  ASSERT_TRUE(message.ok());
  EXPECT_TRUE(CheckMessage(*message).ok());
  const struct {
    void (*clear)(gwapi::PacketReceivedEvent*);
    const char* field;
  } cases[] = {
      {[](gwapi::PacketReceivedEvent* e) { e->clear_header(); }, "header"},
      {[](gwapi::PacketReceivedEvent* e) { e->mutable_header()->clear_event_id(); }, "event_id"},
      {[](gwapi::PacketReceivedEvent* e) { e->clear_source_address(); }, "source_address"},
      {[](gwapi::PacketReceivedEvent* e) { e->clear_destination_address(); },
       "destination_address"},
      {[](gwapi::PacketReceivedEvent* e) { e->clear_source_endpoint(); }, "source_endpoint"},
      {[](gwapi::PacketReceivedEvent* e) { e->clear_destination_endpoint(); },
       "destination_endpoint"},
      {[](gwapi::PacketReceivedEvent* e) { e->clear_travel_time_ms(); }, "travel_time_ms"},
      {[](gwapi::PacketReceivedEvent* e) { e->clear_rx_time_ms_epoch(); }, "rx_time_ms_epoch"},
      {[](gwapi::PacketReceivedEvent* e) { e->clear_qos(); }, "qos"},
  };
  for (const auto& c : cases) {
    GenericMessage broken = *message;
    c.clear(broken.mutable_wirepas()->mutable_packet_received_event());
    const absl::Status status = CheckMessage(broken);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_TRUE(Contains(status.message(), c.field)) << status;
  }
}

TEST(CheckTest, RequestsAndResponsesNeedReqId) {
  auto response = ParseGenericMessage(L(1, L(5, L(1, L(2, "gw") + V(4, 0)))));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(Contains(CheckMessage(*response).message(), "req_id"));

  auto headerless = ParseGenericMessage(L(1, L(12, "")));
  ASSERT_TRUE(headerless.ok());
  EXPECT_TRUE(Contains(CheckMessage(*headerless).message(), "upload_scratchpad_resp header"));

  auto request = ParseGenericMessage(L(1, L(9, L(1, L(2, "sink0")))));
  ASSERT_TRUE(request.ok());
  EXPECT_TRUE(Contains(CheckMessage(*request).message(), "req_id"));
  auto good_request = ParseGenericMessage(L(1, L(9, L(1, V(1, 0) + L(2, "sink0")))));
  ASSERT_TRUE(good_request.ok());
  EXPECT_TRUE(CheckMessage(*good_request).ok());
  ASSERT_NE(RequestHeaderOf(*good_request), nullptr);
  EXPECT_EQ(RequestHeaderOf(*good_request)->sink_id(), "sink0");
}

TEST(CheckTest, DownlinkNeedsItsRequiredFields) {
  const std::string header = L(1, V(1, 9));
  auto full =
      ParseGenericMessage(L(1, L(6, header + V(2, 1) + V(3, 2) + V(4, 3) + V(5, 0) + L(6, "p"))));
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(CheckMessage(*full).ok());
  auto no_payload = ParseGenericMessage(L(1, L(6, header + V(2, 1) + V(3, 2) + V(4, 3) + V(5, 0))));
  ASSERT_TRUE(no_payload.ok());
  EXPECT_TRUE(Contains(CheckMessage(*no_payload).message(), "payload"));
}

TEST(SerializeTest, RefusesMissingRequiredFieldsAndNoPayload) {
  GenericMessage message;
  EXPECT_EQ(SerializeGenericMessage(message).status().code(), absl::StatusCode::kInvalidArgument);

  gwapi::SetConfigReq* request = message.mutable_wirepas()->mutable_set_config_req();
  request->mutable_header()->set_req_id(1);
  auto missing = SerializeGenericMessage(message);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(missing.status().message(), "config")) << missing.status();

  request->mutable_config()->set_sink_id("sink0");
  auto bytes = SerializeGenericMessage(message);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, L(1, L(4, L(1, V(1, 1)) + L(2, L(1, "sink0")))));
  auto parsed = ParseGenericMessage(*bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->wirepas().set_config_req().config().sink_id(), "sink0");
}

}  // namespace
}  // namespace wm::wirepas
