#include "libs/provisioning/session.h"

#include <memory>
#include <set>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/provisioning/data_content.h"
#include "libs/provisioning/frames.h"
#include "libs/provisioning/secure_data.h"

namespace wm::provisioning {
namespace {

constexpr uint32_t kSource = 0x00ABCDEF;
constexpr uint32_t kNodeAddress = 0x12345678;
constexpr uint8_t kSessionId = 0x2a;
const SessionKey kKey{kSource, kNodeAddress, kSessionId};
const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
const absl::Duration kTimeout = absl::Seconds(180);

std::string Hex(const char* hex) { return absl::HexStringToBytes(hex); }

// The factory key and content of the known-answer vector in secure_data_test.cc.
constexpr char kFactoryKeyHex[] =
    "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kConfig[] = R"(
secure-node:
  method: 1
  factory_key: 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
  encryption_key: 0xa0a1a2a3a4a5a6a7a8a9aaabacadaeaf
  authentication_key: 0xb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
  network_address: 0x123456
  network_channel: 5
open-node:
  method: 0
  encryption_key: 0xc0c1c2c3c4c5c6c7c8c9cacbcccdcecf
  authentication_key: 0xd0d1d2d3d4d5d6d7d8d9dadbdcdddedf
  node_id: 77
)";

const std::string kIv = "0123456789abcdef";

wm::v1::ProvisioningFrame Decode(const std::string& payload) {
  absl::StatusOr<wm::v1::ProvisioningFrame> frame = DecodeUplinkFrame(payload);
  EXPECT_TRUE(frame.ok()) << frame.status();
  return frame.value_or(wm::v1::ProvisioningFrame{});
}

wm::v1::ProvisioningFrame Start(std::string_view uid, uint8_t method, const std::string& iv = kIv) {
  return Decode(EncodeStartFrame(kNodeAddress, kSessionId, method, iv, uid));
}
wm::v1::ProvisioningFrame DataAck() { return Decode(EncodeDataAckFrame(kNodeAddress, kSessionId)); }
wm::v1::ProvisioningFrame Nack(NackReason reason) {
  return Decode(EncodeNackFrame(kNodeAddress, kSessionId, reason));
}

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() {
    absl::StatusOr<ProvisioningConfig> config = ProvisioningConfig::Parse(kConfig);
    EXPECT_TRUE(config.ok()) << config.status();
    config_ = std::make_shared<const ProvisioningConfig>(*std::move(config));
  }

  Session NewSession(uint16_t first_counter = 0x0100, SessionOptions options = {}) {
    return Session(
        kKey, config_, [first_counter] { return first_counter; }, kT0, options);
  }

  // The DATA frame of `step`, decoded.
  static wm::v1::ProvisioningFrame SentData(const SessionStep& step) {
    EXPECT_TRUE(step.send.has_value());
    if (!step.send) return {};
    EXPECT_EQ(step.send->msg_type, wm::decoders::kProvisioningData);
    wm::v1::ProvisioningFrame frame;
    EXPECT_FALSE(wm::decoders::DecodeProvisioningFrame(step.send->payload, &frame).has_value());
    EXPECT_EQ(frame.node_address(), kNodeAddress);
    EXPECT_EQ(frame.session_id(), kSessionId);
    return frame;
  }

  // What a node with the factory key and `iv` reads from a secured DATA frame.
  static DataContent NodeReads(const wm::v1::ProvisioningFrame& data, const std::string& iv) {
    const DataFrameHeader header{data.node_address(), static_cast<uint8_t>(data.session_id()),
                                 static_cast<uint8_t>(data.data().key_index()),
                                 static_cast<uint16_t>(data.data().counter())};
    absl::StatusOr<std::string> plain =
        OpenSecuredData(Hex(kFactoryKeyHex + 2), header, iv, data.data().data());
    EXPECT_TRUE(plain.ok()) << plain.status();
    absl::StatusOr<DataContent> content = ParseDataContent(plain.value_or(""));
    EXPECT_TRUE(content.ok()) << content.status();
    return content.value_or(DataContent{});
  }

  // Brings a session to WAIT_RESPONSE with the secured node.
  void ToWaitResponse(Session& s, absl::Time at = kT0) {
    const SessionStep start = s.OnFrame(Start("secure-node", 1), at);
    ASSERT_TRUE(start.send.has_value());
    s.OnSendResult(start.send->send_id, true, at);
    ASSERT_EQ(s.state(), SessionState::kWaitResponse);
  }

