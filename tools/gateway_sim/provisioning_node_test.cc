#include "tools/gateway_sim/provisioning_node.h"

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/provisioning/data_content.h"
#include "libs/provisioning/frames.h"
#include "libs/provisioning/provisioning_config.h"
#include "libs/provisioning/secure_data.h"
#include "libs/provisioning/session.h"
#include "tools/gateway_sim/sim_random.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {
namespace {

namespace prov = ::wm::provisioning;

constexpr uint32_t kAddress = 0xABCDEF;
constexpr uint8_t kSecured = 1;
constexpr uint8_t kUnsecured = 0;
const absl::Time kNow = absl::FromUnixSeconds(1764151200);

std::string FactoryKey(char first = 0) {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(first + i));
  return key;
}

JoiningNodeState Node(uint8_t method) {
  JoiningNodeState state;
  state.node.address = kAddress;
  state.node.hop_count = 2;
  state.node.uid = "sim-abcdef";
  state.node.method = method;
  if (method == kSecured) state.node.factory_key = FactoryKey();
  return state;
}

// A config that gives `uid` the network 0x123456 on channel 7, with `factory_key` when secured.
std::shared_ptr<const prov::ProvisioningConfig> Config(
    const std::string& uid, uint8_t method, const std::string& factory_key = FactoryKey()) {
  std::string yaml = absl::StrCat("\"", uid, "\":\n  method: ", method, "\n");
  if (method == kSecured) {
    absl::StrAppend(&yaml, "  factory_key: \"0x", absl::BytesToHexString(factory_key), "\"\n");
  }
  absl::StrAppend(&yaml,
                  "  encryption_key: 0x000102030405060708090a0b0c0d0e0f\n"
                  "  authentication_key: 0x101112131415161718191a1b1c1d1e1f\n"
                  "  network_address: 0x123456\n"
                  "  network_channel: 7\n");
  absl::StatusOr<prov::ProvisioningConfig> config = prov::ProvisioningConfig::Parse(yaml);
  EXPECT_TRUE(config.ok()) << config.status();
  return std::make_shared<const prov::ProvisioningConfig>(config.ok() ? *std::move(config)
                                                                      : prov::ProvisioningConfig());
}

// The server side of one session, as wm-provisioning runs it: fed the node's START, it builds
// the frame to send; fed the node's answer, it ends.
class Server {
 public:
  Server(std::shared_ptr<const prov::ProvisioningConfig> config, const std::string& start)
      : config_(std::move(config)) {
    absl::StatusOr<wm::v1::ProvisioningFrame> frame = prov::DecodeUplinkFrame(start);
    EXPECT_TRUE(frame.ok()) << frame.status();
    session_ = std::make_unique<prov::Session>(
        prov::SessionKeyOf(kAddress, *frame), config_, [] { return uint16_t{0x4321}; }, kNow);
    const prov::SessionStep step = session_->OnFrame(*frame, kNow);
    EXPECT_TRUE(step.send.has_value()) << step.ignored;
    if (step.send.has_value()) sent_ = *step.send;
  }

  // The frame the session sent (DATA or NACK).
  const std::string& sent() const { return sent_.payload; }
  uint8_t sent_type() const { return sent_.msg_type; }

  // The gateway delivered the frame and the node answered `answer`.
  prov::SessionStatus Receive(const std::string& answer) {
    session_->OnSendResult(sent_.send_id, true, kNow);
    absl::StatusOr<wm::v1::ProvisioningFrame> frame = prov::DecodeUplinkFrame(answer);
    EXPECT_TRUE(frame.ok()) << frame.status();
    if (frame.ok()) session_->OnFrame(*frame, kNow);
    return session_->status();
  }

  const prov::Session& session() const { return *session_; }

 private:
  std::shared_ptr<const prov::ProvisioningConfig> config_;
  std::unique_ptr<prov::Session> session_;
  prov::OutgoingFrame sent_;
};

