#include "tools/decode/decode_command.h"

#include <sstream>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decode {
namespace {

using decoders::DecoderRegistry;
using decoders::PayloadBuilder;

std::string NodeDiagnostics59() {
  PayloadBuilder b;
  b.U16(2000).U8(0x11).U8(130).Fill(54, 0).U8(1);  // access_cycle, role, voltage, ..., antenna
  return b.str();
}

TEST(ParseHex, AcceptsHexWithOrWithoutSpacesAnd0x) {
  for (const char* text : {"0a0BfF", "0a 0b ff", "0x0a 0x0b 0xff", "0x0a0bff", " 0X0A\t0b ff \n"}) {
    absl::StatusOr<std::string> bytes = ParseHex(text);
    ASSERT_TRUE(bytes.ok()) << text << ": " << bytes.status();
    EXPECT_EQ(*bytes, std::string("\x0a\x0b\xff", 3)) << text;
  }
  EXPECT_EQ(*ParseHex(""), "");
}

TEST(ParseHex, RejectsWhatIsNotHexBytes) {
  for (const char* text : {"0a0", "0x1 0x2", "zz", "0x", "0a-0b", "0a,0b"}) {
    absl::StatusOr<std::string> bytes = ParseHex(text);
    EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(DecodeToJson, DecodedPayloadUsesThePythonFieldNames) {
  DecodeLine line = DecodeToJson(DecoderRegistry::WithBuiltins(), 253, 255, NodeDiagnostics59());
  ASSERT_TRUE(line.ok) << line.json;
  EXPECT_EQ(line.json.find('\n'), std::string::npos);
  EXPECT_NE(line.json.find("{\"node_diagnostics\":{\"access_cycle\":2000,\"role\":17,"
                           "\"voltage\":3.3,"),
            std::string::npos)
      << line.json;
  // Zero values are shown: every key is always there.
  EXPECT_NE(line.json.find("\"dl_delay_avg_0\":0"), std::string::npos) << line.json;
  EXPECT_NE(line.json.find("\"lltx_msg_w_ack\":0"), std::string::npos) << line.json;
  EXPECT_EQ(line.json.find("pending_ucast_cluster"), std::string::npos)
      << "absent in the 59-byte form: " << line.json;
  // And it parses back into the same message.
  wm::v1::DecodedPayload parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line.json, &parsed).ok());
  EXPECT_EQ(parsed.node_diagnostics().access_cycle(), 2000u);
  EXPECT_EQ(parsed.node_diagnostics().current_antenna(), 1u);
}

TEST(DecodeToJson, PairWithoutDecoderIsRawHex) {
  DecodeLine line = DecodeToJson(DecoderRegistry::WithBuiltins(), 1, 2, std::string("\x00\xab", 2));
  EXPECT_TRUE(line.ok);
  EXPECT_EQ(line.json, "{\"raw_hex\":\"00ab\"}");
}

TEST(DecodeToJson, MalformedPayloadNamesReasonOffsetAndMessage) {
  DecodeLine line = DecodeToJson(DecoderRegistry::WithBuiltins(), 253, 255, "\x01\x02\x03");
  EXPECT_FALSE(line.ok);
  EXPECT_EQ(line.json,
            "{\"error\":{\"reason\":\"wrong_length\",\"offset\":3,"
            "\"message\":\"node diagnostics are 59 or 67 bytes, got 3\"},"
            "\"decoder\":\"node_diagnostics\"}");
}

TEST(DecodeToJson, PartialRecordsAreShownBesideTheError) {
  PayloadBuilder b;
  b.U24(0x010203).U8(1).U8(2).U8(3).U8(4).U24(5).U8(6);  // one record, then 4 of 7 bytes
  DecodeLine line = DecodeToJson(DecoderRegistry::WithBuiltins(), 252, 255, b.str());
  EXPECT_FALSE(line.ok);
  EXPECT_NE(line.json.find("{\"error\":{\"reason\":\"truncated\",\"offset\":7,"), std::string::npos)
      << line.json;
  EXPECT_NE(line.json.find("\"partial\":{\"neighbor_diagnostics\":{\"neighbors\":[{\"address\":"
                           "66051,\"cluster_channel\":1,\"radio_power\":2,\"node_info\":3,"
                           "\"rssi\":4}]}}"),
            std::string::npos)
      << line.json;
}

TEST(DecodeLines, OneJsonLinePerInputLineErrorsCarryTheLineNumber) {
  std::istringstream in("251 255 " + std::string(36, '0') +
                        "\n"
                        "\n"
                        "# a comment\n"
                        "253 255 0x01 0x02\n"
                        "1 1 0xab\n"
                        "256 255 00\n"
                        "251\n"
                        "251 255 0g\n"
                        "252 255\r\n");
  std::ostringstream out;
  const int failed = DecodeLines(DecoderRegistry::WithBuiltins(), in, out);
  EXPECT_EQ(failed, 4);
  std::vector<std::string> lines;
  std::istringstream printed(out.str());
  for (std::string l; std::getline(printed, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 7u) << out.str();
  EXPECT_EQ(lines[0].rfind("{\"traffic_diagnostics\":{", 0), 0u) << lines[0];
  EXPECT_NE(lines[1].find("\"reason\":\"wrong_length\""), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("\"line\":4}"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2], "{\"raw_hex\":\"ab\"}");
  EXPECT_NE(lines[3].find("\"reason\":\"bad_line\""), std::string::npos) << lines[3];
  EXPECT_NE(lines[3].find("\"line\":6}"), std::string::npos) << lines[3];
  EXPECT_NE(lines[4].find("\"line\":7}"), std::string::npos) << lines[4];
  EXPECT_NE(lines[5].find("\"reason\":\"bad_hex\""), std::string::npos) << lines[5];
  EXPECT_NE(lines[5].find("\"line\":8}"), std::string::npos) << lines[5];
  EXPECT_EQ(lines[6], "{\"neighbor_diagnostics\":{\"neighbors\":[]}}") << "empty payload";
}

// Runs RunDecode with `args` as command-line flags; returns the exit code.
int RunWith(const std::vector<std::string>& args, const std::string& input, std::string* out,
            std::string* err) {
  config::Schema schema;
  AddDecodeSettings(schema);
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, args, {});
  EXPECT_TRUE(settings.ok()) << settings.status();
  if (!settings.ok()) return -1;
  std::istringstream in(input);
  std::ostringstream o, e;
  const int code = RunDecode(*settings, in, o, e);
  *out = o.str();
  *err = e.str();
  return code;
}

TEST(RunDecode, ExitCodes) {
  std::string out, err;
  EXPECT_EQ(RunWith({"--src_ep=251", "--dst_ep=255", std::string(36, 'f')}, "", &out, &err), 0);
  EXPECT_NE(out.find("\"tx_amount\":65535"), std::string::npos) << out;
  EXPECT_EQ(RunWith({"--src_ep=251", "--dst_ep=255", "ff"}, "", &out, &err), 1);
  EXPECT_NE(out.find("wrong_length"), std::string::npos) << out;
  EXPECT_EQ(RunWith({"--src_ep=251", "--dst_ep=255", "fff"}, "", &out, &err), 1);
  EXPECT_NE(out.find("bad_hex"), std::string::npos) << out;
  EXPECT_EQ(RunWith({"--src_ep=9", "--dst_ep=9", "0102"}, "", &out, &err), 0);
  EXPECT_EQ(out, "{\"raw_hex\":\"0102\"}\n");
  EXPECT_EQ(RunWith({"--src_ep=251", "0102"}, "", &out, &err), 2);
  EXPECT_NE(err.find("--dst_ep"), std::string::npos) << err;
  EXPECT_EQ(RunWith({"--src_ep=251", "--dst_ep=255"}, "", &out, &err), 2);
  EXPECT_EQ(RunWith({"--stdin"}, "1 1 00\n", &out, &err), 0);
  EXPECT_EQ(RunWith({"--stdin"}, "1 1 00\n253 255 00\n", &out, &err), 1);
  EXPECT_EQ(RunWith({"--stdin", "--decoders_extra=1:1=nope"}, "", &out, &err), 2);
  EXPECT_NE(err.find("decoders_extra"), std::string::npos) << err;
}

TEST(RunDecode, DecoderSettingsApply) {
  std::string out, err;
  EXPECT_EQ(RunWith({"--src_ep=251", "--dst_ep=255", "--decoders_disabled=251:255", "0102"}, "",
                    &out, &err),
            0);
  EXPECT_EQ(out, "{\"raw_hex\":\"0102\"}\n");
  EXPECT_EQ(RunWith({"--src_ep=10", "--dst_ep=10", "--decoders_extra=10:10=ruuvi", "01020500"}, "",
                    &out, &err),
            0);
  EXPECT_NE(out.find("{\"ruuvi\":{"), std::string::npos) << out;
  EXPECT_NE(out.find("\"counter\":5"), std::string::npos) << out;
}

TEST(DecodeUsage, SaysWhatHappensToPairsWithoutDecoder) {
  config::Schema schema;
  AddDecodeSettings(schema);
  const std::string usage = DecodeUsage(schema);
  EXPECT_NE(usage.find("raw_hex"), std::string::npos);
  EXPECT_NE(usage.find("253:255 node_diagnostics"), std::string::npos);
  EXPECT_NE(usage.find("--stdin"), std::string::npos);
}

}  // namespace
}  // namespace wm::decode
