#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace wm::grpcutil {

// What an authenticated caller may do (docs/authentication.md).
enum class AuthScope {
  kRead,  // list, get, watch and subscribe: nothing that changes a gateway, a node or state
  kFull,  // every method
};

// "read" / "full", as written in token files and logs.
std::string_view AuthScopeName(AuthScope scope);
// The scope named "read" or "full"; nullopt for anything else.
std::optional<AuthScope> ParseAuthScope(std::string_view name);

// What calling a method requires when authentication is on.
enum class MethodAccess {
  kOpen,     // no identity needed (health, reflection)
  kRead,     // any identity (read or full scope)
  kFull,     // an identity of full scope
  kUnknown,  // not in the table: refused to everyone (default deny)
};

// A method's full name as gRPC puts it in the :path header ("/wm.v1.Commands/SetConfig") and
// the access it requires.
struct MethodRule {
  std::string_view method;
  MethodAccess access;
};

// The one table of every wm.v1 method and the access it requires. A method added to a proto
// without a row here is refused to every caller once authentication is on (and
// auth_policy_test fails), so the scope of each method is decided here and nowhere else.
const std::vector<MethodRule>& WmMethodRules();

// Looks up `path` (":path" of a call) in `rules`; the services every server runs for free,
// grpc.health.v1 and server reflection, are kOpen whatever the rules say.
//
//   RequiredAccess(WmMethodRules(), "/wm.v1.Registry/ListNodes")   // kRead
//   RequiredAccess(WmMethodRules(), "/wm.v1.Commands/SendData")    // kFull
//   RequiredAccess(WmMethodRules(), "/wm.v1.Commands/Nope")        // kUnknown
MethodAccess RequiredAccess(const std::vector<MethodRule>& rules, std::string_view path);

// Whether a caller of `scope` may call a method requiring `access` (kUnknown: never).
bool ScopeAllows(AuthScope scope, MethodAccess access);

}  // namespace wm::grpcutil
