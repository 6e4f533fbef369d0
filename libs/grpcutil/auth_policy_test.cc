#include "libs/grpcutil/auth_policy.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "protos/wm/v1/events.grpc.pb.h"
#include "protos/wm/v1/registry.grpc.pb.h"

namespace wm::grpcutil {
namespace {

constexpr const char* kServices[] = {"wm.v1.Events", "wm.v1.Registry", "wm.v1.Commands"};

std::set<std::string> MethodsOfProtos() {
  std::set<std::string> paths;
  for (const char* name : kServices) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      paths.insert(absl::StrCat("/", service->full_name(), "/", service->method(i)->name()));
    }
  }
  return paths;
}

TEST(AuthPolicyTest, EveryMethodOfEveryServiceHasARule) {
  // Linked so that the generated pool holds the services.
  (void)wm::v1::Events::service_full_name();
  (void)wm::v1::Registry::service_full_name();
  (void)wm::v1::Commands::service_full_name();
  const std::set<std::string> methods = MethodsOfProtos();
  ASSERT_GT(methods.size(), 20u);
  for (const std::string& method : methods) {
    EXPECT_NE(RequiredAccess(WmMethodRules(), method), MethodAccess::kUnknown)
        << method << " has no row in WmMethodRules(): decide its scope there";
  }
  for (const MethodRule& rule : WmMethodRules()) {
    EXPECT_EQ(methods.count(std::string(rule.method)), 1u)
        << rule.method << " is in the table but in no service";
  }
}

TEST(AuthPolicyTest, ReadScopeListsGetsWatchesAndSubscribes) {
  for (const char* method :
       {"/wm.v1.Events/Subscribe", "/wm.v1.Registry/ListNodes", "/wm.v1.Registry/GetGateway",
        "/wm.v1.Registry/WatchChanges", "/wm.v1.Commands/GetConfigs",
        "/wm.v1.Commands/GetGatewayInfo", "/wm.v1.Commands/GetScratchpadStatus",
        "/wm.v1.Commands/GetConfigurationDataItem"}) {
    EXPECT_TRUE(ScopeAllows(AuthScope::kRead, RequiredAccess(WmMethodRules(), method))) << method;
    EXPECT_TRUE(ScopeAllows(AuthScope::kFull, RequiredAccess(WmMethodRules(), method))) << method;
  }
}

TEST(AuthPolicyTest, EveryCommandThatChangesOrTransmitsNeedsFullScope) {
  for (const char* method :
       {"SetConfig", "SetAppConfig", "SendData", "UploadScratchpad", "ProcessScratchpad",
        "SetScratchpadTargetAndAction", "SetConfigurationDataItem", "ClearGatewayStatus",
        "UpdateNodesScratchpad", "CancelNodesUpdate", "SetNeighborDiagnostics", "Ping",
        "GetNodesScratchpadStatus"}) {
    const std::string path = absl::StrCat("/wm.v1.Commands/", method);
    EXPECT_EQ(RequiredAccess(WmMethodRules(), path), MethodAccess::kFull) << path;
    EXPECT_FALSE(ScopeAllows(AuthScope::kRead, MethodAccess::kFull));
    EXPECT_TRUE(ScopeAllows(AuthScope::kFull, MethodAccess::kFull));
  }
}

TEST(AuthPolicyTest, UnknownMethodsAreDeniedToEveryone) {
  EXPECT_EQ(RequiredAccess(WmMethodRules(), "/wm.v1.Commands/Reboot"), MethodAccess::kUnknown);
  EXPECT_EQ(RequiredAccess(WmMethodRules(), "wm.v1.Registry/ListNodes"), MethodAccess::kUnknown);
  EXPECT_EQ(RequiredAccess(WmMethodRules(), ""), MethodAccess::kUnknown);
  EXPECT_FALSE(ScopeAllows(AuthScope::kFull, MethodAccess::kUnknown));
  EXPECT_FALSE(ScopeAllows(AuthScope::kRead, MethodAccess::kUnknown));
}

TEST(AuthPolicyTest, HealthAndReflectionAreOpenWhateverTheRules) {
  const std::vector<MethodRule> none;
  EXPECT_EQ(RequiredAccess(none, "/grpc.health.v1.Health/Check"), MethodAccess::kOpen);
  EXPECT_EQ(RequiredAccess(none, "/grpc.health.v1.Health/Watch"), MethodAccess::kOpen);
  EXPECT_EQ(RequiredAccess(none, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"),
            MethodAccess::kOpen);
  EXPECT_EQ(RequiredAccess(none, "/grpc.health.v1.HealthX/Check"), MethodAccess::kUnknown);
}

TEST(AuthPolicyTest, ScopeNamesRoundTrip) {
  EXPECT_EQ(ParseAuthScope("read"), AuthScope::kRead);
  EXPECT_EQ(ParseAuthScope("full"), AuthScope::kFull);
  EXPECT_EQ(ParseAuthScope("Full"), std::nullopt);
  EXPECT_EQ(ParseAuthScope("admin"), std::nullopt);
  EXPECT_EQ(AuthScopeName(AuthScope::kRead), "read");
  EXPECT_EQ(AuthScopeName(AuthScope::kFull), "full");
}

}  // namespace
}  // namespace wm::grpcutil
