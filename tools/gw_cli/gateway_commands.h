#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "libs/config/settings.h"
#include "protos/wm/v1/commands.pb.h"
#include "tools/gw_cli/cli_command.h"

namespace wm::gw_cli {

// The gateway requests of wm.v1.Commands (wm-command), one subcommand each: get_configs,
// set_config, set_app_config, gateway_info, send_data, scratchpad_status, scratchpad_upload,
// scratchpad_process, scratchpad_target, config_item_get, config_item_set, clear_gateway.
// Every one takes the settings of AddCommandSettings (--wm_command, --gateway, --sink where the
// request has one, --timeout_s, --request_id, --json) and its own flags; `wm-gw-cli <name>
// --help` lists them.
std::vector<CliCommand> GatewayCommands();

// What the flags of `set_config` change: only the flags that were given are set, whatever
// their value (started=false and channel_map=0 included). InvalidArgument naming the flag for
// a bad value, a key or access cycle bound given without its partner, or no change at all.
absl::StatusOr<wm::v1::SinkConfigChange> SinkConfigChangeFromSettings(
    const config::Settings& settings);

// The packet of `send_data` from its flags (destination, endpoints, payload, qos, hop limit,
// initial delay, unacknowledged CSMA-CA); the common fields are left empty. InvalidArgument
// naming the flag for a value out of the ranges of wm.v1.SendDataRequest.
absl::StatusOr<wm::v1::SendDataRequest> SendDataFromSettings(const config::Settings& settings);

// The target and action of `scratchpad_target` from --action, --target_seq, --target_crc and
// --param. InvalidArgument naming the flag for a bad value, or for
// propagate_and_process_with_delay without --param.
absl::StatusOr<wm::v1::TargetScratchpadAndAction> TargetAndActionFromSettings(
    const config::Settings& settings);

}  // namespace wm::gw_cli
