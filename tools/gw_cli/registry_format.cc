#include "tools/gw_cli/registry_format.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "third_party/system/string_view_compat.h"
#include "tools/gw_cli/text_format.h"
#include "tools/gw_cli/value_parsing.h"

namespace wm::gw_cli {
namespace {

constexpr char kAbsent[] = "-";

// The clock time of day (UTC) of a change: "10:01:02.345".
std::string ClockTime(uint64_t ms_epoch) {
  return absl::FormatTime("%H:%M:%E3S", absl::FromUnixMillis(static_cast<int64_t>(ms_epoch)),
                          absl::UTCTimeZone());
}

// "12s", "5m", "3h", "2d" for a non-negative duration.
std::string ShortDuration(absl::Duration d) {
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < 120) return absl::StrCat(seconds, "s");
  if (seconds < 120 * 60) return absl::StrCat(seconds / 60, "m");
  if (seconds < 48 * 3600) return absl::StrCat(seconds / 3600, "h");
  return absl::StrCat(seconds / 86400, "d");
}

std::string AppConfigText(const wm::v1::AppConfig& app) {
  return absl::StrFormat("seq %u, diag %u s, %u bytes: %s", app.seq(), app.diag_interval_s(),
                         app.data().size(), HexBytes(app.data()));
}

void AppendSinkDetail(std::string& out, const wm::v1::Sink& sink, absl::Time now) {
  const wm::v1::SinkConfig& c = sink.config();
  absl::StrAppend(&out, "\nsink ", sink.gateway_id(), "/", sink.sink_id(), "\n");
  auto field = [&out](std::string_view label, std::string_view value) {
    AppendField(out, 2, label, value);
  };
  field("node address", c.has_node_address() ? FormatAddress(c.node_address()) : kAbsent);
  field("network address", c.has_network_address() ? FormatAddress(c.network_address()) : kAbsent);
  field("channel", c.has_network_channel() ? absl::StrCat(c.network_channel()) : kAbsent);
  field("role", c.has_node_role() ? RoleName(c.node_role()) : kAbsent);
  field("stack started", c.has_started() ? YesNo(c.started()) : kAbsent);
  field("app config", c.has_app_config() ? AppConfigText(c.app_config()) : kAbsent);
  if (c.has_app_config_max_size()) {
    field("app config max", absl::StrCat(c.app_config_max_size(), " bytes"));
  }
  field("firmware",
        c.has_firmware_version() ? FormatFirmwareVersion(c.firmware_version()) : kAbsent);
  if (c.has_current_ac_range()) {
    field("access cycle", absl::StrFormat("%u..%u ms", c.current_ac_range().min_ms(),
                                          c.current_ac_range().max_ms()));
  }
  if (c.has_ac_limits()) {
    field("access cycle limits",
          absl::StrFormat("%u..%u ms", c.ac_limits().min_ms(), c.ac_limits().max_ms()));
  }
  if (c.has_channel_limits()) {
    field("channel limits", absl::StrFormat("%u..%u", c.channel_limits().min_channel(),
                                            c.channel_limits().max_channel()));
  }
  if (c.has_channel_map()) field("channel map", absl::StrFormat("0x%08x", c.channel_map()));
  if (c.has_max_mtu()) field("max mtu", absl::StrCat(c.max_mtu(), " bytes"));
  if (c.has_are_keys_set()) field("keys set", YesNo(c.are_keys_set()));
  if (c.has_stack_profile()) field("stack profile", absl::StrCat(c.stack_profile()));
  if (c.has_hw_magic()) field("hw magic", absl::StrFormat("0x%x", c.hw_magic()));
  if (c.has_stored_scratchpad()) field("stored scratchpad", FormatStoredScratchpad(c));
  if (c.has_processed_scratchpad()) {
    field("processed scratchpad", FormatScratchpadInfo(c.processed_scratchpad()));
  }
  if (c.has_firmware_area_id()) {
    field("firmware area id", absl::StrFormat("0x%08x", c.firmware_area_id()));
  }
  if (c.has_target_and_action()) {
    field("target and action", FormatTargetAndAction(c.target_and_action()));
  }
  for (const wm::v1::ConfigurationDataItem& item : c.configuration_data_content()) {
    field(absl::StrCat("config data ep ", item.endpoint()),
          absl::StrCat(item.payload().size(), " bytes: ", HexBytes(item.payload())));
  }
  field("nodes heard", absl::StrCat(sink.node_count()));
  field("reported", FormatSeen(sink.reported_ms_epoch(), now));
}

std::string Optional(bool present, std::string value) {
  return present ? std::move(value) : std::string(kAbsent);
}

std::string ChangeKindName(wm::v1::ChangeKind kind) {
  switch (kind) {
    case wm::v1::CHANGE_KIND_ADDED:
      return "added";
    case wm::v1::CHANGE_KIND_UPDATED:
      return "updated";
    case wm::v1::CHANGE_KIND_REMOVED:
      return "removed";
    case wm::v1::CHANGE_KIND_STALE:
      return "stale";
    case wm::v1::CHANGE_KIND_GAP:
      return "gap";
    default:
      return absl::StrCat("kind", static_cast<int>(kind));
  }
}

std::string GatewaySummary(const wm::v1::Gateway& g) {
  std::string line = absl::StrCat(g.id(), " ", GatewayStateName(g.state()));
  if (!g.model().empty()) absl::StrAppend(&line, " model=", g.model());
  if (!g.version().empty()) absl::StrAppend(&line, " version=", g.version());
  absl::StrAppend(&line, " sinks=", g.sink_ids().empty() ? "-" : absl::StrJoin(g.sink_ids(), ","));
  return line;
}

std::string SinkSummary(const wm::v1::Sink& s) {
  const wm::v1::SinkConfig& c = s.config();
  std::string line = absl::StrCat(s.gateway_id(), "/", s.sink_id());
  if (c.has_node_address()) absl::StrAppend(&line, " node=", c.node_address());
  if (c.has_network_address()) {
    absl::StrAppend(&line,
                    absl::StrFormat(" net=%u(0x%06x)", c.network_address(), c.network_address()));
  }
  if (c.has_network_channel()) absl::StrAppend(&line, " ch=", c.network_channel());
  if (c.has_node_role()) absl::StrAppend(&line, " role=", RoleName(c.node_role()));
  if (c.has_started()) absl::StrAppend(&line, " started=", YesNo(c.started()));
  if (c.has_app_config()) {
    absl::StrAppend(&line, " app_seq=", c.app_config().seq(),
                    " diag=", c.app_config().diag_interval_s(), "s");
  }
  if (c.has_firmware_version())
    absl::StrAppend(&line, " fw=", FormatFirmwareVersion(c.firmware_version()));
  return line;
}

std::string NodeSummary(const wm::v1::Node& n) {
  std::string line = absl::StrCat(n.network_address(), "/", n.address());
  if (!n.gateway_id().empty()) absl::StrAppend(&line, " via ", n.gateway_id(), "/", n.sink_id());
  absl::StrAppend(&line, " hops=", n.hop_count());
  if (n.has_role()) absl::StrAppend(&line, " role=", RoleName(n.role()));
  if (n.has_voltage_mv()) absl::StrAppend(&line, " voltage=", n.voltage_mv(), "mV");
  if (n.has_firmware_version())
    absl::StrAppend(&line, " fw=", FormatFirmwareVersion(n.firmware_version()));
  if (n.has_boot_count()) absl::StrAppend(&line, " boots=", n.boot_count());
  if (n.has_scratchpad_sequence()) absl::StrAppend(&line, " scratchpad=", n.scratchpad_sequence());
  if (n.stale()) absl::StrAppend(&line, " stale");
  return line;
}

}  // namespace

