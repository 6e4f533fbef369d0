#include "tools/gateway_sim/processing_delay.h"

namespace wm::gateway_sim {
namespace {

constexpr uint8_t kUnitMinutes = 1;
constexpr uint8_t kUnitHours = 2;
constexpr uint8_t kUnitDays = 3;

constexpr uint8_t Code(uint8_t unit, uint8_t amount) {
  return static_cast<uint8_t>((unit << 6) | amount);
}

struct PredefinedDelay {
  gwapi::ProcessingDelay delay;
  uint8_t code;
};

constexpr PredefinedDelay kPredefined[] = {
    {gwapi::TEN_MINUTES, Code(kUnitMinutes, 10)},     // 0x4A
    {gwapi::THIRTY_MINUTES, Code(kUnitMinutes, 30)},  // 0x5E
    {gwapi::ONE_HOUR, Code(kUnitHours, 1)},           // 0x81
    {gwapi::SIX_HOURS, Code(kUnitHours, 6)},          // 0x86
    {gwapi::ONE_DAY, Code(kUnitDays, 1)},             // 0xC1
    {gwapi::TWO_DAYS, Code(kUnitDays, 2)},            // 0xC2
    {gwapi::FIVE_DAYS, Code(kUnitDays, 5)},           // 0xC5
};

}  // namespace

uint8_t ProcessingDelayCode(gwapi::ProcessingDelay delay) {
  for (const PredefinedDelay& predefined : kPredefined) {
    if (predefined.delay == delay) return predefined.code;
  }
  return 0;
}

std::optional<gwapi::ProcessingDelay> PredefinedProcessingDelay(uint8_t code) {
  for (const PredefinedDelay& predefined : kPredefined) {
    if (predefined.code == code) return predefined.delay;
  }
  return std::nullopt;
}

bool IsValidProcessingDelayCode(uint8_t code) { return (code >> 6) != 0 && (code & 0x3F) != 0; }

uint32_t ProcessingDelayMinutes(uint8_t code) {
  if (!IsValidProcessingDelayCode(code)) return 0;
  const uint32_t amount = code & 0x3F;
  switch (code >> 6) {
    case kUnitMinutes:
      return amount;
    case kUnitHours:
      return amount * 60;
    default:
      return amount * 24 * 60;
  }
}

}  // namespace wm::gateway_sim
