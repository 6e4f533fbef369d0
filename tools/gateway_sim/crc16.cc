#include "tools/gateway_sim/crc16.h"

namespace wm::gateway_sim {

uint16_t ScratchpadCrc16(std::string_view bytes) {
  uint16_t crc = 0xFFFF;
  for (const char c : bytes) {
    crc ^= static_cast<uint16_t>(static_cast<uint8_t>(c)) << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

}  // namespace wm::gateway_sim