  std::shared_ptr<const ProvisioningConfig> config_;
};

TEST_F(SessionTest, SecuredSuccess) {
  Session s = NewSession(0x0100);
  EXPECT_EQ(s.state(), SessionState::kIdle);
  EXPECT_EQ(s.deadline(), kT0 + kTimeout);

  const SessionStep start = s.OnFrame(Start("secure-node", 1), kT0 + absl::Seconds(1));
  EXPECT_TRUE(start.ignored.empty());
  const wm::v1::ProvisioningFrame data = SentData(start);
  EXPECT_EQ(data.data().key_index(), kKeyIndexFactoryKey);
  EXPECT_EQ(data.data().counter(), 0x0101u);  // incremented before the first DATA
  const DataContent content = NodeReads(data, kIv);
  EXPECT_EQ(content, config_->Find("secure-node")->content);
  EXPECT_EQ(content.network_address, 0x123456u);
  EXPECT_EQ(s.state(), SessionState::kWaitDataSent);
  EXPECT_EQ(s.status(), SessionStatus::kOngoing);
  EXPECT_EQ(s.deadline(), kT0 + absl::Seconds(1) + kTimeout);
  EXPECT_EQ(s.uid(), "secure-node");

  EXPECT_FALSE(s.OnSendResult(start.send->send_id, true, kT0 + absl::Seconds(2)).send);
  EXPECT_EQ(s.state(), SessionState::kWaitResponse);
  EXPECT_EQ(s.deadline(), kT0 + absl::Seconds(2) + kTimeout);

  EXPECT_FALSE(s.OnFrame(DataAck(), kT0 + absl::Seconds(3)).send);
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.status(), SessionStatus::kSuccess);
  EXPECT_EQ(s.deadline(), absl::InfiniteFuture());
}

// The session's DATA is the known-answer vector of secure_data_test.cc (openssl command line):
// node_address 0x12345678, session 0x2a, counter 0x012F + 1, IV ceffffff0011..bb.
TEST_F(SessionTest, SecuredDataIsTheKnownAnswer) {
  Session s = NewSession(0x012F);
  const SessionStep step =
      s.OnFrame(Start("secure-node", 1, Hex("ceffffff00112233445566778899aabb")), kT0);
  ASSERT_TRUE(step.send.has_value());
  EXPECT_EQ(absl::BytesToHexString(step.send->payload),
            "02785634122a013001"
            "33316a905c8dfb16ef8c0de0a0b0e369247b37487c366abeb92f2b7bc098b277e17f56dee666c7ee"
            "433c2f9c7e0c86afd3bc");
}

TEST_F(SessionTest, UnsecuredDataIsPlainCbor) {
  Session s = NewSession(0x0100);
  const wm::v1::ProvisioningFrame data = SentData(s.OnFrame(Start("open-node", 0), kT0));
  EXPECT_EQ(data.data().key_index(), kKeyIndexUnsecured);
  EXPECT_EQ(data.data().data(), *EncodeDataContent(config_->Find("open-node")->content));
  absl::StatusOr<DataContent> content = ParseDataContent(data.data().data());
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(content->node_id, 77u);
}

TEST_F(SessionTest, UnknownUidGetsNotAuthorizedOnlyOnceTheNackIsSent) {
  Session s = NewSession();
  const SessionStep step = s.OnFrame(Start("stranger", 1), kT0);
  ASSERT_TRUE(step.send.has_value());
  EXPECT_EQ(step.send->msg_type, wm::decoders::kProvisioningNack);
  EXPECT_EQ(step.send->payload,
            EncodeNackFrame(kNodeAddress, kSessionId, NackReason::kNotAuthorized));
  EXPECT_EQ(s.nack_sent(), NackReason::kNotAuthorized);
  // wm-wps set ERROR_NOT_AUTHORIZED here and so never saw the NACK's send result.
  EXPECT_EQ(s.state(), SessionState::kWaitNackSent);
  EXPECT_EQ(s.status(), SessionStatus::kOngoing);
  EXPECT_FALSE(s.finished());

  s.OnSendResult(step.send->send_id, true, kT0 + absl::Seconds(1));
  EXPECT_EQ(s.status(), SessionStatus::kErrorNotAuthorized);
  EXPECT_TRUE(s.finished());
}

