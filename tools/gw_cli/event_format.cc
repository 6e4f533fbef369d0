#include "tools/gw_cli/event_format.h"

#include <ctime>
#include <string_view>

#include "spdlog/fmt/fmt.h"
#include "tools/gw_cli/text_format.h"

namespace wm::gw_cli {
namespace {

std::string ClockTime(uint64_t ms_epoch) {
  const std::time_t seconds = static_cast<std::time_t>(ms_epoch / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:02}:{:02}:{:02}.{:03}", utc.tm_hour, utc.tm_min, utc.tm_sec,
                     ms_epoch % 1000);
}

// At most `max_bytes` of `bytes` in hex, ".." when there are more.
std::string Hex(const std::string& bytes, size_t max_bytes) {
  std::string out = HexBytes(std::string_view(bytes).substr(0, max_bytes));
  if (bytes.size() > max_bytes) out += "..";
  return out;
}

std::string MethodName(wm::v1::GatewayMethod method) {
  std::string name = wm::v1::GatewayMethod_Name(method);
  constexpr std::string_view kPrefix = "GATEWAY_METHOD_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string Where(const wm::v1::Event& event) {
  return event.sink_id().empty() ? event.gateway_id()
                                 : event.gateway_id() + "/" + event.sink_id();
}

}  // namespace

std::string FormatEventLine(const wm::v1::Event& event) {
  std::string line = fmt::format("#{} {} ", event.sequence(),
                                 ClockTime(event.ingest_time_ms_epoch()));
  switch (event.body_case()) {
    case wm::v1::Event::kPacket: {
      const wm::v1::PacketReceived& p = event.packet();
      line += fmt::format("packet   {} net={} node={} ep={}->{} hops={} travel={}ms {}B",
                          Where(event), p.network_address(), p.source_address(),
                          p.source_endpoint(), p.destination_endpoint(), p.hop_count(),
                          p.travel_time_ms(), p.payload_size());
      if (p.has_decoded()) {
        line += " " + p.decoded().ShortDebugString();
      } else if (p.has_decode_error()) {
        line += fmt::format(" undecodable({} at {}: {}) {}", p.decode_error().reason(),
                            p.decode_error().offset(), p.decode_error().message(),
                            Hex(p.payload(), 32));
      } else {
        line += " " + Hex(p.payload(), 32);
      }
      break;
    }
    case wm::v1::Event::kStatus: {
      const wm::v1::GatewayStatus& s = event.status();
      line += fmt::format("status   {} {}", Where(event), GatewayStateName(s.state()));
      if (!s.model().empty()) line += " model=" + s.model();
      if (!s.firmware().empty()) line += " version=" + s.firmware();
      if (s.configs_size() > 0) line += fmt::format(" sinks={}", s.configs_size());
      break;
    }
    case wm::v1::Event::kResponse: {
      const wm::v1::GatewayResponse& r = event.response();
      line += fmt::format("response {} {} req_id={} {}", Where(event), MethodName(r.method()),
                          r.request_id(), r.result_name());
      if (r.configs_size() > 0) line += fmt::format(" sinks={}", r.configs_size());
      break;
    }
    case wm::v1::Event::kDownlink: {
      const wm::v1::Downlink& d = event.downlink();
      line += fmt::format("downlink {} dst={} ep={}->{} req_id={} {}B {}", Where(event),
                          d.destination_address(), d.source_endpoint(), d.destination_endpoint(),
                          d.request_id(), d.payload().size(), Hex(d.payload(), 32));
      break;
    }
    case wm::v1::Event::kGap:
      line += fmt::format("gap      {} events lost: this client read too slowly",
                          event.gap().dropped());
      break;
    case wm::v1::Event::BODY_NOT_SET:
      line += "unknown  " + Where(event);
      break;
  }
  if (event.snapshot()) line += " (snapshot)";
  return line;
}

}  // namespace wm::gw_cli
