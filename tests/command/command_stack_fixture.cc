#include "tests/command/command_stack_fixture.h"

#include <iostream>
#include <utility>

namespace wm::testing {

void CommandStackFixture::SetUp() {
  absl::StatusOr<std::unique_ptr<CommandStack>> stack = CommandStack::Start(CommandArgs());
  ASSERT_TRUE(stack.ok()) << stack.status();
  stack_ = *std::move(stack);
}

void CommandStackFixture::TearDown() {
  if (HasFailure() && stack_ != nullptr) std::cerr << stack_->Output();
}

void CommandStackFixture::StartSim(SimulatorSpec spec) {
  absl::StatusOr<SimulatedGateways*> sim = stack_->StartSimulator(std::move(spec));
  ASSERT_TRUE(sim.ok()) << sim.status();
  sim_ = *sim;
}

}  // namespace wm::testing
