#pragma once

#include <vector>

#include "tools/gw_cli/cli_command.h"

namespace wm::gw_cli {

// The node (MSAP remote API) commands of wm-gw-cli, sent through wm-command
// (wm.v1.Commands): `ping`, `nodes_scratchpad_status`, `nodes_scratchpad_update`,
// `nodes_update_cancel` and `set_ndiag`. Each takes --gateway and --sink (the sink whose mesh
// the request goes into), --node to address one node instead of broadcast (all but set_ndiag),
// and --quiet_s, the silence after which the nodes' answers are considered all in. Ctrl-C stops
// a command: the streaming ones print what they collected and exit 0.
std::vector<CliCommand> NodeCommands();

}  // namespace wm::gw_cli