wm::v1::ProvisioningFrame Decode(const std::string& bytes) {
  wm::v1::ProvisioningFrame frame;
  const decoders::DecodeStatus status = decoders::DecodeProvisioningFrame(bytes, &frame);
  EXPECT_FALSE(status.has_value()) << status->message;
  return frame;
}

TEST(ProvisioningNodeTest, StartOpensASessionWithAFreshIv) {
  SimRandom random(3);
  JoiningNodeState state = Node(kSecured);
  const std::string start = StartProvisioning(state, 41, random);
  const wm::v1::ProvisioningFrame frame = Decode(start);
  ASSERT_TRUE(frame.has_start());
  EXPECT_EQ(frame.node_address(), kAddress);
  EXPECT_EQ(frame.session_id(), 41u);
  EXPECT_EQ(frame.start().method(), 1u);
  EXPECT_EQ(frame.start().uid(), "sim-abcdef");
  ASSERT_TRUE(state.pending.has_value());
  EXPECT_EQ(state.pending->session_id, 41);
  EXPECT_EQ(state.pending->iv, frame.start().iv());

  // Starting over replaces the session, with another IV.
  const std::string again = StartProvisioning(state, 42, random);
  EXPECT_EQ(state.pending->session_id, 42);
  EXPECT_EQ(state.pending->iv, Decode(again).start().iv());
  EXPECT_NE(state.pending->iv, frame.start().iv());
}

class MethodTest : public ::testing::TestWithParam<uint8_t> {};

TEST_P(MethodTest, AServersDataIsAcceptedAndAcked) {
  SimRandom random(4);
  JoiningNodeState state = Node(GetParam());
  const std::string start = StartProvisioning(state, 200, random);
  Server server(Config(state.node.uid, GetParam()), start);
  ASSERT_EQ(server.sent_type(), decoders::kProvisioningData);
  EXPECT_EQ(Decode(server.sent()).data().key_index(), GetParam());

  const DownlinkOutcome outcome = HandleProvisioningDownlink(state, server.sent());
  EXPECT_EQ(outcome.result, DownlinkResult::kProvisioned) << outcome.ignored;
  EXPECT_EQ(outcome.session_id, 200);
  ASSERT_TRUE(outcome.answer.has_value());
  EXPECT_EQ(*outcome.answer, prov::EncodeDataAckFrame(kAddress, 200));
  EXPECT_TRUE(state.provisioned);
  EXPECT_FALSE(state.pending.has_value());
  EXPECT_EQ(state.network_address, 0x123456u);
  EXPECT_EQ(state.network_channel, 7u);

  EXPECT_EQ(server.Receive(*outcome.answer), prov::SessionStatus::kSuccess);

  // The same DATA again (a resend): the session is over, nothing happens.
  const DownlinkOutcome repeat = HandleProvisioningDownlink(state, server.sent());
  EXPECT_EQ(repeat.result, DownlinkResult::kIgnored);
  EXPECT_EQ(repeat.ignored, "no_session");
  EXPECT_FALSE(repeat.answer.has_value());
}

TEST_P(MethodTest, AServersNackEndsTheSession) {
  SimRandom random(5);
  JoiningNodeState state = Node(GetParam());
  const std::string start = StartProvisioning(state, 9, random);
  Server server(Config("sim-someone-else", GetParam()), start);
  ASSERT_EQ(server.sent_type(), decoders::kProvisioningNack);

  const DownlinkOutcome outcome = HandleProvisioningDownlink(state, server.sent());
  EXPECT_EQ(outcome.result, DownlinkResult::kNackReceived);
  EXPECT_EQ(outcome.nack_received, static_cast<uint32_t>(prov::NackReason::kNotAuthorized));
  EXPECT_EQ(NackReasonLabel(outcome.nack_received), "not_authorized");
  EXPECT_FALSE(outcome.answer.has_value()) << "a node does not answer a NACK";
  EXPECT_FALSE(state.pending.has_value());
  EXPECT_FALSE(state.provisioned);
}

INSTANTIATE_TEST_SUITE_P(SecuredAndUnsecured, MethodTest, ::testing::Values(kSecured, kUnsecured),
                         [](const ::testing::TestParamInfo<uint8_t>& info) {
                           return info.param == kSecured ? "Secured" : "Unsecured";
                         });

