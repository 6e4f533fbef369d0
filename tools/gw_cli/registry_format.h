#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "protos/wm/v1/registry.pb.h"

namespace wm::gw_cli {

// Text of the wm-registry subcommands (gateways, gateway, sinks, networks, nodes, node, watch)
// and the parsing of the `entities` of watch. Every function is pure: `now` is passed in so
// that ages ("3s ago") are reproducible. The pieces shared with the other command families
// (addresses, hex, tables, field lines) come from text_format.h.

// "2024-05-01T10:01:02.345Z" for a time in milliseconds since the epoch; "never" for 0.
std::string FormatUtc(uint64_t ms_epoch);

// How long before `now` `ms_epoch` was: "0s ago", "42s ago", "5m ago", "3h ago", "2d ago"
// (seconds below 2 minutes, minutes below 2 hours, hours below 2 days); "in 3s" for a time
// ahead of `now` (clocks apart); "never" for 0.
std::string FormatAge(uint64_t ms_epoch, absl::Time now);

// "3s ago (2024-05-01T10:01:02.345Z)", or "never" for 0.
std::string FormatSeen(uint64_t ms_epoch, absl::Time now);

// Feature names without their enum prefix, comma-separated: "SCRATCHPAD_CHUNK_V1,..."; "-"
// when none.
std::string FeatureNames(const google::protobuf::RepeatedField<int>& features);

// "sink", "router", "non_router" or "unspecified", with ",ll" for low latency and ",auto" for
// autorole: "router,auto".
std::string RoleName(const wm::v1::NodeRole& role);

// The `gateways` table: one row per gateway, sorted by id.
std::string FormatGatewaysTable(std::vector<wm::v1::Gateway> gateways, absl::Time now);

// The `gateway` detail: every field of the gateway, then each of its sinks' configuration.
std::string FormatGatewayDetail(const wm::v1::Gateway& gateway,
                                const std::vector<wm::v1::Sink>& sinks, absl::Time now);

// The `sinks` table: one row per sink, in the order given.
std::string FormatSinksTable(const std::vector<wm::v1::Sink>& sinks);

// The `networks` table: one row per network, in the order given.
std::string FormatNetworksTable(const std::vector<wm::v1::Network>& networks);

// The `nodes` table: one row per node, in the order given.
std::string FormatNodesTable(const std::vector<wm::v1::Node>& nodes, absl::Time now);

// The line after the `nodes` table: "12 nodes (3 stale)", and ", more not listed (--limit=N)"
// when the listing stopped at the limit before its last page.
std::string FormatNodesFooter(uint64_t nodes, uint64_t stale, bool truncated, uint64_t limit);

// The `node` detail: every field of the node.
std::string FormatNodeDetail(const wm::v1::Node& node, absl::Time now);

// One line per change of `watch`, e.g.
//   10:01:02.345 #17 updated gateway sim-gw-1 OFFLINE model=wm-gateway-sim version=1.6.0
//   10:01:03.001 #18 added   node    1193046/4660 via sim-gw-1/sink0 hops=2
//   10:01:04.000 gap: 42 changes lost, list again to resynchronise
std::string FormatChangeLine(const wm::v1::RegistryChange& change);

// Reads the `entities` of watch: a comma-separated list of gateway, sink, node (plurals and
// any case accepted); empty means all. InvalidArgument naming `entities` otherwise.
absl::StatusOr<std::vector<wm::v1::ChangeEntity>> ParseChangeEntities(std::string_view text);

}  // namespace wm::gw_cli
