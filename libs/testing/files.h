#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wm::testing {

// The directory a test may write to: $TEST_TMPDIR under `bazel test`, /tmp otherwise.
std::string TestTmpDir();

// Creates a new, empty directory under TestTmpDir() whose name starts with `prefix`,
// e.g. MakeTempDir("mosquitto") -> ".../mosquitto-Ab12Cd".
absl::StatusOr<std::string> MakeTempDir(std::string_view prefix);

// The path of a file in the test's runfiles, given its path from the workspace root, e.g.
// RunfilePath("libs/mqtt/will_client") for a `data` dependency of the test.
std::string RunfilePath(std::string_view workspace_path);

// Writes `contents` to `path`, replacing the file; `mode` is applied to a new file.
absl::Status WriteFile(const std::string& path, std::string_view contents, int mode = 0644);

// Reads a whole file.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace wm::testing
