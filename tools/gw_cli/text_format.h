#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protos/wm/v1/gateway.pb.h"

namespace wm::gw_cli {

// The pieces of text that every family of wm-gw-cli commands prints the same way: bytes,
// addresses, CRCs, firmware versions, enum names, the "label  value" lines of detail views and
// aligned tables.

// Bytes as lower-case hex, two digits per byte, no separator: "f67e01"; "" for no bytes.
std::string HexBytes(std::string_view bytes);

// A node or network address in decimal and hex (at least six digits): "1193046 (0x123456)",
// "4660 (0x001234)".
std::string FormatAddress(uint64_t address);

// A scratchpad CRC: "0x1a2b".
std::string FormatCrc(uint32_t crc);

// A firmware version, major first: "5.4.0.57".
std::string FormatFirmwareVersion(uint32_t major, uint32_t minor, uint32_t maint, uint32_t dev);
std::string FormatFirmwareVersion(const wm::v1::FirmwareVersion& version);

// "yes" or "no".
std::string YesNo(bool value);

// An enum value's name without its type's prefix, e.g.
//   ShortEnumName(ScratchpadStatus_Name(status), "SCRATCHPAD_STATUS_", status) -> "NEW";
// the number when this build does not know the value (its name is empty).
std::string ShortEnumName(const std::string& full_name, std::string_view prefix, int value);

// "ONLINE", "OFFLINE", "REMOVED", or "NO_STATUS" when no status was heard from the gateway.
std::string GatewayStateName(wm::v1::GatewayState state);

// A scratchpad's sequence, size and CRC: "seq 12, 180224 bytes, crc 0x3a5c".
std::string FormatScratchpadInfo(const wm::v1::ScratchpadInfo& info);

// A sink's stored scratchpad with its status and type when reported:
// "seq 21, 5000 bytes, crc 0x1a2b, NEW, PRESENT".
std::string FormatStoredScratchpad(const wm::v1::SinkConfig& config);

// A scratchpad target and action, e.g.
// "PROPAGATE_AND_PROCESS_WITH_DELAY, seq 12, crc 0x1a2b, delay SIX_HOURS" or
// "PROPAGATE_AND_PROCESS, param 0x4a".
std::string FormatTargetAndAction(const wm::v1::TargetScratchpadAndAction& target);

// Appends one line of a detail view: `indent` spaces, the label padded to 22 columns, the value.
//   AppendField(out, 2, "node address", "4660 (0x001234)");
//   // "  node address          4660 (0x001234)\n"
void AppendField(std::string& out, int indent, std::string_view label, std::string_view value);

// Columns of text separated by two spaces, each as wide as its widest cell; the last column is
// not padded. The header row is upper case by convention and carries the units, e.g.
//   TextTable table({"GATEWAY", "STATE", "SINKS"});
//   table.AddRow({"sim-gw-1", "ONLINE", "2"});
//   out << table.Render();
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);

  // Adds a row; missing cells are empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size() - 1; }
  // The header and every row, one line each, each ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
};

}  // namespace wm::gw_cli
