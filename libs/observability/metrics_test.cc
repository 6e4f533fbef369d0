#include "libs/observability/metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/observability/version.h"
#include "prometheus/text_serializer.h"

namespace wm::observability {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RegistryHoldsBuildInfo) {
  auto registry = NewMetricsRegistry("wm-test");
  std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_THAT(text, HasSubstr(std::string("wm_build_info{service=\"wm-test\",version=\"") +
                              kVersion + "\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE wm_build_info gauge"));
}

TEST(MetricsTest, RegistriesAreIndependent) {
  auto a = NewMetricsRegistry("wm-a");
  auto b = NewMetricsRegistry("wm-b");
  std::string text = prometheus::TextSerializer().Serialize(b->Collect());
  EXPECT_THAT(text, HasSubstr("service=\"wm-b\""));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("service=\"wm-a\"")));
}

}  // namespace
}  // namespace wm::observability
