#include "triggers/schedule_tracker.h"

#include <algorithm>
#include <set>

namespace sluice::triggers {
namespace {

std::time_t minute_start(std::time_t t) {
  return t - ((t % 60) + 60) % 60;
}

}  // namespace

std::string schedule_key(const ScheduleEntry& entry) {
  return entry.project + "\t" + entry.workflow + "\t" + entry.cron.text();
}

std::vector<DueSchedule> collect_due_schedules(const std::vector<ScheduleEntry>& entries,
                                               std::time_t now, TriggerState& state) {
  std::vector<DueSchedule> due;
  std::set<std::string> keys;
  for (const ScheduleEntry& entry : entries) {
    std::string key = schedule_key(entry);
    keys.insert(key);
    std::time_t cursor = state.schedule_cursor(key).value_or(minute_start(now) - 1);
    std::optional<std::time_t> next = entry.cron.next_after(cursor);
    if (!next || *next > now) {
      state.set_schedule_cursor(key, cursor);
      continue;
    }
    state.set_schedule_cursor(key, now);
    bool on_time = entry.cron.matches(now);
    std::time_t scheduled_for = on_time ? minute_start(now) : *next;
    auto same = std::find_if(due.begin(), due.end(), [&](const DueSchedule& d) {
      return d.project == entry.project && d.cron_text == entry.cron.text();
    });
    if (same == due.end()) {
      due.push_back({entry.project, entry.cron.text(), {}, scheduled_for, !on_time});
      same = due.end() - 1;
    }
    same->workflows.push_back(entry.workflow);
  }
  state.retain_schedules(keys);
  return due;
}

}  // namespace sluice::triggers
