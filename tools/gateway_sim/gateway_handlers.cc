#include "tools/gateway_sim/gateway_handlers.h"

#include "tools/gateway_sim/config_handlers.h"
#include "tools/gateway_sim/data_handlers.h"
#include "tools/gateway_sim/otap_handlers.h"

namespace wm::gateway_sim {

RequestRouter BuildGatewayRouter(const GatewayIdentity& identity) {
  using wirepas::Method;
  RequestRouter router;  // get_configs, get_gw_info
  router.Register(Method::kSetConfig, HandleSetConfig);
  router.Register(Method::kSendData, HandleSendData);
  router.Register(Method::kOtapStatus, HandleOtapStatus);
  router.Register(Method::kOtapLoadScratchpad, HandleOtapLoadScratchpad);
  router.Register(Method::kOtapProcessScratchpad, HandleOtapProcessScratchpad);
  router.Register(Method::kOtapSetTargetScratchpad, HandleOtapSetTargetScratchpad);
  if (HasFeature(identity, gwapi::CONFIGURATION_DATA_V1)) {
    router.Register(Method::kSetConfigurationDataItem, HandleSetConfigurationDataItem);
    router.Register(Method::kGetConfigurationDataItem, HandleGetConfigurationDataItem);
  }
  return router;
}

}  // namespace wm::gateway_sim
