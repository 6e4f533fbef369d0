#include "tools/gateway_sim/provisioning_config_file.h"

#include <sys/stat.h>

#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "libs/provisioning/provisioning_config.h"
#include "libs/testing/files.h"
#include "tools/gateway_sim/sim_random.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {
namespace {

using provisioning::ProvisioningConfig;
using provisioning::ProvisioningEntry;
using provisioning::ProvisioningMethod;

Topology Build(TopologyOptions options) {
  absl::StatusOr<Topology> topology = BuildTopology(options);
  EXPECT_TRUE(topology.ok()) << topology.status();
  return topology.ok() ? *std::move(topology) : Topology{};
}

TopologyOptions Mixed() {
  TopologyOptions options;
  options.gateways = 2;
  options.sinks_per_gateway = 2;
  options.nodes_per_sink = 3;
  options.joining_nodes_per_sink = 3;
  options.joining_method = JoiningMethod::kMixed;
  options.seed = 17;
  return options;
}

// Every joining node of `topology` is in `config` with its method, factory key, its network's
// keys and its sink's network.
void ExpectAuthorisesEveryJoiningNode(const Topology& topology, const ProvisioningConfig& config,
                                      const std::map<uint64_t, NetworkKeys>& keys) {
  size_t nodes = 0;
  for (const SimGateway& gateway : topology.gateways) {
    for (const SimSink& sink : gateway.sinks) {
      for (const SimJoiningNode& node : sink.joining_nodes) {
        ++nodes;
        const ProvisioningEntry* entry = config.Find(node.uid);
        ASSERT_NE(entry, nullptr) << node.uid;
        EXPECT_EQ(static_cast<uint8_t>(entry->method), node.method) << node.uid;
        EXPECT_EQ(entry->factory_key, node.factory_key) << node.uid;
        EXPECT_EQ(entry->content.encryption_key, keys.at(sink.network_address).encryption_key);
        EXPECT_EQ(entry->content.authentication_key,
                  keys.at(sink.network_address).authentication_key);
        EXPECT_EQ(entry->content.network_address, sink.network_address) << node.uid;
        EXPECT_EQ(entry->content.network_channel, sink.network_channel) << node.uid;
        EXPECT_FALSE(entry->content.node_id.has_value());
      }
    }
  }
  EXPECT_EQ(config.size(), nodes);
}

TEST(ProvisioningConfigFileTest, TheServersParserFindsEveryJoiningNode) {
  const Topology topology = Build(Mixed());
  SimRandom random(1);
  const std::map<uint64_t, NetworkKeys> keys = DrawNetworkKeys(topology, random);
  ASSERT_EQ(keys.size(), 1u) << "one network";
  EXPECT_EQ(keys.begin()->second.encryption_key.size(), kNetworkKeySize);
  EXPECT_EQ(keys.begin()->second.authentication_key.size(), kNetworkKeySize);
  EXPECT_NE(keys.begin()->second.encryption_key, keys.begin()->second.authentication_key);

  absl::StatusOr<ProvisioningConfig> config =
      ProvisioningConfig::Parse(ProvisioningConfigYaml(topology, keys), "written");
  ASSERT_TRUE(config.ok()) << config.status();
  ExpectAuthorisesEveryJoiningNode(topology, *config, keys);
  std::set<ProvisioningMethod> methods;
  for (const auto& [uid, entry] : config->entries()) methods.insert(entry.method);
  EXPECT_EQ(methods.size(), 2u) << "mixed: both methods";
}

TEST(ProvisioningConfigFileTest, EachNetworkHasItsOwnKeys) {
  TopologyOptions options = Mixed();
  options.network_per_gateway = true;
  const Topology topology = Build(options);
  SimRandom random(2);
  const std::map<uint64_t, NetworkKeys> keys = DrawNetworkKeys(topology, random);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_NE(keys.begin()->second.encryption_key, keys.rbegin()->second.encryption_key);
  absl::StatusOr<ProvisioningConfig> config =
      ProvisioningConfig::Parse(ProvisioningConfigYaml(topology, keys));
  ASSERT_TRUE(config.ok()) << config.status();
  ExpectAuthorisesEveryJoiningNode(topology, *config, keys);
}

TEST(ProvisioningConfigFileTest, WritesAPrivateFileThatLoads) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("provisioning");
  ASSERT_TRUE(dir.ok()) << dir.status();
  TopologyOptions options = Mixed();
  options.joining_method = JoiningMethod::kSecured;
  options.factory_key = std::string(kFactoryKeySize, '\x5A');
  const Topology topology = Build(options);
  const std::string path = *dir + "/provisioning_config.yml";
  SimRandom random(3);
  ASSERT_TRUE(WriteProvisioningConfig(path, topology, random).ok());

  absl::StatusOr<ProvisioningConfig> config = ProvisioningConfig::LoadFile(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->size(), topology.JoiningNodeCount());
  for (const auto& [uid, entry] : config->entries()) {
    EXPECT_EQ(entry.method, ProvisioningMethod::kSecured) << entry.uid_text;
    EXPECT_EQ(entry.factory_key, options.factory_key) << entry.uid_text;
  }
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u) << "it holds keys";
  EXPECT_NE(::stat((path + ".tmp").c_str(), &info), 0) << "the temporary file is gone";

  // Written again: fresh network keys.
  const std::string first = *wm::testing::ReadFile(path);
  ASSERT_TRUE(WriteProvisioningConfig(path, topology, random).ok());
  EXPECT_NE(*wm::testing::ReadFile(path), first);
}

TEST(ProvisioningConfigFileTest, AMissingDirectoryIsNotFoundNamingThePath) {
  const Topology topology = Build(Mixed());
  SimRandom random(4);
  const absl::Status status =
      WriteProvisioningConfig("/nonexistent-dir/config.yml", topology, random);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(status.message().find("/nonexistent-dir/config.yml"), absl::string_view::npos)
      << status;
}

}  // namespace
}  // namespace wm::gateway_sim