// The node's NACK, checked to be what the server's decoder reads, and the session's end.
void ExpectNack(const DownlinkOutcome& outcome, prov::NackReason reason, uint8_t session_id) {
  EXPECT_EQ(outcome.result, DownlinkResult::kNackSent) << outcome.ignored;
  EXPECT_EQ(outcome.nack_sent, reason);
  ASSERT_TRUE(outcome.answer.has_value());
  const wm::v1::ProvisioningFrame nack = Decode(*outcome.answer);
  ASSERT_TRUE(nack.has_nack());
  EXPECT_EQ(nack.node_address(), kAddress);
  EXPECT_EQ(nack.session_id(), session_id);
  EXPECT_EQ(nack.nack().reason(), static_cast<uint32_t>(reason));
}

TEST(ProvisioningNodeTest, TamperedSecuredDataIsNackedInvalidKey) {
  SimRandom random(6);
  JoiningNodeState state = Node(kSecured);
  const std::string start = StartProvisioning(state, 1, random);
  Server server(Config(state.node.uid, kSecured), start);
  std::string tampered = server.sent();
  tampered[prov::kDataHeaderSize + 3] ^= 0x01;

  const DownlinkOutcome outcome = HandleProvisioningDownlink(state, tampered);
  ExpectNack(outcome, prov::NackReason::kInvalidKey, 1);
  EXPECT_FALSE(state.provisioned);
  EXPECT_FALSE(state.pending.has_value());
  EXPECT_EQ(server.Receive(*outcome.answer), prov::SessionStatus::kErrorNackReceived);
  EXPECT_EQ(server.session().nack_received(), static_cast<uint32_t>(prov::NackReason::kInvalidKey));
}

TEST(ProvisioningNodeTest, DataSealedWithAnotherFactoryKeyIsNackedInvalidKey) {
  SimRandom random(7);
  JoiningNodeState state = Node(kSecured);
  const std::string start = StartProvisioning(state, 2, random);
  Server server(Config(state.node.uid, kSecured, FactoryKey(0x40)), start);
  ExpectNack(HandleProvisioningDownlink(state, server.sent()), prov::NackReason::kInvalidKey, 2);
}

TEST(ProvisioningNodeTest, AKeyIndexOtherThanTheMethodsIsNackedInvalidKey) {
  SimRandom random(8);
  JoiningNodeState secured = Node(kSecured);
  StartProvisioning(secured, 3, random);
  const std::string content = *prov::EncodeDataContent(
      {std::string(16, 'e'), std::string(16, 'a'), 0x123456, 7, std::nullopt, std::nullopt, {}});
  const std::string plain =
      prov::EncodeDataFrame({kAddress, 3, prov::kKeyIndexUnsecured, 1}, content);
  ExpectNack(HandleProvisioningDownlink(secured, plain), prov::NackReason::kInvalidKey, 3);

  JoiningNodeState unsecured = Node(kUnsecured);
  StartProvisioning(unsecured, 3, random);
  const std::string keyed =
      prov::EncodeDataFrame({kAddress, 3, prov::kKeyIndexFactoryKey, 1}, content);
  ExpectNack(HandleProvisioningDownlink(unsecured, keyed), prov::NackReason::kInvalidKey, 3);
}

