#pragma once

#include "tools/gateway_sim/gateway_status.h"
#include "tools/gateway_sim/request_router.h"

namespace wm::gateway_sim {

// A router that answers every request topic of docs/gateway-api.md "Topics" as the reference
// gateway does: get_configs and get_gw_info (request_router.h); set_config and, when `identity`
// advertises CONFIGURATION_DATA_V1, set/get_configuration_data_item (config_handlers.h); send_data
// (data_handlers.h); otap_status, otap_load_scratchpad, otap_process_scratchpad and
// otap_set_target_scratchpad (otap_handlers.h). A gateway without the CDD feature does not
// subscribe to the item topics, so those requests get no answer.
RequestRouter BuildGatewayRouter(const GatewayIdentity& identity);

}  // namespace wm::gateway_sim
