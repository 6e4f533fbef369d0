#include "libs/observability/metrics.h"

#include <string>

#include "libs/observability/version.h"
#include "prometheus/gauge.h"

namespace wm::observability {

std::shared_ptr<prometheus::Registry> NewMetricsRegistry(std::string_view service) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge()
      .Name("wm_build_info")
      .Help("Always 1; labels name the service and its version.")
      .Register(*registry)
      .Add({{"service", std::string(service)}, {"version", kVersion}})
      .Set(1);
  return registry;
}

}  // namespace wm::observability
