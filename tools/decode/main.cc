// wm-decode: decodes Wirepas application payloads from the command line into JSON.
//   wm-decode --src_ep=253 --dst_ep=255 <hex payload>
//   wm-decode --stdin < lines_of_src_dst_hex
#include <cstdio>
#include <iostream>
#include <string>

#include "libs/config/settings.h"
#include "tools/decode/decode_command.h"

int main(int argc, char** argv) {
  wm::config::Schema schema;
  wm::decode::AddDecodeSettings(schema);
  auto settings = wm::config::Settings::FromCommandLine(schema, argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "wm-decode: %s\n", std::string(settings.status().message()).c_str());
    return 2;
  }
  if (settings->help_requested()) {
    std::fputs(wm::decode::DecodeUsage(schema).c_str(), stdout);
    return 0;
  }
  return wm::decode::RunDecode(*settings, std::cin, std::cout, std::cerr);
}
