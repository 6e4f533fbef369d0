#pragma once

// provisioning_config.yml for a provisioning server that is to serve the simulator's joining
// nodes (the format wm::provisioning::ProvisioningConfig::Parse reads; docs/provisioning.md,
// "provisioning_config.yml"), so that a test or a demo starts the server with a config that
// authorises exactly them.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "tools/gateway_sim/sim_random.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {

// Size of a network's encryption and authentication keys.
inline constexpr size_t kNetworkKeySize = 16;

// The keys a network gives the nodes it admits (DATA content items 0 and 1). Secrets.
struct NetworkKeys {
  std::string encryption_key;      // kNetworkKeySize bytes
  std::string authentication_key;  // kNetworkKeySize bytes
};

// Fresh keys for every network of `topology`, by network address, drawn from `random` (seed
// it from entropy: the keys of a run are its own).
std::map<uint64_t, NetworkKeys> DrawNetworkKeys(const Topology& topology, SimRandom& random);

// The config text that authorises every joining node of `topology`, one entry per UID:
//
//   "sim-1a2b3c":
//     method: 1                      # the node's method
//     factory_key: "0x0011..."       # secured only: the key the node opens DATA with
//     encryption_key: "0x..."        # its network's keys, from `keys`
//     authentication_key: "0x..."
//     network_address: 1193046       # its sink's network
//     network_channel: 12
//
// Nodes of a network that `keys` lacks are left out. A UID that repeats (with
// network_per_gateway, joining nodes of two networks may have the same address) is listed once,
// for its first node. The text holds secrets: never log it.
std::string ProvisioningConfigYaml(const Topology& topology,
                                   const std::map<uint64_t, NetworkKeys>& keys);

// Writes ProvisioningConfigYaml(topology, DrawNetworkKeys(topology, random)) to `path`,
// readable by its owner only, through a temporary file beside it that is renamed into place,
// so that a reader waiting for the file never sees part of it. Errors name the path and carry
// the code of the failing system call (e.g. NotFound for a missing directory).
absl::Status WriteProvisioningConfig(const std::string& path, const Topology& topology,
                                     SimRandom& random);

}  // namespace wm::gateway_sim
