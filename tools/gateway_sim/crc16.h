#pragma once

#include <cstdint>
#include <string_view>

namespace wm::gateway_sim {

// The CRC a simulated sink reports for a stored scratchpad (ScratchpadInfo.crc, 16-bit):
// CRC-16/CCITT-FALSE, i.e. polynomial 0x1021, initial value 0xFFFF, no reflection, no final
// XOR. Its check value, the CRC of the ASCII bytes "123456789", is 0x29B1; to compare an image
// with what the simulator stored, compute it the same way (e.g. Python's
// `binascii.crc_hqx(data, 0xFFFF)`).
uint16_t ScratchpadCrc16(std::string_view bytes);

}  // namespace wm::gateway_sim
