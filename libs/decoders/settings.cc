#include "libs/decoders/settings.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace wm::decoders {
namespace {

constexpr char kDisabledKey[] = "decoders_disabled";
constexpr char kExtraKey[] = "decoders_extra";

struct EndpointPair {
  uint32_t source_endpoint = 0;
  uint32_t destination_endpoint = 0;
  uint64_t key() const { return uint64_t{source_endpoint} << 32 | destination_endpoint; }
};

absl::Status BadItem(std::string_view key, absl::string_view item, std::string_view why) {
  return absl::InvalidArgumentError(std::string(key) + ": '" + std::string(item) + "' " +
                                    std::string(why));
}

bool ParseEndpoint(absl::string_view text, uint32_t* endpoint) {
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(text), endpoint) && *endpoint <= 255;
}

// Parses "src:dst" with both endpoints in 0..255.
bool ParsePair(absl::string_view text, EndpointPair* pair) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  return parts.size() == 2 && ParseEndpoint(parts[0], &pair->source_endpoint) &&
         ParseEndpoint(parts[1], &pair->destination_endpoint);
}

// The names of the built-in decoders, for error messages.
std::string BuiltinNames() {
  std::vector<std::string> names;
  for (const DecoderRegistry::Binding& b : DecoderRegistry::Builtins()) {
    names.emplace_back(b.decoder.name);
  }
  return absl::StrJoin(names, ", ");
}

std::vector<absl::string_view> Items(const std::string& text) {
  std::vector<absl::string_view> items;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

}  // namespace

void AddDecoderSettings(config::Schema& schema) {
  schema.Add({.key = kDisabledKey,
              .help = "Endpoint pairs whose payloads are not decoded but passed on raw, "
                      "e.g. \"251:255,252:255\""});
  schema.Add({.key = kExtraKey,
              .help = "Extra endpoint pairs mapped to a built-in decoder by name, e.g. "
                      "\"10:10=traffic_diagnostics,20:21=ruuvi\"; decoders: " +
                      BuiltinNames()});
}

absl::Status ApplyDecoderSettings(const config::Settings& settings, DecoderRegistry* registry) {
  const std::string disabled_text = settings.GetString(kDisabledKey);
  const std::string extra_text = settings.GetString(kExtraKey);

  std::vector<EndpointPair> disabled;
  absl::flat_hash_set<uint64_t> disabled_keys;
  for (absl::string_view item : Items(disabled_text)) {
    EndpointPair pair;
    if (!ParsePair(item, &pair)) {
      return BadItem(kDisabledKey, item, "is not src_ep:dst_ep with endpoints 0..255");
    }
    if (!disabled_keys.insert(pair.key()).second) {
      return BadItem(kDisabledKey, item, "is given twice");
    }
    disabled.push_back(pair);
  }

  std::vector<std::pair<EndpointPair, const Decoder*>> extra;
  absl::flat_hash_set<uint64_t> extra_keys;
  for (absl::string_view item : Items(extra_text)) {
    const size_t equals = item.find('=');
    if (equals == absl::string_view::npos) {
      return BadItem(kExtraKey, item, "is not src_ep:dst_ep=decoder");
    }
    EndpointPair pair;
    if (!ParsePair(item.substr(0, equals), &pair)) {
      return BadItem(kExtraKey, item, "is not src_ep:dst_ep=decoder with endpoints 0..255");
    }
    const absl::string_view name = absl::StripAsciiWhitespace(item.substr(equals + 1));
    const Decoder* decoder =
        DecoderRegistry::BuiltinByName(std::string_view(name.data(), name.size()));
    if (decoder == nullptr) {
      return BadItem(
          kExtraKey, item,
          "names an unknown decoder '" + std::string(name) + "' (known: " + BuiltinNames() + ")");
    }
    if (!extra_keys.insert(pair.key()).second) {
      return BadItem(kExtraKey, item, "maps a pair that is already mapped");
    }
    if (disabled_keys.contains(pair.key())) {
      return BadItem(kExtraKey, item,
                     std::string("maps a pair that ") + kDisabledKey + " turns off");
    }
    extra.emplace_back(pair, decoder);
  }

  for (const EndpointPair& pair : disabled) {
    registry->Remove(pair.source_endpoint, pair.destination_endpoint);
  }
  for (const auto& [pair, decoder] : extra) {
    registry->Set(pair.source_endpoint, pair.destination_endpoint, *decoder);
  }
  return absl::OkStatus();
}

}  // namespace wm::decoders
