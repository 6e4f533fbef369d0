#include "services/registry/periodic_task.h"

namespace wm::registry {

PeriodicTask::PeriodicTask(base::Scheduler* scheduler, absl::Duration interval,
                           std::function<void()> task)
    : scheduler_(scheduler), id_(scheduler->RunEvery(interval, std::move(task))) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Stop() { scheduler_->CancelAndWait(id_); }

}  // namespace wm::registry
