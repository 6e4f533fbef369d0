#include "services/command/gateway_directory.h"

#include <algorithm>

#include "libs/wirepas/convert.h"
#include "third_party/system/string_view_compat.h"

namespace wm::command {
namespace {

// Replaces or adds `config` in `sinks` by sink id.
void UpsertSink(const wm::v1::SinkConfig& config, std::vector<wm::v1::SinkConfig>* sinks) {
  for (wm::v1::SinkConfig& sink : *sinks) {
    if (sink.sink_id() == config.sink_id()) {
      sink = config;
      return;
    }
  }
  sinks->push_back(config);
}

}  // namespace

bool GatewayView::HasFeature(wm::v1::GatewayFeature feature) const {
  return std::find(features.begin(), features.end(), feature) != features.end();
}

const wm::v1::SinkConfig* GatewayView::FindSink(std::string_view sink_id) const {
  for (const wm::v1::SinkConfig& sink : sinks) {
    if (sink.sink_id() == sink_id) return &sink;
  }
  return nullptr;
}

wm::v1::GatewayState GatewayDirectory::ApplyStatus(std::string_view gateway_id,
                                                   const wirepas::GenericMessage* status) {
  absl::MutexLock lock(&mu_);
  GatewayView& view = gateways_[std::string(gateway_id)];
  view.status_seen = true;
  if (status == nullptr || !status->wirepas().has_status_event()) {
    view = GatewayView();
    view.status_seen = true;
    view.state = wm::v1::GATEWAY_STATE_REMOVED;
    return view.state;
  }
  wm::v1::GatewayStatus converted;
  wirepas::ToGatewayStatus(status->wirepas().status_event(), &converted);
  view.state = converted.state();
  if (converted.has_max_scratchpad_size()) {
    view.max_scratchpad_size = converted.max_scratchpad_size();
  } else {
    view.max_scratchpad_size.reset();
  }
  view.features.clear();
  for (const int feature : converted.features()) {
    view.features.push_back(static_cast<wm::v1::GatewayFeature>(feature));
  }
  if (converted.configs_size() > 0) {
    view.sinks.assign(converted.configs().begin(), converted.configs().end());
  }
  return view.state;
}

void GatewayDirectory::ApplyResponse(std::string_view gateway_id,
                                     const wirepas::GenericMessage& response) {
  const wirepas::PayloadKind kind = wirepas::PayloadKindOf(response);
  if (kind != wirepas::PayloadKind::kGetConfigsResp &&
      kind != wirepas::PayloadKind::kSetConfigResp) {
    return;
  }
  const wirepas::gwapi::ResponseHeader* header = wirepas::ResponseHeaderOf(response);
  if (header == nullptr || wirepas::ResultCode(*header) != wirepas::gwapi::OK) return;
  wm::v1::GatewayResponse converted;
  if (!wirepas::ToGatewayResponse(response, &converted).ok()) return;
  absl::MutexLock lock(&mu_);
  GatewayView& view = gateways_[std::string(gateway_id)];
  if (kind == wirepas::PayloadKind::kGetConfigsResp) {
    view.sinks.assign(converted.configs().begin(), converted.configs().end());
  } else {
    for (const wm::v1::SinkConfig& config : converted.configs()) UpsertSink(config, &view.sinks);
  }
}

std::optional<GatewayView> GatewayDirectory::Find(std::string_view gateway_id) const {
  absl::MutexLock lock(&mu_);
  auto it = gateways_.find(ToAbsl(gateway_id));
  if (it == gateways_.end()) return std::nullopt;
  return it->second;
}

wm::v1::GatewayState GatewayDirectory::StateOf(std::string_view gateway_id) const {
  absl::MutexLock lock(&mu_);
  auto it = gateways_.find(ToAbsl(gateway_id));
  return it == gateways_.end() ? wm::v1::GATEWAY_STATE_UNSPECIFIED : it->second.state;
}

size_t GatewayDirectory::size() const {
  absl::MutexLock lock(&mu_);
  return gateways_.size();
}

}  // namespace wm::command
