#pragma once

#include <cstdint>

namespace wm::wirepas {

// Node addresses of the gateway API that name no single node (docs/gateway-api.md
// "data_message.proto"). A downlink to kBroadcastAddress reaches every node of the network; a
// packet to kAnySinkAddress goes to whichever sink the node reaches.
inline constexpr uint32_t kAnySinkAddress = 0;
inline constexpr uint32_t kBroadcastAddress = 0xFFFFFFFF;

// Whether `address` names one node: neither "any sink" nor broadcast.
constexpr bool IsNodeAddress(uint32_t address) {
  return address != kAnySinkAddress && address != kBroadcastAddress;
}

}  // namespace wm::wirepas
