#include "triggers/schedule_tracker.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace sluice::triggers {
namespace {

namespace fs = std::filesystem;

// 2026-12-03 10:00:00 UTC
constexpr std::time_t kTen = 1796292000;

ScheduleEntry entry(const std::string& project, const std::string& workflow,
                    const std::string& cron) {
  auto parsed = CronSchedule::parse(cron);
  if (!parsed.ok()) throw std::runtime_error(parsed.error().message);
  return {project, workflow, *parsed};
}

TEST(ScheduleTracker, FiresAtTheDueMinuteOnlyOnce) {
  TriggerState state;
  std::vector<ScheduleEntry> entries{entry("app", "nightly.yml", "30 10 * * *")};
  EXPECT_TRUE(collect_due_schedules(entries, kTen + 5, state).empty());
  uint64_t revision = state.revision();  // the new cursor is a change to save...
  EXPECT_GT(revision, 0u);
  EXPECT_TRUE(collect_due_schedules(entries, kTen + 30 * 60 - 1, state).empty());  // 10:29:59
  EXPECT_EQ(state.revision(), revision);  // ...a tick with nothing due is not
  auto due = collect_due_schedules(entries, kTen + 30 * 60, state);  // 10:30:00
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].project, "app");
  EXPECT_EQ(due[0].cron_text, "30 10 * * *");
  EXPECT_EQ(due[0].workflows, (std::vector<std::string>{"nightly.yml"}));
  EXPECT_EQ(due[0].scheduled_for, kTen + 30 * 60);
  EXPECT_FALSE(due[0].missed);
  EXPECT_TRUE(collect_due_schedules(entries, kTen + 30 * 60 + 59, state).empty());  // same minute
  EXPECT_TRUE(collect_due_schedules(entries, kTen + 3600, state).empty());
}

TEST(ScheduleTracker, AScheduleDueInTheFirstMinuteSeenFires) {
  TriggerState state;
  auto due = collect_due_schedules({entry("app", "w.yml", "0 10 * * *")}, kTen + 20, state);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].scheduled_for, kTen);
}

TEST(ScheduleTracker, MissedRunsFireAtMostOnceAfterDowntime) {
  TriggerState state;
  std::vector<ScheduleEntry> entries{entry("app", "hourly.yml", "0 * * * *")};
  ASSERT_TRUE(collect_due_schedules(entries, kTen + 60, state).empty());  // 10:01
  // Down from 10:01 to 15:30: five hourly runs missed, one fires.
  std::time_t back = kTen + 5 * 3600 + 30 * 60;
  auto due = collect_due_schedules(entries, back, state);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].missed);
  EXPECT_EQ(due[0].scheduled_for, kTen + 3600);  // the first one missed
  EXPECT_TRUE(collect_due_schedules(entries, back + 60, state).empty());
  EXPECT_EQ(collect_due_schedules(entries, kTen + 6 * 3600, state).size(), 1u);  // 16:00
}

TEST(ScheduleTracker, WorkflowsSharingACronLineFireAsOneEvent) {
  TriggerState state;
  std::vector<ScheduleEntry> entries{
      entry("app", "a.yml", "*/5 * * * *"), entry("app", "b.yml", "*/5 * * * *"),
      entry("app", "c.yml", "*/10 * * * *"), entry("lib", "a.yml", "*/5 * * * *")};
  auto due = collect_due_schedules(entries, kTen + 10, state);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].workflows, (std::vector<std::string>{"a.yml", "b.yml"}));
  EXPECT_EQ(due[1].cron_text, "*/10 * * * *");
  EXPECT_EQ(due[2].project, "lib");
}

TEST(ScheduleTracker, CursorsSurviveARestartThroughTheStateFile) {
  char dir[] = "/tmp/sluice-sched-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  fs::path file = fs::path(dir) / "triggers" / "state.json";
  std::vector<ScheduleEntry> entries{entry("app", "w.yml", "0 * * * *")};
  {
    auto state = TriggerState::load(file);
    ASSERT_TRUE(state.ok());
    ASSERT_EQ(collect_due_schedules(entries, kTen + 1, *state).size(), 1u);
    state->set_refs("app", {"/srv/app", {{"refs/heads/main", std::string(40, 'a')}}});
    ASSERT_TRUE(state->save().ok());
  }
  auto reloaded = TriggerState::load(file);
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_TRUE(collect_due_schedules(entries, kTen + 120, *reloaded).empty());  // no refire
  ASSERT_NE(reloaded->refs("app"), nullptr);
  EXPECT_EQ(reloaded->refs("app")->repository, "/srv/app");
  EXPECT_EQ(reloaded->refs("app")->refs.at("refs/heads/main"), std::string(40, 'a'));
  EXPECT_FALSE(fs::exists(file.string() + ".tmp"));

  // A removed workflow's cursor is forgotten.
  collect_due_schedules({}, kTen + 180, *reloaded);
  EXPECT_FALSE(reloaded->schedule_cursor(schedule_key(entries[0])));

  std::ofstream(file) << "{not json";
  auto corrupt = TriggerState::load(file);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.error().message.find(file.string()), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sluice::triggers
