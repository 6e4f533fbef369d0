#pragma once

// Debian's abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is
// 0), so std::string_view does not convert to it implicitly: absl::StrCat, StrSplit, SimpleAtoi
// and friends need the explicit conversion spelled here once.

#include <string_view>

#include "absl/strings/string_view.h"

namespace wm {

inline absl::string_view ToAbsl(std::string_view text) { return {text.data(), text.size()}; }
inline std::string_view ToStd(absl::string_view text) { return {text.data(), text.size()}; }

}  // namespace wm
