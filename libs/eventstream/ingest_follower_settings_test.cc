#include "libs/eventstream/ingest_follower_settings.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm::eventstream {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<IngestFollowerOptions> Load(const std::vector<std::string>& args,
                                           const std::map<std::string, std::string>& env = {}) {
  config::Schema schema;
  AddIngestFollowerSettings(schema, "the test service");
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, args, env);
  if (!settings.ok()) return settings.status();
  return IngestFollowerOptionsFromSettings(*settings);
}

TEST(IngestFollowerSettingsTest, DefaultsAreTheFollowersOwn) {
  absl::StatusOr<IngestFollowerOptions> options = Load({});
  ASSERT_TRUE(options.ok()) << options.status();
  const IngestFollowerOptions defaults;
  EXPECT_EQ(options->address, "127.0.0.1:7001");
  EXPECT_EQ(options->reconnect_min_delay, defaults.reconnect_min_delay);
  EXPECT_EQ(options->reconnect_max_delay, defaults.reconnect_max_delay);
  EXPECT_FALSE(options->channel.tls);
  EXPECT_EQ(options->channel.bearer_token, nullptr);
}

TEST(IngestFollowerSettingsTest, ReadsAddressBackoffAndToken) {
  absl::StatusOr<IngestFollowerOptions> options =
      Load({"--wm_ingest=ingest.example:7101", "--ingest_reconnect_min_s=0.05",
            "--ingest_reconnect_max_s=2"},
           {{"WM_SERVICES_WM_TOKEN", "secret-token"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->address, "ingest.example:7101");
  EXPECT_EQ(options->reconnect_min_delay, absl::Milliseconds(50));
  EXPECT_EQ(options->reconnect_max_delay, absl::Seconds(2));
  EXPECT_NE(options->channel.bearer_token, nullptr) << "wm_token reaches the channel";
}

TEST(IngestFollowerSettingsTest, ErrorsNameTheKey) {
  absl::StatusOr<IngestFollowerOptions> options = Load({"--wm_ingest=no-port"});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(), HasSubstr("wm_ingest"));

  options = Load({"--ingest_reconnect_min_s=10", "--ingest_reconnect_max_s=1"});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(), HasSubstr("ingest_reconnect_min_s"));
  EXPECT_THAT(options.status().message(), HasSubstr("ingest_reconnect_max_s"));

  options = Load({"--ingest_reconnect_max_s=0"});
  ASSERT_FALSE(options.ok()) << "out of range";
  EXPECT_THAT(options.status().message(), HasSubstr("ingest_reconnect_max_s"));

  options = Load({"--grpc_tls_ca=/nonexistent/ca.pem"});
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("grpc_tls_ca"));
}

TEST(IngestFollowerSettingsTest, NamesTheConsumerInTheAddressHelp) {
  config::Schema schema;
  AddIngestFollowerSettings(schema, "the registry");
  const config::SettingSpec* address = schema.Find("wm_ingest");
  ASSERT_NE(address, nullptr);
  EXPECT_EQ(address->help,
            "wm-ingest's gRPC address (host:port), whose event "
            "stream the registry follows");
}

// A program with other gRPC clients declares the client settings once; the follower's call after
// (or before) theirs must not declare them again (that aborts).
TEST(IngestFollowerSettingsTest, SharesTheProgramsClientSettings) {
  config::Schema schema;
  grpcutil::AddGrpcClientSettings(schema);
  AddIngestFollowerSettings(schema, "the command service");
  ASSERT_NE(schema.Find("wm_token"), nullptr);
  ASSERT_NE(schema.Find("wm_ingest"), nullptr);
  absl::StatusOr<config::Settings> settings =
      config::Settings::Load(schema, {"--wm_token=t", "--wm_ingest=10.0.0.1:7001"}, {});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<IngestFollowerOptions> options = IngestFollowerOptionsFromSettings(*settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->address, "10.0.0.1:7001");
  EXPECT_NE(options->channel.bearer_token, nullptr);
}

}  // namespace
}  // namespace wm::eventstream
