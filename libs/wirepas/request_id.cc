#include "libs/wirepas/request_id.h"

#include <exception>

#include "absl/random/seed_sequences.h"

namespace wm::wirepas {

std::array<uint32_t, kRequestIdSeedWords> OsSeedWords() {
  std::array<uint32_t, kRequestIdSeedWords> words;
  try {
    std::random_device device;
    for (uint32_t& word : words) word = static_cast<uint32_t>(device());
  } catch (const std::exception&) {
    // std::random_device throws when it has no entropy source; abseil reads the OS directly.
    absl::SeedSeq fallback = absl::MakeSeedSeq();
    fallback.generate(words.begin(), words.end());
  }
  return words;
}

}  // namespace wm::wirepas
