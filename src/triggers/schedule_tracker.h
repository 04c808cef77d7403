// Which `on.schedule` entries are due, with the missed-run rule.
//
// Each (project, workflow, cron line) has a cursor in TriggerState: every scheduled minute
// up to the cursor has been handled. At time `now`, an entry whose next scheduled minute
// after its cursor is at or before `now` is due, once — however many of its minutes passed
// while the controller was down — and its cursor moves to `now`. So after downtime a
// missed schedule fires at most once, and a schedule never fires twice for one minute.
// An entry seen for the first time starts with its cursor just before the current minute
// (a schedule due in the minute the controller starts fires).
//
// Pure: the caller passes `now` (from its Clock; tests pass any time) and saves the state.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "triggers/cron.h"
#include "triggers/trigger_state.h"

namespace sluice::triggers {

struct ScheduleEntry {
  std::string project;
  std::string workflow;  // the workflow file, part of the cursor's key
  CronSchedule cron;
};

// One schedule event to fire: the workflows of `project` whose cron line is `cron_text`
// (plan::decide_trigger runs exactly the workflows listing that line).
struct DueSchedule {
  std::string project;
  std::string cron_text;               // github.event.schedule
  std::vector<std::string> workflows;  // for logs
  std::time_t scheduled_for = 0;       // the latest scheduled minute at or before now
  bool missed = false;                 // an earlier minute than now's (fired after downtime)
};

// The state key of an entry: "PROJECT\tWORKFLOW\tCRON".
std::string schedule_key(const ScheduleEntry& entry);

// Collects the due schedules at `now`, advances their cursors, and forgets the cursors of
// entries no longer listed. Entries sharing project and cron line give one DueSchedule.
std::vector<DueSchedule> collect_due_schedules(const std::vector<ScheduleEntry>& entries,
                                               std::time_t now, TriggerState& state);

}  // namespace sluice::triggers