TEST_F(SessionTest, MethodMismatchNackIsRetriedOnceThenFails) {
  Session s = NewSession();
  const SessionStep first = s.OnFrame(Start("secure-node", 0), kT0);
  ASSERT_TRUE(first.send.has_value());
  EXPECT_EQ(first.send->payload,
            EncodeNackFrame(kNodeAddress, kSessionId, NackReason::kMethodNotSupported));

  const SessionStep retry = s.OnSendResult(first.send->send_id, false, kT0 + absl::Seconds(1));
  ASSERT_TRUE(retry.send.has_value());
  EXPECT_EQ(retry.send->payload, first.send->payload);  // the same reason, not NOT_AUTHORIZED
  EXPECT_NE(retry.send->send_id, first.send->send_id);
  EXPECT_EQ(s.state(), SessionState::kWaitNackSent);
  EXPECT_EQ(s.deadline(), kT0 + absl::Seconds(1) + kTimeout);

  EXPECT_FALSE(s.OnSendResult(retry.send->send_id, false, kT0 + absl::Seconds(2)).send);
  EXPECT_EQ(s.status(), SessionStatus::kErrorSendingNack);
}

TEST_F(SessionTest, NackRetryCanSucceed) {
  Session s = NewSession();
  const SessionStep first = s.OnFrame(Start("stranger", 0), kT0);
  const SessionStep retry = s.OnSendResult(first.send->send_id, false, kT0);
  s.OnSendResult(retry.send->send_id, true, kT0);
  EXPECT_EQ(s.status(), SessionStatus::kErrorNotAuthorized);
}

TEST_F(SessionTest, NackSendTimeout) {
  Session s = NewSession();
  s.OnFrame(Start("stranger", 0), kT0);
  EXPECT_FALSE(s.OnTime(kT0 + kTimeout - absl::Nanoseconds(1)).send);
  EXPECT_EQ(s.state(), SessionState::kWaitNackSent);
  EXPECT_FALSE(s.OnTime(kT0 + kTimeout).send);
  EXPECT_EQ(s.status(), SessionStatus::kErrorSendingNack);
}

TEST_F(SessionTest, FramesWhileTheNackIsSentAreIgnored) {
  Session s = NewSession();
  s.OnFrame(Start("stranger", 0), kT0);
  EXPECT_EQ(s.OnFrame(Start("secure-node", 1), kT0).ignored, "unexpected_frame");
  EXPECT_EQ(s.OnFrame(DataAck(), kT0).ignored, "unexpected_frame");
  EXPECT_EQ(s.state(), SessionState::kWaitNackSent);
}

TEST_F(SessionTest, IdleNeedsAStart) {
  for (const wm::v1::ProvisioningFrame& frame : {DataAck(), Nack(NackReason::kInvalidData)}) {
    Session s = NewSession();
    EXPECT_FALSE(s.OnFrame(frame, kT0).send);
    EXPECT_EQ(s.status(), SessionStatus::kErrorNotStart);
  }
  Session s = NewSession();
  EXPECT_EQ(s.OnSendResult(1, true, kT0).ignored, "stale_send_result");
  EXPECT_FALSE(s.OnTime(kT0 + kTimeout - absl::Seconds(1)).send);
  EXPECT_EQ(s.state(), SessionState::kIdle);
  s.OnTime(kT0 + kTimeout);
  EXPECT_EQ(s.status(), SessionStatus::kErrorNotStart);
}

TEST_F(SessionTest, DataSendFailureIsRetriedOnceThenFails) {
  Session s = NewSession();
  const SessionStep first = s.OnFrame(Start("secure-node", 1), kT0);
  const SessionStep retry = s.OnSendResult(first.send->send_id, false, kT0 + absl::Seconds(5));
  ASSERT_TRUE(retry.send.has_value());
  EXPECT_EQ(retry.send->payload, first.send->payload);  // same bytes, same counter
  EXPECT_NE(retry.send->send_id, first.send->send_id);
  EXPECT_EQ(s.state(), SessionState::kWaitDataSent);
  EXPECT_EQ(s.deadline(), kT0 + absl::Seconds(5) + kTimeout);

  EXPECT_FALSE(s.OnSendResult(retry.send->send_id, false, kT0 + absl::Seconds(6)).send);
  EXPECT_EQ(s.status(), SessionStatus::kErrorSendingData);
}

