#include "libs/grpcutil/auth_policy.h"

#include "absl/strings/match.h"
#include "third_party/system/string_view_compat.h"

namespace wm::grpcutil {

std::string_view AuthScopeName(AuthScope scope) {
  switch (scope) {
    case AuthScope::kRead:
      return "read";
    case AuthScope::kFull:
      return "full";
  }
  return "unknown";
}

std::optional<AuthScope> ParseAuthScope(std::string_view name) {
  if (name == "read") return AuthScope::kRead;
  if (name == "full") return AuthScope::kFull;
  return std::nullopt;
}

const std::vector<MethodRule>& WmMethodRules() {
  static const auto* const kRules = new std::vector<MethodRule>{
      // wm-ingest
      {"/wm.v1.Events/Subscribe", MethodAccess::kRead},
      // wm-registry
      {"/wm.v1.Registry/ListGateways", MethodAccess::kRead},
      {"/wm.v1.Registry/GetGateway", MethodAccess::kRead},
      {"/wm.v1.Registry/ListSinks", MethodAccess::kRead},
      {"/wm.v1.Registry/ListNetworks", MethodAccess::kRead},
      {"/wm.v1.Registry/ListNodes", MethodAccess::kRead},
      {"/wm.v1.Registry/GetNode", MethodAccess::kRead},
      {"/wm.v1.Registry/WatchChanges", MethodAccess::kRead},
      // wm-command: reads of a gateway's or sink's state.
      {"/wm.v1.Commands/GetConfigs", MethodAccess::kRead},
      {"/wm.v1.Commands/GetGatewayInfo", MethodAccess::kRead},
      {"/wm.v1.Commands/GetScratchpadStatus", MethodAccess::kRead},
      {"/wm.v1.Commands/GetConfigurationDataItem", MethodAccess::kRead},
      // wm-command: everything that changes a gateway, a sink or a node.
      {"/wm.v1.Commands/SetConfig", MethodAccess::kFull},
      {"/wm.v1.Commands/SetAppConfig", MethodAccess::kFull},
      {"/wm.v1.Commands/SendData", MethodAccess::kFull},
      {"/wm.v1.Commands/UploadScratchpad", MethodAccess::kFull},
      {"/wm.v1.Commands/ProcessScratchpad", MethodAccess::kFull},
      {"/wm.v1.Commands/SetScratchpadTargetAndAction", MethodAccess::kFull},
      {"/wm.v1.Commands/SetConfigurationDataItem", MethodAccess::kFull},
      {"/wm.v1.Commands/ClearGatewayStatus", MethodAccess::kFull},
      {"/wm.v1.Commands/UpdateNodesScratchpad", MethodAccess::kFull},
      {"/wm.v1.Commands/CancelNodesUpdate", MethodAccess::kFull},
      {"/wm.v1.Commands/SetNeighborDiagnostics", MethodAccess::kFull},
      // wm-command: these two only ask, but they do so by sending packets into the mesh
      // (radio time and node battery, a broadcast by default), so a read-only caller may not.
      {"/wm.v1.Commands/Ping", MethodAccess::kFull},
      {"/wm.v1.Commands/GetNodesScratchpadStatus", MethodAccess::kFull},
  };
  return *kRules;
}

MethodAccess RequiredAccess(const std::vector<MethodRule>& rules, std::string_view path) {
  if (absl::StartsWith(ToAbsl(path), "/grpc.health.v1.Health/") ||
      absl::StartsWith(ToAbsl(path), "/grpc.reflection.v1alpha.ServerReflection/") ||
      absl::StartsWith(ToAbsl(path), "/grpc.reflection.v1.ServerReflection/")) {
    return MethodAccess::kOpen;
  }
  for (const MethodRule& rule : rules) {
    if (rule.method == path) return rule.access;
  }
  return MethodAccess::kUnknown;
}

bool ScopeAllows(AuthScope scope, MethodAccess access) {
  switch (access) {
    case MethodAccess::kOpen:
    case MethodAccess::kRead:
      return true;
    case MethodAccess::kFull:
      return scope == AuthScope::kFull;
    case MethodAccess::kUnknown:
      return false;
  }
  return false;
}

}  // namespace wm::grpcutil
