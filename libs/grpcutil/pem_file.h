#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/config/settings.h"

namespace wm::grpcutil {

// What a PEM file named by a setting must contain.
enum class PemKind {
  kCertificate,  // one or more "-----BEGIN CERTIFICATE-----" blocks (certificate, chain, CA)
  kPrivateKey,   // a "-----BEGIN ... PRIVATE KEY-----" block
};

// Reads the PEM file named by the string setting `key`; "" when the setting is empty.
// Errors name the key and the path, never the content: NotFound when the file does not exist,
// InvalidArgument when it cannot be read or does not hold the expected PEM block.
absl::StatusOr<std::string> ReadPemSetting(const config::Settings& settings, std::string_view key,
                                           PemKind kind);

}  // namespace wm::grpcutil
