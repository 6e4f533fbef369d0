#pragma once

namespace wm::observability {

// The version every binary reports in wm_build_info and --help. A constant for now; release
// builds will stamp it.
inline constexpr char kVersion[] = "0.1.0-dev";

}  // namespace wm::observability
