#pragma once

#include <string>

#include "protos/wm/v1/events.pb.h"

namespace wm::gw_cli {

// One human-readable line for an event, for watching traffic in a terminal, e.g.
//   #42 10:01:02.345 packet   sim-gw-1/sink0 net=1 node=1001 ep=251->255 hops=2 travel=40ms
//       18B traffic_diagnostics { access_cycles: 773 ... }
// (With --json, events are printed with command_client's PrintJson.)
std::string FormatEventLine(const wm::v1::Event& event);

}  // namespace wm::gw_cli
