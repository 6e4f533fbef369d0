#include "libs/config/backend_client.h"

#include "gtest/gtest.h"

namespace wm::config {
namespace {

TEST(AcceptBackendClientKeys, OldKeysAreIgnoredAndDeclaredOnesStayInForce) {
  Schema schema;
  schema.Add({.key = "mqtt_port", .type = SettingType::kInt, .default_value = "8883"});
  AcceptBackendClientKeys(schema);
  EXPECT_TRUE(schema.IsIgnored("wnt_password"));
  EXPECT_TRUE(schema.IsIgnored("provisioning_config"));
  EXPECT_FALSE(schema.IsIgnored("mqtt_port"));

  auto settings = Settings::Load(
      schema, {"--mqtt_port=1883", "--wnt_hostname=wnt.example", "--db_password=x"}, {});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->GetInt("mqtt_port"), 1883);
  EXPECT_FALSE(Settings::Load(schema, {"--not_a_backend_client_key=1"}, {}).ok());
}

}  // namespace
}  // namespace wm::config