TEST_F(SessionTest, DataSendTimeoutIsRetriedOnceThenFails) {
  Session s = NewSession();
  const SessionStep first = s.OnFrame(Start("secure-node", 1), kT0);
  EXPECT_FALSE(s.OnTime(kT0 + kTimeout - absl::Nanoseconds(1)).send);
  const SessionStep retry = s.OnTime(kT0 + kTimeout);
  ASSERT_TRUE(retry.send.has_value());
  EXPECT_EQ(retry.send->payload, first.send->payload);
  EXPECT_EQ(s.deadline(), kT0 + 2 * kTimeout);
  // The first send's late result no longer counts.
  EXPECT_EQ(s.OnSendResult(first.send->send_id, true, kT0 + kTimeout).ignored, "stale_send_result");
  EXPECT_EQ(s.state(), SessionState::kWaitDataSent);

  EXPECT_FALSE(s.OnTime(kT0 + 2 * kTimeout).send);
  EXPECT_EQ(s.status(), SessionStatus::kErrorSendingData);
}

TEST_F(SessionTest, DataRetryThenSent) {
  Session s = NewSession();
  const SessionStep first = s.OnFrame(Start("secure-node", 1), kT0);
  const SessionStep retry = s.OnSendResult(first.send->send_id, false, kT0);
  s.OnSendResult(retry.send->send_id, true, kT0);
  EXPECT_EQ(s.state(), SessionState::kWaitResponse);
  s.OnFrame(DataAck(), kT0);
  EXPECT_EQ(s.status(), SessionStatus::kSuccess);
}

TEST_F(SessionTest, NodeAnswersBeforeTheSendResult) {
  Session acked = NewSession();
  acked.OnFrame(Start("secure-node", 1), kT0);
  acked.OnFrame(DataAck(), kT0);
  EXPECT_EQ(acked.status(), SessionStatus::kSuccess);

  Session nacked = NewSession();
  nacked.OnFrame(Start("secure-node", 1), kT0);
  nacked.OnFrame(Nack(NackReason::kInvalidKey), kT0);
  EXPECT_EQ(nacked.status(), SessionStatus::kErrorNackReceived);
  EXPECT_EQ(nacked.nack_received(), 3u);
}

TEST_F(SessionTest, StartWhileDataIsInFlightIsIgnored) {
  Session s = NewSession();
  const SessionStep first = s.OnFrame(Start("secure-node", 1), kT0);
  const SessionStep again = s.OnFrame(Start("secure-node", 1), kT0);
  EXPECT_EQ(again.ignored, "unexpected_frame");
  EXPECT_FALSE(again.send);
  EXPECT_EQ(s.counter(), 0x0101);
  s.OnSendResult(first.send->send_id, true, kT0);
  EXPECT_EQ(s.state(), SessionState::kWaitResponse);
}

TEST_F(SessionTest, NoResponseTimesOut) {
  Session s = NewSession();
  ToWaitResponse(s);
  EXPECT_FALSE(s.OnTime(kT0 + kTimeout - absl::Nanoseconds(1)).send);
  EXPECT_EQ(s.state(), SessionState::kWaitResponse);
  s.OnTime(kT0 + kTimeout + absl::Seconds(30));
  EXPECT_EQ(s.status(), SessionStatus::kErrorNoResponse);
}

TEST_F(SessionTest, NackFromTheNode) {
  Session s = NewSession();
  ToWaitResponse(s);
  s.OnFrame(Nack(NackReason::kInvalidData), kT0);
  EXPECT_EQ(s.status(), SessionStatus::kErrorNackReceived);
  EXPECT_EQ(s.nack_received(), 2u);
}

TEST_F(SessionTest, RepeatedStartResendsDataWithANewCounter) {
  Session s = NewSession(0x0100);
  ToWaitResponse(s);
  const std::string new_iv = "fedcba9876543210";
  const SessionStep again = s.OnFrame(Start("secure-node", 1, new_iv), kT0 + absl::Seconds(10));
  const wm::v1::ProvisioningFrame data = SentData(again);
  EXPECT_EQ(data.data().counter(), 0x0102u);
  EXPECT_EQ(NodeReads(data, new_iv), config_->Find("secure-node")->content);
  EXPECT_EQ(s.state(), SessionState::kWaitDataSent);
  EXPECT_EQ(s.deadline(), kT0 + absl::Seconds(10) + kTimeout);
  // The new DATA has its own retry.
  const SessionStep retry = s.OnSendResult(again.send->send_id, false, kT0);
  ASSERT_TRUE(retry.send.has_value());
  s.OnSendResult(retry.send->send_id, true, kT0);
  s.OnFrame(DataAck(), kT0);
  EXPECT_EQ(s.status(), SessionStatus::kSuccess);
}

