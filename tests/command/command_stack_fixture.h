#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/command/command_stack.h"

namespace wm::testing {

// A test fixture that starts a CommandStack for each test (mosquitto, wm-command, the
// observer) and prints the stack's output when the test fails. StartSim starts the test's
// simulator.
//
//   class MyTest : public CommandStackFixture {};
//   TEST_F(MyTest, GetConfigs) {
//     ASSERT_NO_FATAL_FAILURE(StartSim());
//     ... stack_->commands(), sim(), gw() ...
//   }
class CommandStackFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Added to wm-command's command line by SetUp.
  virtual std::vector<std::string> CommandArgs() const { return {}; }

  // Starts the test's simulator: sim(), gw().
  void StartSim(SimulatorSpec spec = {});

  SimulatedGateways& sim() { return *sim_; }
  // The id of the simulator's first gateway.
  std::string gw() const { return sim_->gateway_id(); }

  std::unique_ptr<CommandStack> stack_;
  SimulatedGateways* sim_ = nullptr;
};

}  // namespace wm::testing
