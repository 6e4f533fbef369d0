// Replays fuzz inputs through LLVMFuzzerTestOneInput without libFuzzer: every file named on the
// command line, then deterministic mutations of each (truncations, bit flips, byte values at
// every position, duplication), so that a corpus test exercises the neighbourhood of each
// input too. A crash or sanitizer report fails the test.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  // A copy in its own allocation, so that a read past the end is caught by sanitizers.
  std::vector<uint8_t> bytes(input.begin(), input.end());
  LLVMFuzzerTestOneInput(bytes.empty() ? nullptr : bytes.data(), bytes.size());
}

void RunMutations(const std::string& input, std::mt19937& random) {
  for (size_t n = 0; n <= input.size(); ++n) Run(input.substr(0, n));
  Run(input + input);
  for (size_t i = 0; i < input.size(); ++i) {
    for (uint8_t value : {uint8_t{0x00}, uint8_t{0xFF}, uint8_t{0x80}, uint8_t{0x7F}}) {
      std::string mutated = input;
      mutated[i] = static_cast<char>(value);
      Run(mutated);
    }
  }
  for (int round = 0; round < 200 && !input.empty(); ++round) {
    std::string mutated = input;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int f = 0; f < flips; ++f) {
      mutated[random() % mutated.size()] ^= static_cast<char>(1u << (random() % 8));
    }
    Run(mutated);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::mt19937 random(12345);
  Run("");
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", argv[i]);
      return 1;
    }
    std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    RunMutations(input, random);
    ++files;
  }
  std::printf("replayed %d corpus files with mutations\n", files);
  return 0;
}
