#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wm::gateway_sim {

// The kinds of unique packets the simulated nodes send, each on its endpoint pair
// (docs/payloads.md "Endpoint pairs"; provisioning: docs/provisioning.md "Endpoints and
// routing"). Boot diagnostics are not in the mix: a node sends them once, as its first packet,
// when it has just booted (TrafficOptions::booted_share).
enum class PayloadKind : uint8_t {
  kAppData,              // sensor readings, 1->1 or 10->10 (per node)
  kTrafficDiagnostics,   // 251->255
  kNeighborDiagnostics,  // 252->255
  kNodeDiagnostics,      // 253->255
  kDiagnosticsV2,        // 247->255, CBOR
  kAdvertiser,           // 200->200, from routers
  kPositioning,          // 238->238, from positioning tags and anchors
  kRuuvi,                // 11->11, from Ruuvi tags
  kTestNetwork,          // 100->100, from test-application nodes
  kProvisioningStart,    // 246->255, from joining nodes
};
inline constexpr size_t kPayloadKindCount = 10;

// The name of `kind` in a payload mix: "app_data", "traffic_diagnostics",
// "neighbor_diagnostics", "node_diagnostics", "diagnostics_v2", "advertiser", "positioning",
// "ruuvi", "test_network", "provisioning_start".
std::string_view PayloadKindName(PayloadKind kind);

// Relative weights of the payload kinds: each unique packet's kind is drawn with probability
// weight / (sum of the weights of the kinds some node can send). The defaults keep application
// data most frequent (about half), diagnostics about a quarter, and provisioning rare.
//
//   PayloadMix mix;                                  // the defaults
//   mix.set(PayloadKind::kProvisioningStart, 0);     // no joining nodes asking
struct PayloadMix {
  std::array<double, kPayloadKindCount> weights = {
      55,  // app_data
      6,   // traffic_diagnostics
      6,   // neighbor_diagnostics
      6,   // node_diagnostics
      5,   // diagnostics_v2
      6,   // advertiser
      6,   // positioning
      6,   // ruuvi
      2,   // test_network
      2,   // provisioning_start
  };

  double weight(PayloadKind kind) const { return weights[static_cast<size_t>(kind)]; }
  void set(PayloadKind kind, double weight) { weights[static_cast<size_t>(kind)] = weight; }
};

// Parses "kind=weight,kind=weight,..." (names as PayloadKindName; spaces around items are
// allowed). The mix is what the text lists: a kind left out has weight 0. InvalidArgument for
// an unknown or repeated kind, a weight that is not a finite number >= 0, or no weight above 0.
//
//   ParsePayloadMix("app_data=3, ruuvi=1")   // three app packets per Ruuvi report, nothing else
absl::StatusOr<PayloadMix> ParsePayloadMix(std::string_view text);

// The mix as ParsePayloadMix reads it, every kind listed in enum order.
std::string FormatPayloadMix(const PayloadMix& mix);

// InvalidArgument when a weight is negative or not finite, or none is above 0.
absl::Status CheckPayloadMix(const PayloadMix& mix);

}  // namespace wm::gateway_sim