std::string FormatUtc(uint64_t ms_epoch) {
  if (ms_epoch == 0) return "never";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                          absl::FromUnixMillis(static_cast<int64_t>(ms_epoch)),
                          absl::UTCTimeZone());
}

std::string FormatAge(uint64_t ms_epoch, absl::Time now) {
  if (ms_epoch == 0) return "never";
  const absl::Duration age = now - absl::FromUnixMillis(static_cast<int64_t>(ms_epoch));
  // Within a second either way is "now": the backend's and this host's clocks differ a little.
  if (age <= -absl::Seconds(1)) return "in " + ShortDuration(-age);
  return ShortDuration(std::max(age, absl::ZeroDuration())) + " ago";
}

std::string FormatSeen(uint64_t ms_epoch, absl::Time now) {
  if (ms_epoch == 0) return "never";
  return absl::StrCat(FormatAge(ms_epoch, now), " (", FormatUtc(ms_epoch), ")");
}

std::string FeatureNames(const google::protobuf::RepeatedField<int>& features) {
  std::vector<std::string> names;
  for (int feature : features) {
    names.push_back(wm::v1::GatewayFeature_IsValid(feature)
                        ? ShortEnumName(wm::v1::GatewayFeature_Name(
                                            static_cast<wm::v1::GatewayFeature>(feature)),
                                        "GATEWAY_FEATURE_", feature)
                        : absl::StrCat("FEATURE_", feature));
  }
  return names.empty() ? std::string(kAbsent) : absl::StrJoin(names, ",");
}

std::string RoleName(const wm::v1::NodeRole& role) {
  std::string name(BaseRoleName(static_cast<uint32_t>(role.base())));
  if (name.empty()) name = "unspecified";
  if (role.low_latency()) name += ",ll";
  if (role.autorole()) name += ",auto";
  return name;
}

