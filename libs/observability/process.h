#pragma once

namespace wm::observability {

// Process-wide settings every long-running binary applies first thing in main(), before it
// starts a thread.
//
// Turns off absl::Mutex's lock-order (deadlock) detection. Debian builds Abseil without NDEBUG,
// so every Mutex lock in the process (ours, and gRPC's) records lock-order edges in a global
// graph: about 2.4% of wm-command's CPU under load. Tests do not call this, so they keep
// detecting lock-order inversions.
void PrepareServiceProcess();

}  // namespace wm::observability
