#include "tools/gw_cli/text_format.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "third_party/system/string_view_compat.h"

namespace wm::gw_cli {
namespace {

// Width of the labels of the detail views.
constexpr int kLabelWidth = 22;

}  // namespace

std::string HexBytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) absl::StrAppendFormat(&out, "%02x", static_cast<uint8_t>(c));
  return out;
}

std::string FormatAddress(uint64_t address) {
  return absl::StrFormat("%u (0x%06x)", address, address);
}

std::string FormatCrc(uint32_t crc) { return absl::StrFormat("0x%04x", crc); }

std::string FormatFirmwareVersion(uint32_t major, uint32_t minor, uint32_t maint, uint32_t dev) {
  return absl::StrCat(major, ".", minor, ".", maint, ".", dev);
}

std::string FormatFirmwareVersion(const wm::v1::FirmwareVersion& version) {
  return FormatFirmwareVersion(version.major(), version.minor(), version.maint(), version.dev());
}

std::string YesNo(bool value) { return value ? "yes" : "no"; }

std::string ShortEnumName(const std::string& full_name, std::string_view prefix, int value) {
  if (full_name.empty()) return absl::StrCat(value);
  if (full_name.rfind(prefix, 0) == 0) return full_name.substr(prefix.size());
  return full_name;
}

std::string GatewayStateName(wm::v1::GatewayState state) {
  switch (state) {
    case wm::v1::GATEWAY_STATE_ONLINE:
      return "ONLINE";
    case wm::v1::GATEWAY_STATE_OFFLINE:
      return "OFFLINE";
    case wm::v1::GATEWAY_STATE_REMOVED:
      return "REMOVED";
    case wm::v1::GATEWAY_STATE_UNSPECIFIED:
      return "NO_STATUS";
    default:
      return absl::StrCat("STATE_", static_cast<int>(state));
  }
}

std::string FormatScratchpadInfo(const wm::v1::ScratchpadInfo& info) {
  return absl::StrCat("seq ", info.seq(), ", ", info.len(), " bytes, crc ", FormatCrc(info.crc()));
}

std::string FormatStoredScratchpad(const wm::v1::SinkConfig& config) {
  std::string text = FormatScratchpadInfo(config.stored_scratchpad());
  if (config.has_stored_status()) {
    absl::StrAppend(&text, ", ",
                    ShortEnumName(wm::v1::ScratchpadStatus_Name(config.stored_status()),
                                  "SCRATCHPAD_STATUS_", config.stored_status()));
  }
  if (config.has_stored_type()) {
    absl::StrAppend(&text, ", ",
                    ShortEnumName(wm::v1::ScratchpadType_Name(config.stored_type()),
                                  "SCRATCHPAD_TYPE_", config.stored_type()));
  }
  return text;
}

std::string FormatTargetAndAction(const wm::v1::TargetScratchpadAndAction& target) {
  std::string out = ShortEnumName(wm::v1::ScratchpadAction_Name(target.action()),
                                  "SCRATCHPAD_ACTION_", target.action());
  if (target.has_target_sequence()) absl::StrAppend(&out, ", seq ", target.target_sequence());
  if (target.has_target_crc()) absl::StrAppend(&out, ", crc ", FormatCrc(target.target_crc()));
  switch (target.param_case()) {
    case wm::v1::TargetScratchpadAndAction::kDelay:
      absl::StrAppend(&out, ", delay ",
                      ShortEnumName(wm::v1::ProcessingDelay_Name(target.delay()),
                                    "PROCESSING_DELAY_", target.delay()));
      break;
    case wm::v1::TargetScratchpadAndAction::kRaw:
      absl::StrAppend(&out, ", param ", absl::StrFormat("0x%02x", target.raw()));
      break;
    case wm::v1::TargetScratchpadAndAction::PARAM_NOT_SET:
      break;
  }
  return out;
}

void AppendField(std::string& out, int indent, std::string_view label, std::string_view value) {
  absl::StrAppendFormat(&out, "%*s%-*s%s\n", indent, "", kLabelWidth, ToAbsl(label), ToAbsl(value));
}

TextTable::TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(rows_[0].size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render() const {
  std::vector<size_t> widths(rows_[0].size(), 0);
  for (const std::vector<std::string>& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const std::vector<std::string>& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size(), ' ');
    }
    absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(line), "\n");
  }
  return out;
}

}  // namespace wm::gw_cli
