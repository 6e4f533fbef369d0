#pragma once

#include <string>

#include "protos/wm/v1/commands.pb.h"
#include "protos/wm/v1/gateway.pb.h"

namespace wm::gw_cli {

// Readable text for the answers of the gateway requests, for a terminal. Every function
// returns whole lines ending in '\n', one "label  value" pair per line with the values
// aligned (text_format's AppendField); a value the gateway did not report is shown as "-".

// A role as wm-gw-cli takes it in --node_role, with the dual-MCU byte: "sink+ll (0x11)".
std::string FormatNodeRole(const wm::v1::NodeRole& role);

// One sink's configuration (get_configs, set_config), e.g.
//   sink0
//     node address          3825426 (0x3a5f12)
//     role                  sink (0x01)
//     network address       1193046 (0x123456)
//     ...
//     app config data       f67e01 (3 bytes)
//     firmware              5.4.0.57
std::string FormatSinkConfig(const wm::v1::SinkConfig& config);

// What a gateway says about itself (gateway_info): model, version, API version, largest
// scratchpad chunk and features.
std::string FormatGatewayInfo(const wm::v1::GatewayInfo& info);

// A sink's scratchpads (scratchpad_status): a table of the stored and processed scratchpad
// (seq, length in bytes, CRC, status, type), then the firmware area id and the OTAP target.
std::string FormatScratchpadStatus(const wm::v1::GetScratchpadStatusResponse& status);

// How an upload went: image size, chunk size and requests sent.
std::string FormatUpload(const wm::v1::UploadScratchpadResponse& upload);

// A configuration data item: its endpoint and payload in hex with its size.
std::string FormatConfigurationDataItem(const wm::v1::ConfigurationDataItem& item);

// The answer to set_app_config: the sequence used, then the sink's configuration when the
// gateway sent it back.
std::string FormatAppConfigResult(const wm::v1::SetAppConfigResponse& response);

// The answer to clear_gateway: the state wm-command knew before clearing.
std::string FormatClearGateway(const wm::v1::ClearGatewayStatusResponse& response);

}  // namespace wm::gw_cli
