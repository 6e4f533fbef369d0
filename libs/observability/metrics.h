#pragma once

#include <memory>
#include <string_view>

#include "prometheus/registry.h"

namespace wm::observability {

// A registry for one service's metrics, already holding
//   wm_build_info{service="<service>",version="<kVersion>"} 1
// Components register their own families on it; HttpServer serves it on /metrics.
std::shared_ptr<prometheus::Registry> NewMetricsRegistry(std::string_view service);

}  // namespace wm::observability
