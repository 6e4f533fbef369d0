#include "services/registry/fact_time.h"

#include <algorithm>

namespace wm::registry {

bool NotOlder(const FactTime& fact, const FactTime& applied) {
  if (fact.gateway_ms > 0 && applied.gateway_ms > 0) return fact.gateway_ms >= applied.gateway_ms;
  return fact.received_ms >= applied.received_ms;
}

FactTime Advance(const FactTime& applied, const FactTime& fact) {
  return {fact.gateway_ms > 0 ? fact.gateway_ms : applied.gateway_ms,
          std::max(applied.received_ms, fact.received_ms)};
}

}  // namespace wm::registry