TEST(ProvisioningNodeTest, ContentThatDoesNotParseIsNackedInvalidData) {
  SimRandom random(9);
  // Unsecured: bytes that are not a CBOR map.
  JoiningNodeState unsecured = Node(kUnsecured);
  StartProvisioning(unsecured, 4, random);
  ExpectNack(
      HandleProvisioningDownlink(
          unsecured, prov::EncodeDataFrame({kAddress, 4, prov::kKeyIndexUnsecured, 9}, "garbage")),
      prov::NackReason::kInvalidData, 4);
  EXPECT_FALSE(unsecured.pending.has_value());

  // Secured: authentic, but a map without the authentication key.
  JoiningNodeState secured = Node(kSecured);
  StartProvisioning(secured, 5, random);
  const prov::DataFrameHeader header{kAddress, 5, prov::kKeyIndexFactoryKey, 0x0102};
  // {0: h'6565...'}: the encryption key alone.
  const std::string no_auth_key = std::string("\xa1\x00\x50", 3) + std::string(16, 'e');
  absl::StatusOr<std::string> sealed =
      prov::SealSecuredData(FactoryKey(), header, secured.pending->iv, no_auth_key);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  ExpectNack(HandleProvisioningDownlink(secured, prov::EncodeDataFrame(header, *sealed)),
             prov::NackReason::kInvalidData, 5);

  // Secured data too short to hold a MIC.
  StartProvisioning(secured, 6, random);
  ExpectNack(HandleProvisioningDownlink(
                 secured, prov::EncodeDataFrame({kAddress, 6, prov::kKeyIndexFactoryKey, 1}, "ab")),
             prov::NackReason::kInvalidData, 6);
  EXPECT_FALSE(secured.provisioned);
}

TEST(ProvisioningNodeTest, AnotherSessionOrNodeIsIgnoredAndThePendingSessionStays) {
  SimRandom random(10);
  JoiningNodeState state = Node(kSecured);
  const std::string start = StartProvisioning(state, 77, random);
  Server server(Config(state.node.uid, kSecured), start);

  // The same DATA for session 78.
  std::string other_session = server.sent();
  other_session[5] = 78;
  DownlinkOutcome outcome = HandleProvisioningDownlink(state, other_session);
  EXPECT_EQ(outcome.result, DownlinkResult::kIgnored);
  EXPECT_EQ(outcome.ignored, "wrong_session");
  EXPECT_EQ(outcome.session_id, 78);
  EXPECT_FALSE(outcome.answer.has_value());

  // For another node address.
  std::string other_node = server.sent();
  other_node[1] ^= 0x01;
  outcome = HandleProvisioningDownlink(state, other_node);
  EXPECT_EQ(outcome.ignored, "wrong_node");
  EXPECT_FALSE(outcome.answer.has_value());

  ASSERT_TRUE(state.pending.has_value());
  EXPECT_EQ(HandleProvisioningDownlink(state, server.sent()).result, DownlinkResult::kProvisioned);
}

TEST(ProvisioningNodeTest, FramesOutsideASessionOrNotForANodeAreIgnored) {
  SimRandom random(11);
  JoiningNodeState state = Node(kUnsecured);
  const std::string data = prov::EncodeDataFrame({kAddress, 1, prov::kKeyIndexUnsecured, 1}, "x");
  EXPECT_EQ(HandleProvisioningDownlink(state, data).ignored, "no_session");

  StartProvisioning(state, 1, random);
  EXPECT_EQ(HandleProvisioningDownlink(state, "").ignored, "invalid_frame");
  EXPECT_EQ(HandleProvisioningDownlink(state, std::string("\x02\xef\xcd\xab\x00\x01", 6)).ignored,
            "invalid_frame");  // a DATA without key index, counter and data
  EXPECT_EQ(HandleProvisioningDownlink(state, prov::EncodeDataAckFrame(kAddress, 1)).ignored,
            "unexpected_frame");
  EXPECT_EQ(HandleProvisioningDownlink(state, StartProvisioning(state, 1, random)).ignored,
            "unexpected_frame");
  EXPECT_TRUE(state.pending.has_value());
  EXPECT_FALSE(state.provisioned);
}

TEST(ProvisioningNodeTest, NackReasonLabels) {
  EXPECT_EQ(NackReasonLabel(0), "not_authorized");
  EXPECT_EQ(NackReasonLabel(1), "method_not_supported");
  EXPECT_EQ(NackReasonLabel(2), "invalid_data");
  EXPECT_EQ(NackReasonLabel(3), "invalid_key");
  EXPECT_EQ(NackReasonLabel(4), "unknown");
}

}  // namespace
}  // namespace wm::gateway_sim
