#include "tools/gw_cli/gateway_format.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "third_party/system/string_view_compat.h"
#include "tools/gw_cli/text_format.h"
#include "tools/gw_cli/value_parsing.h"

namespace wm::gw_cli {
namespace {

constexpr char kNotReported[] = "-";
constexpr int kSinkIndent = 2;

std::string FeatureName(wm::v1::GatewayFeature feature) {
  return ShortEnumName(wm::v1::GatewayFeature_Name(feature), "GATEWAY_FEATURE_", feature);
}

std::string Bytes(std::string_view bytes) {
  if (bytes.empty()) return "(0 bytes)";
  return absl::StrCat(HexBytes(bytes), " (", bytes.size(),
                      bytes.size() == 1 ? " byte)" : " bytes)");
}

// An app config as a sink reads it back: its data followed by zeros up to the sink's size
// (docs/reference-gateway.md). The zeros are counted, not spelled out.
std::string AppConfigBytes(std::string_view bytes) {
  const size_t end = bytes.find_last_not_of('\0');
  const size_t data = end == std::string_view::npos ? 0 : end + 1;
  if (data == bytes.size()) return Bytes(bytes);
  const size_t zeros = bytes.size() - data;
  const std::string padding = absl::StrCat(zeros, zeros == 1 ? " zero byte" : " zero bytes");
  if (data == 0) return absl::StrCat(padding, " (", bytes.size(), " bytes)");
  return absl::StrCat(HexBytes(bytes.substr(0, data)), " then ", padding, " (", bytes.size(),
                      " bytes)");
}

std::string Range(uint32_t min, uint32_t max, std::string_view unit) {
  return absl::StrCat(min, "..", max, ToAbsl(unit));
}

}  // namespace

std::string FormatNodeRole(const wm::v1::NodeRole& role) {
  uint32_t byte = role.dual_mcu_role();
  if (role.base() != wm::v1::BASE_ROLE_UNSPECIFIED) {
    byte = static_cast<uint32_t>(role.base()) | (role.low_latency() ? kRoleLowLatency : 0u) |
           (role.autorole() ? kRoleAutorole : 0u);
  }
  std::string name(BaseRoleName(byte & kRoleBaseMask));
  if (name.empty()) name = absl::StrCat("base ", byte & kRoleBaseMask);
  if ((byte & kRoleLowLatency) != 0) name += "+ll";
  if ((byte & kRoleAutorole) != 0) name += "+autorole";
  return absl::StrFormat("%s (0x%02x)", name, byte);
}

std::string FormatSinkConfig(const wm::v1::SinkConfig& c) {
  std::string out = absl::StrCat(c.sink_id().empty() ? "(no sink id)" : c.sink_id(), "\n");
  auto line = [&out](std::string_view label, bool reported, const std::string& value) {
    AppendField(out, kSinkIndent, label, reported ? value : kNotReported);
  };
  line("node address", c.has_node_address(), FormatAddress(c.node_address()));
  line("role", c.has_node_role(), FormatNodeRole(c.node_role()));
  line("network address", c.has_network_address(), FormatAddress(c.network_address()));
  line("network channel", c.has_network_channel(), absl::StrCat(c.network_channel()));
  if (c.has_channel_map()) line("channel map", true, absl::StrFormat("0x%08x", c.channel_map()));
  const wm::v1::AppConfig& app = c.app_config();
  line("app config diag", c.has_app_config(),
       app.diag_interval_s() == 0 ? "off" : absl::StrCat(app.diag_interval_s(), " s"));
  line("app config seq", c.has_app_config(), absl::StrCat(app.seq()));
  line("app config data", c.has_app_config(), AppConfigBytes(app.data()));
  line("app config max size", c.has_app_config_max_size(),
       absl::StrCat(c.app_config_max_size(), " bytes"));
  line("stack started", c.has_started(), YesNo(c.started()));
  line("stack profile", c.has_stack_profile(), absl::StrCat(c.stack_profile()));
  line("max MTU", c.has_max_mtu(), absl::StrCat(c.max_mtu(), " bytes"));
  line("channel range", c.has_channel_limits(),
       Range(c.channel_limits().min_channel(), c.channel_limits().max_channel(), ""));
  line("access cycle", c.has_current_ac_range(),
       Range(c.current_ac_range().min_ms(), c.current_ac_range().max_ms(), " ms"));
  line("access cycle limits", c.has_ac_limits(),
       Range(c.ac_limits().min_ms(), c.ac_limits().max_ms(), " ms"));
  line("hw magic", c.has_hw_magic(), absl::StrFormat("0x%x", c.hw_magic()));
  line("firmware", c.has_firmware_version(), FormatFirmwareVersion(c.firmware_version()));
  line("keys set", c.has_are_keys_set(), YesNo(c.are_keys_set()));
  // Reported by recent gateways only: shown when present.
  if (c.has_stored_scratchpad()) line("stored scratchpad", true, FormatStoredScratchpad(c));
  if (c.has_processed_scratchpad()) {
    line("processed scratchpad", true, FormatScratchpadInfo(c.processed_scratchpad()));
  }
  if (c.has_firmware_area_id()) {
    line("firmware area id", true, absl::StrFormat("0x%08x", c.firmware_area_id()));
  }
  if (c.has_target_and_action()) {
    line("otap target", true, FormatTargetAndAction(c.target_and_action()));
  }
  for (const wm::v1::ConfigurationDataItem& item : c.configuration_data_content()) {
    line(absl::StrCat("config item ", item.endpoint()), true, Bytes(item.payload()));
  }
  return out;
}

std::string FormatGatewayInfo(const wm::v1::GatewayInfo& info) {
  std::string out;
  AppendField(out, 0, "model", info.model().empty() ? kNotReported : info.model());
  AppendField(out, 0, "version", info.version().empty() ? kNotReported : info.version());
  AppendField(out, 0, "api version", absl::StrCat(info.implemented_api_version()));
  AppendField(out, 0, "max scratchpad size",
              info.has_max_scratchpad_size() && info.max_scratchpad_size() != 0
                  ? absl::StrCat(info.max_scratchpad_size(), " bytes per request")
                  : "no limit");
  std::vector<std::string> features;
  for (int feature : info.features()) {
    features.push_back(FeatureName(static_cast<wm::v1::GatewayFeature>(feature)));
  }
  AppendField(out, 0, "features", features.empty() ? "none" : absl::StrJoin(features, ", "));
  if (info.current_time_s_epoch() != 0) {
    const absl::Time time =
        absl::FromUnixSeconds(static_cast<int64_t>(info.current_time_s_epoch()));
    AppendField(out, 0, "gateway time",
                absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", time, absl::UTCTimeZone()));
  }
  return out;
}

std::string FormatScratchpadStatus(const wm::v1::GetScratchpadStatusResponse& s) {
  std::string out;
  auto row = [&out](std::string_view name, const wm::v1::ScratchpadInfo* info,
                    const std::string& status, const std::string& type) {
    std::string line =
        info == nullptr ? absl::StrFormat("%-22s%-5s %-15s %-7s %-8s %s", ToAbsl(name),
                                          kNotReported, kNotReported, kNotReported, status, type)
                        : absl::StrFormat("%-22s%-5u %-15u %-7s %-8s %s", ToAbsl(name), info->seq(),
                                          info->len(), FormatCrc(info->crc()), status, type);
    absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(line), "\n");
  };
  absl::StrAppendFormat(&out, "%-22s%-5s %-15s %-7s %-8s %s\n", "scratchpad", "seq",
                        "length (bytes)", "crc", "status", "type");
  row("stored", s.has_stored_scratchpad() ? &s.stored_scratchpad() : nullptr,
      s.stored_status() != wm::v1::SCRATCHPAD_STATUS_UNSPECIFIED
          ? ShortEnumName(wm::v1::ScratchpadStatus_Name(s.stored_status()), "SCRATCHPAD_STATUS_",
                          s.stored_status())
          : kNotReported,
      s.stored_type() != wm::v1::SCRATCHPAD_TYPE_UNSPECIFIED
          ? ShortEnumName(wm::v1::ScratchpadType_Name(s.stored_type()), "SCRATCHPAD_TYPE_",
                          s.stored_type())
          : kNotReported);
  row("processed", s.has_processed_scratchpad() ? &s.processed_scratchpad() : nullptr, "", "");
  AppendField(
      out, 0, "firmware area id",
      s.has_firmware_area_id() ? absl::StrFormat("0x%08x", s.firmware_area_id()) : kNotReported);
  AppendField(
      out, 0, "otap target",
      s.has_target_and_action() ? FormatTargetAndAction(s.target_and_action()) : kNotReported);
  return out;
}

std::string FormatUpload(const wm::v1::UploadScratchpadResponse& upload) {
  std::string out;
  AppendField(
      out, 0, "size",
      upload.size() == 0 ? "0 (stored scratchpad cleared)" : absl::StrCat(upload.size(), " bytes"));
  AppendField(out, 0, "chunk size",
              upload.chunk_size() == 0 ? "none (one request)"
                                       : absl::StrCat(upload.chunk_size(), " bytes"));
  AppendField(out, 0, "requests sent", absl::StrCat(upload.requests_sent()));
  return out;
}

std::string FormatConfigurationDataItem(const wm::v1::ConfigurationDataItem& item) {
  std::string out;
  AppendField(out, 0, "endpoint", absl::StrFormat("%u (0x%04x)", item.endpoint(), item.endpoint()));
  AppendField(out, 0, "payload", Bytes(item.payload()));
  return out;
}

std::string FormatAppConfigResult(const wm::v1::SetAppConfigResponse& response) {
  std::string out;
  AppendField(out, 0, "sequence used", absl::StrCat(response.seq()));
  if (!response.config().sink_id().empty()) out += FormatSinkConfig(response.config());
  return out;
}

std::string FormatClearGateway(const wm::v1::ClearGatewayStatusResponse& response) {
  std::string out;
  std::string state = ShortEnumName(wm::v1::GatewayState_Name(response.previous_state()),
                                    "GATEWAY_STATE_", response.previous_state());
  if (response.previous_state() == wm::v1::GATEWAY_STATE_UNSPECIFIED) {
    state = "unknown (no status seen)";
  }
  AppendField(out, 0, "previous state", state);
  return out;
}

}  // namespace wm::gw_cli