TEST_F(SessionTest, RepeatedStartIsAuthorisedAgain) {
  // wm-wps moved to WAIT_DATA_SENT even after answering the new START with a NACK.
  Session s = NewSession();
  ToWaitResponse(s);
  const SessionStep step = s.OnFrame(Start("stranger", 1), kT0);
  ASSERT_TRUE(step.send.has_value());
  EXPECT_EQ(step.send->msg_type, wm::decoders::kProvisioningNack);
  EXPECT_EQ(s.state(), SessionState::kWaitNackSent);
  s.OnSendResult(step.send->send_id, true, kT0);
  EXPECT_EQ(s.status(), SessionStatus::kErrorNotAuthorized);
}

TEST_F(SessionTest, IgnoresFramesOfOtherSessionsAndMalformedFrames) {
  Session s = NewSession();
  EXPECT_EQ(
      s.OnFrame(Decode(EncodeStartFrame(kNodeAddress + 1, kSessionId, 1, kIv, "secure-node")), kT0)
          .ignored,
      "wrong_session");
  EXPECT_EQ(
      s.OnFrame(Decode(EncodeStartFrame(kNodeAddress, kSessionId + 1, 1, kIv, "secure-node")), kT0)
          .ignored,
      "wrong_session");
  wm::v1::ProvisioningFrame short_iv = Start("secure-node", 1);
  short_iv.mutable_start()->set_iv("short");
  EXPECT_EQ(s.OnFrame(short_iv, kT0).ignored, "invalid_frame");
  EXPECT_EQ(s.OnFrame(wm::v1::ProvisioningFrame{}, kT0).ignored, "invalid_frame");
  EXPECT_EQ(s.state(), SessionState::kIdle);
  EXPECT_EQ(s.status(), SessionStatus::kOngoing);
}

TEST_F(SessionTest, ResultsOfOtherSendsAreIgnored) {
  Session s = NewSession();
  const SessionStep first = s.OnFrame(Start("secure-node", 1), kT0);
  EXPECT_EQ(s.OnSendResult(first.send->send_id + 1, true, kT0).ignored, "stale_send_result");
  EXPECT_EQ(s.state(), SessionState::kWaitDataSent);
  s.OnSendResult(first.send->send_id, true, kT0);
  // A duplicate result once the DATA is known to be sent.
  EXPECT_EQ(s.OnSendResult(first.send->send_id, false, kT0).ignored, "stale_send_result");
  EXPECT_EQ(s.state(), SessionState::kWaitResponse);
}

TEST_F(SessionTest, FinishedIgnoresEverything) {
  Session s = NewSession();
  ToWaitResponse(s);
  s.OnFrame(DataAck(), kT0);
  ASSERT_EQ(s.status(), SessionStatus::kSuccess);
  EXPECT_EQ(s.OnFrame(Start("secure-node", 1), kT0).ignored, "finished");
  EXPECT_EQ(s.OnFrame(Nack(NackReason::kInvalidData), kT0).ignored, "finished");
  EXPECT_EQ(s.OnSendResult(1, false, kT0).ignored, "finished");
  EXPECT_EQ(s.OnTime(absl::InfiniteFuture()).ignored, "finished");
  EXPECT_EQ(s.status(), SessionStatus::kSuccess);
}

TEST_F(SessionTest, CounterWrapsFrom0xFFFFTo0) {
  Session s = NewSession(0xFFFF);
  const SessionStep first = s.OnFrame(Start("secure-node", 1), kT0);
  const wm::v1::ProvisioningFrame data = SentData(first);
  EXPECT_EQ(data.data().counter(), 0x0000u);
  EXPECT_EQ(NodeReads(data, kIv), config_->Find("secure-node")->content);
  s.OnSendResult(first.send->send_id, true, kT0);
  const wm::v1::ProvisioningFrame next = SentData(s.OnFrame(Start("secure-node", 1), kT0));
  EXPECT_EQ(next.data().counter(), 0x0001u);
  EXPECT_EQ(NodeReads(next, kIv), config_->Find("secure-node")->content);
}