std::string FormatGatewaysTable(std::vector<wm::v1::Gateway> gateways, absl::Time now) {
  std::sort(gateways.begin(), gateways.end(),
            [](const wm::v1::Gateway& a, const wm::v1::Gateway& b) { return a.id() < b.id(); });
  TextTable table({"GATEWAY", "STATE", "MODEL", "VERSION", "SINKS", "LAST SEEN", "FEATURES"});
  for (const wm::v1::Gateway& g : gateways) {
    table.AddRow({g.id(), GatewayStateName(g.state()), g.model().empty() ? kAbsent : g.model(),
                  g.version().empty() ? kAbsent : g.version(), absl::StrCat(g.sink_ids_size()),
                  FormatSeen(g.last_seen_ms_epoch(), now), FeatureNames(g.features())});
  }
  return table.Render();
}

std::string FormatGatewayDetail(const wm::v1::Gateway& g, const std::vector<wm::v1::Sink>& sinks,
                                absl::Time now) {
  std::string out;
  auto field = [&out](std::string_view label, std::string_view value) {
    AppendField(out, 0, label, value);
  };
  field("gateway", g.id());
  std::string state = GatewayStateName(g.state());
  if (g.state_since_ms_epoch() != 0) {
    absl::StrAppend(&state, " since ", FormatSeen(g.state_since_ms_epoch(), now));
  }
  field("state", state);
  field("model", g.model().empty() ? kAbsent : g.model());
  field("version", g.version().empty() ? kAbsent : g.version());
  field("features", FeatureNames(g.features()));
  field("max scratchpad", g.has_max_scratchpad_size()
                              ? absl::StrCat(g.max_scratchpad_size(), " bytes")
                              : "not advertised (whole scratchpads at once)");
  field("last seen", FormatSeen(g.last_seen_ms_epoch(), now));
  field("sinks", g.sink_ids().empty()
                     ? "none"
                     : absl::StrCat(g.sink_ids_size(), ": ", absl::StrJoin(g.sink_ids(), ", ")));
  for (const wm::v1::Sink& sink : sinks) AppendSinkDetail(out, sink, now);
  return out;
}

std::string FormatSinksTable(const std::vector<wm::v1::Sink>& sinks) {
  TextTable table({"GATEWAY", "SINK", "NODE ADDRESS", "NETWORK", "CHANNEL", "ROLE", "STARTED",
                   "APP SEQ", "DIAG(s)", "NODES"});
  for (const wm::v1::Sink& s : sinks) {
    const wm::v1::SinkConfig& c = s.config();
    table.AddRow({s.gateway_id(), s.sink_id(),
                  Optional(c.has_node_address(), absl::StrCat(c.node_address())),
                  Optional(c.has_network_address(), FormatAddress(c.network_address())),
                  Optional(c.has_network_channel(), absl::StrCat(c.network_channel())),
                  Optional(c.has_node_role(), RoleName(c.node_role())),
                  Optional(c.has_started(), YesNo(c.started())),
                  Optional(c.has_app_config(), absl::StrCat(c.app_config().seq())),
                  Optional(c.has_app_config(), absl::StrCat(c.app_config().diag_interval_s())),
                  absl::StrCat(s.node_count())});
  }
  return table.Render();
}

std::string FormatNetworksTable(const std::vector<wm::v1::Network>& networks) {
  TextTable table({"NETWORK", "GATEWAYS", "SINKS", "NODES", "STALE"});
  for (const wm::v1::Network& n : networks) {
    table.AddRow({FormatAddress(n.address()), absl::StrCat(n.gateway_count()),
                  absl::StrCat(n.sink_count()), absl::StrCat(n.node_count()),
                  absl::StrCat(n.stale_node_count())});
  }
  return table.Render();
}

std::string FormatNodesTable(const std::vector<wm::v1::Node>& nodes, absl::Time now) {
  TextTable table({"NODE", "NETWORK", "VIA", "LAST SEEN", "PACKETS", "HOPS", "TRAVEL(ms)", "ROLE",
                   "VOLTAGE(mV)", "FIRMWARE", "BOOTS", "SCRATCHPAD", "STALE"});
  for (const wm::v1::Node& n : nodes) {
    table.AddRow({absl::StrCat(n.address()), absl::StrCat(n.network_address()),
                  n.gateway_id().empty() ? kAbsent : absl::StrCat(n.gateway_id(), "/", n.sink_id()),
                  FormatAge(n.last_seen_ms_epoch(), now), absl::StrCat(n.packets()),
                  absl::StrCat(n.hop_count()), absl::StrCat(n.travel_time_ms()),
                  Optional(n.has_role(), RoleName(n.role())),
                  Optional(n.has_voltage_mv(), absl::StrCat(n.voltage_mv())),
                  Optional(n.has_firmware_version(), FormatFirmwareVersion(n.firmware_version())),
                  Optional(n.has_boot_count(), absl::StrCat(n.boot_count())),
                  Optional(n.has_scratchpad_sequence(), absl::StrCat(n.scratchpad_sequence())),
                  YesNo(n.stale())});
  }
  return table.Render();
}

