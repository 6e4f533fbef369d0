// Runs the wm-decode binary as a user would.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "libs/testing/subprocess.h"
#include "protos/wm/v1/decoded.pb.h"

namespace {

using wm::testing::RunfilePath;
using wm::testing::Subprocess;

struct Result {
  int exit_code = -1;
  std::string output;
};

Result RunProgram(const std::string& binary, const std::vector<std::string>& args) {
  auto child = Subprocess::Start(binary, args);
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return {};
  absl::StatusOr<int> code = (*child)->Wait(absl::Seconds(20));
  EXPECT_TRUE(code.ok()) << code.status();
  return {code.value_or(-1), (*child)->Output()};
}

Result Decode(const std::vector<std::string>& args) {
  return RunProgram(RunfilePath("tools/decode/wm-decode"), args);
}

TEST(WmDecode, PrintsBootDiagnosticsAsOneJsonLine) {
  // boot_count 3, role 0x12, version 5.1.0.20 (dev, maint, minor, major), then zeros to 31 bytes.
  const std::string hex = "03 12 14 00 01 05" + std::string(50, '0');
  Result r = Decode({"--src_ep=254", "--dst_ep=255", hex});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(r.output.back(), '\n');
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "one line: " << r.output;
  wm::v1::DecodedPayload decoded;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.output, &decoded).ok()) << r.output;
  EXPECT_EQ(decoded.boot_diagnostics().boot_count(), 3u);
  EXPECT_EQ(decoded.boot_diagnostics().firmware_version_string(), "5.1.0.20");
  EXPECT_NE(r.output.find("\"boot_count\":3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"firmware_version\":83951636"), std::string::npos) << r.output;
}

TEST(WmDecode, MalformedPayloadIsAOneLineErrorAndExit1) {
  Result r = Decode({"--src_ep=253", "--dst_ep=255", "0x0102"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output,
            "{\"error\":{\"reason\":\"wrong_length\",\"offset\":2,"
            "\"message\":\"node diagnostics are 59 or 67 bytes, got 2\"},"
            "\"decoder\":\"node_diagnostics\"}\n");
}

TEST(WmDecode, PairWithoutDecoderPrintsRawHex) {
  Result r = Decode({"--src_ep=1", "--dst_ep=1", "0xDE", "0xAD"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "{\"raw_hex\":\"dead\"}\n");
}

// Diagnostics v2 as real nodes send it: an indefinite-length map, here with an indefinite
// array and a chunked text string. It decodes as the definite form does.
TEST(WmDecode, DecodesDiagnosticsV2InTheIndefiniteLengthForm) {
  // {_ 1: 0x12, 2: 3000, 66: [_ 3, 9], 1000: (_ "a", "b")}
  Result r = Decode({"--src_ep=247", "--dst_ep=255",
                     "bf 01 12 02 190bb8 1842 9f 03 09 ff 1903e8 7f 6161 6162 ff ff"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  wm::v1::DecodedPayload decoded;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.output, &decoded).ok()) << r.output;
  const wm::v1::DiagnosticsV2& d = decoded.diagnostics_v2();
  EXPECT_EQ(d.role(), 0x12u);
  EXPECT_EQ(d.role_bits().base_role_name(), "headnode");
  EXPECT_EQ(d.voltage(), 3000u);
  ASSERT_EQ(d.buffer_usage_size(), 1);
  EXPECT_EQ(d.buffer_usage(0).maximum(), 9u);
  ASSERT_EQ(d.unknown_fields_size(), 1);
  EXPECT_EQ(d.unknown_fields(0).value().text_string(), "ab");
  // The same content in the definite form prints the same line.
  Result definite =
      Decode({"--src_ep=247", "--dst_ep=255", "a4 01 12 02 190bb8 1842 82 03 09 1903e8 62 6162"});
  EXPECT_EQ(definite.exit_code, 0) << definite.output;
  EXPECT_EQ(definite.output, r.output);

  // Without its break: truncated at the end, with the entries before it.
  Result cut = Decode({"--src_ep=247", "--dst_ep=255", "bf 01 12"});
  EXPECT_EQ(cut.exit_code, 1) << cut.output;
  EXPECT_NE(cut.output.find("{\"error\":{\"reason\":\"truncated\",\"offset\":3,"),
            std::string::npos)
      << cut.output;
  EXPECT_NE(cut.output.find("\"role\":18"), std::string::npos) << cut.output;
}

TEST(WmDecode, UsageErrorsExit2AndHelpExplainsRaw) {
  Result missing = Decode({"--src_ep=253", "00"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  Result out_of_range = Decode({"--src_ep=256", "--dst_ep=255", "00"});
  EXPECT_EQ(out_of_range.exit_code, 2) << out_of_range.output;
  EXPECT_NE(out_of_range.output.find("src_ep"), std::string::npos) << out_of_range.output;
  Result help = Decode({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("raw_hex"), std::string::npos) << help.output;
}

TEST(WmDecode, StdinDecodesEveryLineAndReportsBadOnes) {
  const std::string script =
      "printf '251 255 %s\\n252 255 0102030405\\n11 11 0x01 0x02 0x05 0x00\\n' \"$(printf "
      "'%036d' 0)\" | \"$0\" --stdin";
  Result r = RunProgram("/bin/sh", {"-c", script, RunfilePath("tools/decode/wm-decode")});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = r.output.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(r.output.substr(start, end - start));
  }
  ASSERT_EQ(lines.size(), 3u) << r.output;
  EXPECT_EQ(lines[0].rfind("{\"traffic_diagnostics\":{\"access_cycles\":0,", 0), 0u) << lines[0];
  EXPECT_NE(lines[1].find("\"reason\":\"truncated\""), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("\"line\":2}"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("{\"ruuvi\":{"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("\"counter\":5"), std::string::npos) << lines[2];
}

}  // namespace
