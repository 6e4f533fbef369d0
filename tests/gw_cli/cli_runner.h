#pragma once

#include <google/protobuf/struct.pb.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/testing/subprocess.h"
#include "tools/gateway_sim/topology.h"

namespace wm::testing {

// Runs the real wm-gw-cli in the integration tests of tests/gw_cli and reads what it printed.
//
//   CliRun run = RunCli({"gateways", "--wm_registry=" + address, "--json"});
//   ASSERT_EQ(run.code, 0) << run.output;
//   for (const google::protobuf::Struct& gateway : run.JsonLines()) ...

// How long one run of the CLI may take.
inline constexpr absl::Duration kCliTimeout = absl::Seconds(30);

// What one run of wm-gw-cli did. Its stdout and stderr are interleaved in `output`; the CLI's
// own messages start with "wm-gw-cli:".
struct CliRun {
  int code = -1;
  std::string output;

  // The lines of the output that are results (not the CLI's messages).
  std::vector<std::string> ResultLines() const;
  // Result lines without the table header (the first line).
  std::vector<std::string> Rows() const;
  // Every result line parsed as a JSON object (a test failure for a line that is not one).
  std::vector<google::protobuf::Struct> JsonLines() const;
};

// Starts wm-gw-cli with `args`, the command first; nullptr (and a test failure) when it
// cannot start.
std::unique_ptr<Subprocess> StartCli(const std::vector<std::string>& args);

// Waits for a started CLI to exit by itself; code -1 (and a test failure) when it does not
// within `timeout`.
CliRun FinishCli(Subprocess& cli, absl::Duration timeout = kCliTimeout);

// Runs wm-gw-cli with `args` to its exit.
CliRun RunCli(const std::vector<std::string>& args, absl::Duration timeout = kCliTimeout);

// The non-empty lines of `output`.
std::vector<std::string> Lines(const std::string& output);

// The lines of `output` that start with `prefix`: e.g. "{" for JSON, "#" for events.
std::vector<std::string> LinesStartingWith(const std::string& output, const std::string& prefix);

// Whether `output` has this line exactly.
bool HasLine(const std::string& output, const std::string& line);

// One value of a JSON object parsed into a Struct; null when absent.
const google::protobuf::Value& Field(const google::protobuf::Struct& object,
                                     const std::string& name);

// A simulated firmware version as wm-gw-cli prints it: "5.4.0.57".
std::string FirmwareText(const gateway_sim::StackVersion& version);

}  // namespace wm::testing
