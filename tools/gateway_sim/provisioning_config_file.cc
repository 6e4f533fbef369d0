#include "tools/gateway_sim/provisioning_config_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <set>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "third_party/system/string_view_compat.h"

namespace wm::gateway_sim {
namespace {

// "0x" and two hex digits per byte: ProvisioningConfig reads a quoted "0x.." as bytes.
std::string QuotedHex(std::string_view bytes) {
  return absl::StrCat("\"0x", absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size())),
                      "\"");
}

absl::Status FileError(std::string_view what, const std::string& path, int error) {
  return absl::ErrnoToStatus(error, absl::StrCat("provisioning config ", ToAbsl(what), " ", path));
}

}  // namespace

std::map<uint64_t, NetworkKeys> DrawNetworkKeys(const Topology& topology, SimRandom& random) {
  std::map<uint64_t, NetworkKeys> keys;
  for (const SimGateway& gateway : topology.gateways) {
    for (const SimSink& sink : gateway.sinks) {
      if (keys.count(sink.network_address) > 0) continue;
      NetworkKeys& network = keys[sink.network_address];
      network.encryption_key = random.Bytes(kNetworkKeySize);
      network.authentication_key = random.Bytes(kNetworkKeySize);
    }
  }
  return keys;
}

std::string ProvisioningConfigYaml(const Topology& topology,
                                   const std::map<uint64_t, NetworkKeys>& keys) {
  std::string yaml =
      "# Written by wm-gateway-sim: the joining nodes of its topology, with the keys they get.\n"
      "# It holds secrets (factory and network keys): keep it private.\n";
  std::set<std::string> listed;
  for (const SimGateway& gateway : topology.gateways) {
    for (const SimSink& sink : gateway.sinks) {
      const auto network = keys.find(sink.network_address);
      if (network == keys.end()) continue;
      for (const SimJoiningNode& node : sink.joining_nodes) {
        if (!listed.insert(node.uid).second) continue;
        // The UID is "sim-" and hex digits: quoted, it is read as its text.
        absl::StrAppend(&yaml, "\"", node.uid, "\":\n", "  method: ", node.method, "\n");
        if (!node.factory_key.empty()) {
          absl::StrAppend(&yaml, "  factory_key: ", QuotedHex(node.factory_key), "\n");
        }
        absl::StrAppend(&yaml, "  encryption_key: ", QuotedHex(network->second.encryption_key),
                        "\n",
                        "  authentication_key: ", QuotedHex(network->second.authentication_key),
                        "\n", "  network_address: ", sink.network_address, "\n",
                        "  network_channel: ", sink.network_channel, "\n");
      }
    }
  }
  return yaml;
}

absl::Status WriteProvisioningConfig(const std::string& path, const Topology& topology,
                                     SimRandom& random) {
  const std::string text = ProvisioningConfigYaml(topology, DrawNetworkKeys(topology, random));
  const std::string temporary = absl::StrCat(path, ".tmp");
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return FileError("not created", temporary, errno);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return FileError("not written", temporary, error);
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return FileError("not written", temporary, error);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return FileError("not renamed to", path, error);
  }
  return absl::OkStatus();
}

}  // namespace wm::gateway_sim