std::string FormatNodesFooter(uint64_t nodes, uint64_t stale, bool truncated, uint64_t limit) {
  std::string footer = absl::StrCat(nodes, nodes == 1 ? " node" : " nodes", " (", stale, " stale)");
  if (truncated) absl::StrAppend(&footer, ", more not listed (--limit=", limit, ")");
  return footer;
}

std::string FormatNodeDetail(const wm::v1::Node& n, absl::Time now) {
  constexpr char kNotReported[] = "not reported";
  std::string out;
  auto field = [&out](std::string_view label, std::string_view value) {
    AppendField(out, 0, label, value);
  };
  field("node", FormatAddress(n.address()));
  field("network", FormatAddress(n.network_address()));
  field("heard through",
        n.gateway_id().empty() ? kAbsent : absl::StrCat(n.gateway_id(), "/", n.sink_id()));
  field("first seen", FormatSeen(n.first_seen_ms_epoch(), now));
  field("last seen", FormatSeen(n.last_seen_ms_epoch(), now));
  field("packets", absl::StrCat(n.packets()));
  field("hop count", absl::StrCat(n.hop_count()));
  field("travel time", absl::StrCat(n.travel_time_ms(), " ms"));
  field("stale", YesNo(n.stale()));
  field("role", n.has_role() ? absl::StrFormat("%s (dual-MCU role 0x%02x)", RoleName(n.role()),
                                               n.role().dual_mcu_role())
                             : kNotReported);
  field("voltage", n.has_voltage_mv() ? absl::StrCat(n.voltage_mv(), " mV") : kNotReported);
  field("firmware",
        n.has_firmware_version() ? FormatFirmwareVersion(n.firmware_version()) : kNotReported);
  field("boot count", n.has_boot_count() ? absl::StrCat(n.boot_count()) : kNotReported);
  field("scratchpad seq",
        n.has_scratchpad_sequence() ? absl::StrCat(n.scratchpad_sequence()) : kNotReported);
  return out;
}

std::string FormatChangeLine(const wm::v1::RegistryChange& change) {
  const std::string time = change.time_ms_epoch() != 0 ? ClockTime(change.time_ms_epoch()) : "-";
  if (change.kind() == wm::v1::CHANGE_KIND_GAP) {
    if (change.count_unknown()) {
      return absl::StrCat(time,
                          " gap: changes lost (how many is unknown: wm-registry restarted since "
                          "the position), list again to resynchronise");
    }
    if (change.gap_cause() == wm::v1::CHANGE_GAP_CAUSE_POSITION_TOO_OLD) {
      return absl::StrCat(time, " gap: ", change.dropped(),
                          " changes lost (older than wm-registry's change log), list again to "
                          "resynchronise");
    }
    return absl::StrCat(time, " gap: ", change.dropped(),
                        " changes lost, list again to resynchronise");
  }
  std::string entity;
  std::string summary;
  switch (change.entity_case()) {
    case wm::v1::RegistryChange::kGateway:
      entity = "gateway";
      summary = GatewaySummary(change.gateway());
      break;
    case wm::v1::RegistryChange::kSink:
      entity = "sink";
      summary = SinkSummary(change.sink());
      break;
    case wm::v1::RegistryChange::kNode:
      entity = "node";
      summary = NodeSummary(change.node());
      break;
    default:
      entity = "-";
      break;
  }
  return absl::StrFormat("%s #%u %-7s %-7s %s", time, change.sequence(),
                         ChangeKindName(change.kind()), entity, summary);
}

absl::StatusOr<std::vector<wm::v1::ChangeEntity>> ParseChangeEntities(std::string_view text) {
  std::vector<wm::v1::ChangeEntity> entities;
  for (absl::string_view item : absl::StrSplit(ToAbsl(text), ',', absl::SkipWhitespace())) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(item));
    if (absl::EndsWith(name, "s")) name.pop_back();
    wm::v1::ChangeEntity entity;
    if (name == "gateway") {
      entity = wm::v1::CHANGE_ENTITY_GATEWAY;
    } else if (name == "sink") {
      entity = wm::v1::CHANGE_ENTITY_SINK;
    } else if (name == "node") {
      entity = wm::v1::CHANGE_ENTITY_NODE;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "entities: '", absl::StripAsciiWhitespace(item), "' is not one of gateway, sink, node"));
    }
    if (std::find(entities.begin(), entities.end(), entity) == entities.end()) {
      entities.push_back(entity);
    }
  }
  return entities;
}

}  // namespace wm::gw_cli
