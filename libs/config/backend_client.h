#pragma once

#include "libs/config/settings.h"

namespace wm::config {

// Accepts, as ignored, every key of the backend-client settings.yml format (the tool this
// project replaces) that the schema does not declare itself: a complete old settings file
// keeps working with any wm-backend program, which says once which keys it ignores.
// Call after every setting of the program is declared.
void AcceptBackendClientKeys(Schema& schema);

}  // namespace wm::config
