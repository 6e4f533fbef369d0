#pragma once

#include <vector>

#include "tools/gw_cli/cli_command.h"

namespace wm::gw_cli {

// The wm-registry queries of wm-gw-cli, reading wm.v1.Registry at `--wm_registry`
// (127.0.0.1:7002 by default):
//   gateways   every gateway: state, model, version, sinks, last seen, features
//   gateway    one gateway in detail with its sinks' configuration (--gateway=ID)
//   sinks      one line per sink (--gateway, --network narrow it)
//   networks   one line per network with its gateway, sink and node counts
//   nodes      one line per node, every page (--network, --gateway, --sink, --stale|--fresh,
//              --limit), then "N nodes (M stale)"
//   node       one node in detail (--node=ADDRESS [--network=N])
//   watch      the registry's changes as they happen (--entities, --count, --duration_s)
// Each takes --json (one JSON object per line) and the gRPC client TLS settings. An unreachable
// registry, a failed call or an unknown gateway or node exits 1; bad arguments exit 2.
std::vector<CliCommand> RegistryCommands();

}  // namespace wm::gw_cli
