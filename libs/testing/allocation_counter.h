#pragma once

namespace wm::testing {

// Heap allocations made so far through the global operator new in this binary.
//
// Linking //libs/testing:allocation_counter replaces operator new and delete for the whole
// binary with counting versions, so tests and benchmarks of allocation-free paths can check
// them:
//   const long before = AllocationCount();
//   DecodeTrafficDiagnostics(payload, &reused);
//   EXPECT_EQ(AllocationCount() - before, 0);
// Only for test and benchmark binaries.
long AllocationCount();

}  // namespace wm::testing
