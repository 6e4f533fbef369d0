#include "libs/grpcutil/pem_file.h"

#include <cstdlib>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm::grpcutil {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyBody[] = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg-secret-key-body";

std::string WriteFile(const std::string& name, const std::string& content) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << content;
  return path;
}

config::Settings Load(const std::vector<std::string>& args) {
  config::Schema schema;
  schema.Add({.key = "cert"});
  schema.Add({.key = "key"});
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, args, {});
  if (!settings.ok()) std::abort();
  return *settings;
}

TEST(PemFileTest, ReadsMatchingContent) {
  std::string cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  std::string key = std::string("-----BEGIN PRIVATE KEY-----\n") + kKeyBody +
                    "\n-----END PRIVATE KEY-----\n";
  config::Settings settings =
      Load({"--cert=" + WriteFile("c.pem", cert), "--key=" + WriteFile("k.pem", key)});
  EXPECT_EQ(*ReadPemSetting(settings, "cert", PemKind::kCertificate), cert);
  EXPECT_EQ(*ReadPemSetting(settings, "key", PemKind::kPrivateKey), key);
}

TEST(PemFileTest, EmptySettingIsEmpty) {
  EXPECT_EQ(*ReadPemSetting(Load({}), "cert", PemKind::kCertificate), "");
}

TEST(PemFileTest, MissingFileNamesKeyAndPath) {
  absl::StatusOr<std::string> pem =
      ReadPemSetting(Load({"--cert=/nonexistent/c.pem"}), "cert", PemKind::kCertificate);
  EXPECT_EQ(pem.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(pem.status().message()),
              AllOf(HasSubstr("cert"), HasSubstr("/nonexistent/c.pem"), HasSubstr("flag")));
}

TEST(PemFileTest, WrongContentIsRejectedWithoutEchoingIt) {
  std::string key = std::string("-----BEGIN PRIVATE KEY-----\n") + kKeyBody +
                    "\n-----END PRIVATE KEY-----\n";
  std::string path = WriteFile("swapped.pem", key);
  absl::StatusOr<std::string> pem =
      ReadPemSetting(Load({"--cert=" + path}), "cert", PemKind::kCertificate);
  EXPECT_EQ(pem.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(pem.status().message()),
              AllOf(HasSubstr("cert"), HasSubstr(path), Not(HasSubstr(kKeyBody))));
  EXPECT_EQ(ReadPemSetting(Load({"--key=" + WriteFile("junk.pem", "junk")}), "key",
                           PemKind::kPrivateKey)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadPemSetting(Load({"--key=" + std::string(std::getenv("TEST_TMPDIR"))}), "key",
                           PemKind::kPrivateKey)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace wm::grpcutil
