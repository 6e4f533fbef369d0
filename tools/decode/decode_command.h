#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/config/settings.h"
#include "libs/decoders/registry.h"

namespace wm::decode {

// Declares the settings of wm-decode: src_ep, dst_ep, stdin, and the decoder settings
// (decoders_disabled, decoders_extra) that wm-ingest takes too.
void AddDecodeSettings(config::Schema& schema);

// The --help text: what wm-decode prints, then every setting.
std::string DecodeUsage(const config::Schema& schema);

// Parses a payload written in hex: pairs of hex digits, optionally split by whitespace into
// groups that may each start with "0x" ("0a0b", "0a 0b", "0x0a 0x0b", "0x0a0b"). InvalidArgument
// for anything else, e.g. an odd number of digits in a group.
absl::StatusOr<std::string> ParseHex(std::string_view text);

// One payload's result as one line of JSON (no newline), and whether it decoded.
struct DecodeLine {
  std::string json;
  bool ok = true;
};

// Decodes `payload` sent from `source_endpoint` to `destination_endpoint`:
//   decoded          the DecodedPayload as protobuf JSON with the proto field names and every
//                    field shown, e.g. {"node_diagnostics":{"access_cycle":2000,...}}
//   no decoder       {"raw_hex":"0a0b"} (ok)
//   malformed        {"error":{"reason":"truncated","offset":14,"message":"..."},
//                     "decoder":"neighbor_diagnostics","partial":{...}} (not ok); "partial" is
//                    what decoded before the fault (complete records), when there is any.
DecodeLine DecodeToJson(const decoders::DecoderRegistry& registry, uint32_t source_endpoint,
                        uint32_t destination_endpoint, std::string_view payload);

// Reads `src_ep dst_ep hex` lines from `in` and writes one JSON line per line to `out`, as
// DecodeToJson does; an error object also carries "line": N (1-based). Blank lines and lines
// starting with '#' are skipped. A line that is not `src_ep dst_ep [hex]` gives an error object
// with reason "bad_line" or "bad_hex". Returns the number of lines that failed.
int DecodeLines(const decoders::DecoderRegistry& registry, std::istream& in, std::ostream& out);

// Runs wm-decode with loaded settings; returns the exit code: 0 when everything decoded or
// passed through raw, 1 when a payload (or any --stdin line) failed, 2 for a usage error
// (written to `err`).
int RunDecode(const config::Settings& settings, std::istream& in, std::ostream& out,
              std::ostream& err);

}  // namespace wm::decode
