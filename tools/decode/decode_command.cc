#include "tools/decode/decode_command.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "libs/decoders/settings.h"
#include "protos/wm/v1/decoded.pb.h"
#include "third_party/system/string_view_compat.h"

namespace wm::decode {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string ToHex(std::string_view bytes) {
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    hex += kHexDigits[b >> 4];
    hex += kHexDigits[b & 0x0F];
  }
  return hex;
}

// Protobuf JSON on one line, with the proto field names (those of the Python tool) and every
// field shown, zero values included, so that each payload kind always has the same keys.
std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  // Printing a generated message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string ErrorJson(std::string_view reason, uint32_t offset, std::string_view message) {
  wm::v1::DecodeError error;
  error.set_reason(std::string(reason));
  error.set_offset(offset);
  error.set_message(std::string(message));
  return ToJson(error);
}

// True when the payload's set field holds anything (a partial result worth showing).
bool HasContent(const wm::v1::DecodedPayload& payload) {
  const google::protobuf::Reflection* reflection = payload.GetReflection();
  const google::protobuf::FieldDescriptor* field = reflection->GetOneofFieldDescriptor(
      payload, payload.GetDescriptor()->FindOneofByName("payload"));
  return field != nullptr && reflection->GetMessage(payload, field).ByteSizeLong() > 0;
}

// Appends ,"line":N before the closing brace of an error object.
std::string WithLine(std::string json, int line) {
  json.insert(json.size() - 1, ",\"line\":" + std::to_string(line));
  return json;
}

bool ParseEndpoint(absl::string_view text, uint32_t* endpoint) {
  return absl::SimpleAtoi(text, endpoint) && *endpoint <= 255;
}

}  // namespace

void AddDecodeSettings(config::Schema& schema) {
  schema.Add({.key = "src_ep",
              .type = config::SettingType::kInt,
              .default_value = "0",
              .help = "Source endpoint of the payload (required without --stdin)",
              .min = 0,
              .max = 255});
  schema.Add({.key = "dst_ep",
              .type = config::SettingType::kInt,
              .default_value = "0",
              .help = "Destination endpoint of the payload (required without --stdin)",
              .min = 0,
              .max = 255});
  schema.Add({.key = "stdin",
              .type = config::SettingType::kBool,
              .default_value = "false",
              .help = "Read 'src_ep dst_ep hex' lines from standard input, one JSON line each"});
  decoders::AddDecoderSettings(schema);
}

std::string DecodeUsage(const config::Schema& schema) {
  std::string decoders;
  for (const decoders::DecoderRegistry::Binding& b : decoders::DecoderRegistry::Builtins()) {
    decoders += "  " + std::to_string(b.source_endpoint) + ":" +
                std::to_string(b.destination_endpoint) + " " + std::string(b.decoder.name) + "\n";
  }
  return "wm-decode: decodes one Wirepas application payload, or one per line of standard input.\n"
         "\n"
         "  wm-decode --src_ep=253 --dst_ep=255 <hex payload>\n"
         "  printf '251 255 0102...\\n252 255 0x01 0x02 ...\\n' | wm-decode --stdin\n"
         "\n"
         "Hex may be split by spaces and each group may start with 0x. Prints one JSON object\n"
         "per payload (protobuf JSON with the field names of the Python backend-client):\n"
         "  decoded      {\"node_diagnostics\":{\"access_cycle\":...}}            exit 0\n"
         "  no decoder   the raw payload in hex: {\"raw_hex\":\"0102\"}             exit 0\n"
         "  malformed    {\"error\":{\"reason\":...,\"offset\":...,\"message\":...},\n"
         "                \"decoder\":...,\"partial\":{...records before the fault}}   exit 1\n"
         "With --stdin every line is printed, an error object also carries \"line\":N, and the\n"
         "exit code is 1 when any line failed. Usage errors exit 2.\n"
         "\n"
         "Decoders (src_ep:dst_ep name; any other pair prints raw_hex):\n" +
         decoders + "\n" + config::Settings::Usage(schema, "wm-decode");
}

