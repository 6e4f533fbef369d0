#pragma once

namespace wm::testing {

// Returns a TCP port on 127.0.0.1 that was free a moment ago: binds port 0, reads the port the
// kernel chose and closes the socket. Another process may take it before the caller binds it,
// which is rare enough for tests. Aborts when no socket can be bound.
int FreeLoopbackPort();

}  // namespace wm::testing