TEST_F(SessionTest, NeverReusesACounter) {
  Session s = NewSession(0x8000);
  std::set<uint32_t> counters;
  for (uint32_t i = 0; i < (1u << 16); ++i) {
    const SessionStep step = s.OnFrame(Start("open-node", 0), kT0);
    ASSERT_TRUE(step.send.has_value()) << i;
    counters.insert(static_cast<uint8_t>(step.send->payload[7]) |
                    static_cast<uint8_t>(step.send->payload[8]) << 8);
    s.OnSendResult(step.send->send_id, true, kT0);
  }
  EXPECT_EQ(counters.size(), 1u << 16);
  EXPECT_EQ(s.counter(), 0x8000);  // every value once, back where it started
  const SessionStep exhausted = s.OnFrame(Start("open-node", 0), kT0);
  EXPECT_FALSE(exhausted.send);
  EXPECT_EQ(s.status(), SessionStatus::kFailure);
}

TEST_F(SessionTest, Options) {
  Session s = NewSession(0, SessionOptions{absl::Seconds(5), /*retries=*/0});
  EXPECT_EQ(s.deadline(), kT0 + absl::Seconds(5));
  const SessionStep first = s.OnFrame(Start("secure-node", 1), kT0);
  EXPECT_EQ(s.deadline(), kT0 + absl::Seconds(5));
  EXPECT_FALSE(s.OnSendResult(first.send->send_id, false, kT0).send);
  EXPECT_EQ(s.status(), SessionStatus::kErrorSendingData);

  Session twice = NewSession(0, SessionOptions{absl::Seconds(5), /*retries=*/2});
  const SessionStep a = twice.OnFrame(Start("secure-node", 1), kT0);
  const SessionStep b = twice.OnTime(kT0 + absl::Seconds(5));
  ASSERT_TRUE(b.send.has_value());
  const SessionStep c = twice.OnSendResult(b.send->send_id, false, kT0 + absl::Seconds(6));
  ASSERT_TRUE(c.send.has_value());
  EXPECT_FALSE(twice.OnTime(kT0 + absl::Seconds(11)).send);
  EXPECT_EQ(twice.status(), SessionStatus::kErrorSendingData);
  EXPECT_NE(a.send->send_id, c.send->send_id);
}

TEST_F(SessionTest, KeepsTheConfigItStartedWith) {
  Session s = NewSession();
  config_.reset();  // the owner reloads and drops its pointer
  const SessionStep step = s.OnFrame(Start("secure-node", 1), kT0);
  ASSERT_TRUE(step.send.has_value());
  EXPECT_EQ(step.send->msg_type, wm::decoders::kProvisioningData);
}

TEST(SessionKey, FromFramesAndInContainers) {
  const wm::v1::ProvisioningFrame ack = Decode(EncodeDataAckFrame(kNodeAddress, kSessionId));
  EXPECT_EQ(SessionKeyOf(kSource, ack), kKey);
  EXPECT_NE(SessionKeyOf(kSource + 1, ack), kKey);
  EXPECT_EQ(kKey.ToString(), "source_address=11259375 node_address=0x12345678 session_id=42");
  absl::flat_hash_set<SessionKey> keys = {kKey, SessionKey{kSource, kNodeAddress, 1},
                                          SessionKey{kSource, 1, kSessionId}, kKey};
  EXPECT_EQ(keys.size(), 3u);
  std::set<SessionKey> ordered(keys.begin(), keys.end());
  EXPECT_EQ(ordered.size(), 3u);
}

TEST(SessionStatus, NamesAndNumbersOfWmWps) {
  EXPECT_EQ(static_cast<int>(SessionStatus::kSuccess), 1);
  EXPECT_EQ(static_cast<int>(SessionStatus::kErrorNoResponse), 10);
  EXPECT_EQ(SessionStatusName(SessionStatus::kErrorNotAuthorized), "ERROR_NOT_AUTHORIZED");
  EXPECT_EQ(SessionStatusName(SessionStatus::kErrorNackReceived), "ERROR_NACK_RECEIVED");
  EXPECT_EQ(SessionStateName(SessionState::kWaitNackSent), "WAIT_NACK_SENT");
}

}  // namespace
}  // namespace wm::provisioning