absl::StatusOr<std::string> ParseHex(std::string_view text) {
  std::string bytes;
  for (absl::string_view group :
       absl::StrSplit(ToAbsl(text), absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty())) {
    absl::string_view digits = group;
    if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
      digits.remove_prefix(2);
    }
    if (digits.empty() || digits.size() % 2 != 0) {
      return absl::InvalidArgumentError("'" + std::string(group) +
                                        "' is not an even number of hex digits");
    }
    for (size_t i = 0; i < digits.size(); i += 2) {
      const int hi = HexValue(digits[i]), lo = HexValue(digits[i + 1]);
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError("'" + std::string(group) + "' is not hex");
      }
      bytes += static_cast<char>(hi << 4 | lo);
    }
  }
  return bytes;
}

DecodeLine DecodeToJson(const decoders::DecoderRegistry& registry, uint32_t source_endpoint,
                        uint32_t destination_endpoint, std::string_view payload) {
  const decoders::Decoder* decoder = registry.Find(source_endpoint, destination_endpoint);
  if (decoder == nullptr) return {"{\"raw_hex\":\"" + ToHex(payload) + "\"}", true};
  wm::v1::DecodedPayload decoded;
  const decoders::DecodeStatus error = decoder->decode(payload, &decoded);
  if (!error.has_value()) return {ToJson(decoded), true};
  std::string json = "{\"error\":" + ErrorJson(error->reason, error->offset, error->message) +
                     ",\"decoder\":\"" + std::string(decoder->name) + "\"";
  if (HasContent(decoded)) json += ",\"partial\":" + ToJson(decoded);
  json += "}";
  return {std::move(json), false};
}

int DecodeLines(const decoders::DecoderRegistry& registry, std::istream& in, std::ostream& out) {
  int failed = 0;
  int line_number = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_number;
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(text, absl::MaxSplits(absl::ByAnyChar(" \t"), 2), absl::SkipEmpty());
    uint32_t src = 0, dst = 0;
    std::string json;
    if (fields.size() < 2 || !ParseEndpoint(fields[0], &src) || !ParseEndpoint(fields[1], &dst)) {
      json = "{\"error\":" +
             ErrorJson("bad_line", 0, "expected 'src_ep dst_ep hex' with endpoints 0..255") + "}";
    } else {
      absl::StatusOr<std::string> payload =
          ParseHex(fields.size() > 2 ? std::string_view(fields[2].data(), fields[2].size())
                                     : std::string_view());
      if (!payload.ok()) {
        json =
            "{\"error\":" + ErrorJson("bad_hex", 0, std::string(payload.status().message())) + "}";
      } else {
        DecodeLine result = DecodeToJson(registry, src, dst, *payload);
        if (result.ok) {
          out << result.json << '\n';
          continue;
        }
        json = std::move(result.json);
      }
    }
    ++failed;
    out << WithLine(std::move(json), line_number) << '\n';
  }
  out.flush();
  return failed;
}

int RunDecode(const config::Settings& settings, std::istream& in, std::ostream& out,
              std::ostream& err) {
  decoders::DecoderRegistry registry = decoders::DecoderRegistry::WithBuiltins();
  if (absl::Status status = decoders::ApplyDecoderSettings(settings, &registry); !status.ok()) {
    err << "wm-decode: " << status.message() << '\n';
    return 2;
  }
  if (settings.GetBool("stdin")) {
    if (!settings.positional().empty()) {
      err << "wm-decode: --stdin takes no payload argument\n";
      return 2;
    }
    return DecodeLines(registry, in, out) == 0 ? 0 : 1;
  }
  if (!settings.IsSet("src_ep") || !settings.IsSet("dst_ep")) {
    err << "wm-decode: --src_ep and --dst_ep are required (or --stdin); see --help\n";
    return 2;
  }
  if (settings.positional().empty()) {
    err << "wm-decode: missing the hex payload; see --help\n";
    return 2;
  }
  absl::StatusOr<std::string> payload = ParseHex(absl::StrJoin(settings.positional(), " "));
  if (!payload.ok()) {
    out << "{\"error\":" << ErrorJson("bad_hex", 0, std::string(payload.status().message()))
        << "}\n";
    return 1;
  }
  DecodeLine result = DecodeToJson(registry, static_cast<uint32_t>(settings.GetInt("src_ep")),
                                   static_cast<uint32_t>(settings.GetInt("dst_ep")), *payload);
  out << result.json << '\n';
  out.flush();
  return result.ok ? 0 : 1;
}

}  // namespace wm::decode
