#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/config/settings.h"
#include "protos/wm/v1/gateway.pb.h"

namespace wm::gw_cli {

// Parsers for the values wm-gw-cli takes in flags. Each takes the flag's key and its text and
// returns InvalidArgument starting with the key when the text is not acceptable, e.g.
//   ParseUnsigned("hop_limit", "16", 0, 15) -> "hop_limit: 16 is out of range 0..15"

// The dual-MCU role byte of gateway.proto's NodeRole: the base role in the low nibble, flags
// above it.
inline constexpr uint32_t kRoleBaseMask = 0x0F;
inline constexpr uint32_t kRoleLowLatency = 0x10;
inline constexpr uint32_t kRoleAutorole = 0x80;

// Bytes written as hex, two digits per byte, optionally prefixed with "0x" and with ':' or
// ' ' between bytes: "f67e01", "0xF67E01", "f6:7e:01". An empty text is no bytes.
absl::StatusOr<std::string> ParseHexBytes(std::string_view key, std::string_view text);

// An unsigned integer, decimal or "0x" hex (digits only, surrounding spaces ignored), within
// [min, max].
absl::StatusOr<uint64_t> ParseUnsigned(std::string_view key, std::string_view text, uint64_t min,
                                       uint64_t max);

// The address of one node: decimal or "0x" hex, 1..0xFFFFFFFE (0 means "any sink" and
// 0xFFFFFFFF is broadcast: neither is a node).
absl::StatusOr<uint32_t> ParseNodeAddress(std::string_view key, std::string_view text);

// A node address for a downlink: decimal, "0x" hex, or "broadcast" (0xFFFFFFFF).
absl::StatusOr<uint32_t> ParseDestinationAddress(std::string_view key, std::string_view text);

// The name wm-gw-cli prints and parses for a base role (the low nibble of the role byte):
// "sink", "router" or "non_router" (the gateway API's NON_ROUTER); empty for any other value.
std::string_view BaseRoleName(uint32_t base);

// A node role: "sink", "router" or "non_router" (also "non-router", "nonrouter"), each with
// optional "+ll" (low latency) and "+autorole" suffixes, e.g. "sink+ll", "router+autorole";
// or the dual-MCU role byte as a number (base | 0x10 low latency | 0x80 autorole), e.g. 0x83.
// The base must be sink, router or non_router, as wm.v1.SinkConfigChange requires.
absl::StatusOr<wm::v1::NodeRole> ParseNodeRole(std::string_view key, std::string_view text);

// A scratchpad action: no_otap, propagate_only, propagate_and_process,
// propagate_and_process_with_delay, legacy_otap (any case, with or without the
// "SCRATCHPAD_ACTION_" prefix), or its wire number 1..5.
absl::StatusOr<wm::v1::ScratchpadAction> ParseScratchpadAction(std::string_view key,
                                                               std::string_view text);

// The param of a scratchpad target: a processing delay (10m, 30m, 1h, 6h, 1d, 2d, 5d, or the
// ProcessingDelay names such as six_hours) sets `delay`; a number 0..255 sets `raw`, the byte
// the sink takes as it is.
absl::Status ParseScratchpadParam(std::string_view key, std::string_view text,
                                  wm::v1::TargetScratchpadAndAction& target);

// Reading flags from the settings, with the parsers above.

// A flag's text when it was given (an empty value counts), nullopt otherwise.
std::optional<std::string> Given(const config::Settings& settings, std::string_view key);

// The error of a required flag that was not given: "<key>: required (--<key>=<example>)".
absl::Status Required(std::string_view key, std::string_view example);

// An unsigned flag within [min, max] (ParseUnsigned); nullopt when not given.
absl::StatusOr<std::optional<uint64_t>> OptionalUnsigned(const config::Settings& settings,
                                                         std::string_view key, uint64_t min,
                                                         uint64_t max);

// An unsigned flag within [min, max] that must be given.
absl::StatusOr<uint64_t> RequiredUnsigned(const config::Settings& settings, std::string_view key,
                                          uint64_t min, uint64_t max);

}  // namespace wm::gw_cli
