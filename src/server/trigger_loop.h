// TriggerLoop: the controller's git polling and cron schedules (issue 10 §2).
//
// One thread wakes every `tick` and, for each project:
//   - polls its repository when its poll interval has passed (triggers::GitPoller): each new
//     commit on a watched branch or new tag is a `push` event for Controller::trigger;
//     with poll_interval_seconds 0 the refs are still read once a minute (for schedules and
//     webhook bookkeeping) but nothing fires from them;
//   - lists the `on.schedule` lines of the workflows on the default branch (again only
//     when that branch moves) and fires a `schedule` event (github.event.schedule = the
//     cron line, at the default branch's latest commit) for each due line, with the
//     missed-run rule of triggers/schedule_tracker.h.
// What it remembers (refs per project, schedule cursors) is in DATA_DIR/triggers/state.json
// (triggers/trigger_state.h), saved before a schedule fires (a crash then loses that run
// rather than repeating it) and after a poll's events fired.
//
// Webhooks (server/hook_routes) and polling may see the same push: both record the ref
// through claim_push() first, under one lock, and only the first to claim a (ref, sha)
// fires it.
//
// Clock: `now` (seconds, UTC) is injectable; by default the system clock shifted by the
// test-only environment variable SLUICE_TEST_CLOCK_OFFSET_SECONDS (documented as such in
// docs/triggers.md) so an integration test can bring a schedule's minute forward.
//
// Threading: start()/stop() from the owner; tick() from the loop's thread (or a test's, with
// the loop not started); claim_push() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "plan/event.h"
#include "triggers/git_poller.h"
#include "triggers/schedule_tracker.h"
#include "triggers/trigger_event.h"
#include "triggers/trigger_state.h"

namespace sluice::server {

class Controller;
struct ProjectConfig;

struct TriggerLoopOptions {
  std::filesystem::path state_dir;   // DATA_DIR/triggers: state.json, mirrors/
  std::function<std::time_t()> now;  // empty: system clock + SLUICE_TEST_CLOCK_OFFSET_SECONDS
  std::chrono::milliseconds tick{1000};
  // Where events go; empty: Controller::trigger. Tests record them instead.
  std::function<Result<std::vector<int64_t>>(const std::string& project, plan::Event)> fire;
  std::ostream* log = nullptr;  // one line per fired event or error; nullptr: none
};

// The plan::Event a trigger asks for.
plan::Event to_plan_event(triggers::TriggerEvent event);

// The repository a project's triggers watch (its branches and tags settings).
triggers::WatchedRepository watched_repository(const ProjectConfig& project);

// The system clock shifted by SLUICE_TEST_CLOCK_OFFSET_SECONDS (test-only).
std::time_t trigger_clock_now();

class TriggerLoop {
 public:
  TriggerLoop(Controller& controller, TriggerLoopOptions options);
  ~TriggerLoop();
  TriggerLoop(const TriggerLoop&) = delete;
  TriggerLoop& operator=(const TriggerLoop&) = delete;

  // Loads the state (a corrupt file is moved aside to state.json.corrupt and the state
  // starts empty, with a log line) and starts the thread.
  Status start();
  void stop();  // idempotent; waits for a tick in progress

  // One pass over the projects at the current clock.
  void tick();

  // Records that `project`'s `ref` is now at `after` (a webhook's push). False when it was
  // already there (the poll saw it first and fired): the caller fires nothing then.
  bool claim_push(const std::string& project, const std::string& ref, const std::string& after);

 private:
  struct ProjectTrack {
    std::time_t next_read = 0;
    std::string default_ref;  // refs/heads/main
    std::string default_sha;
    std::string schedules_sha;  // the commit `schedules` were read at
    std::vector<triggers::ScheduleEntry> schedules;
  };

  Status load_state();
  void poll_project(const ProjectConfig& project, ProjectTrack& track, std::time_t now);
  void refresh_schedules(const ProjectConfig& project, ProjectTrack& track);
  void fire_schedules(std::time_t now);
  void fire(const std::string& project, triggers::TriggerEvent event);
  void save_locked();
  void log(const std::string& line);

  Controller& controller_;
  TriggerLoopOptions options_;
  triggers::GitPoller poller_;
  std::map<std::string, ProjectTrack> tracks_;  // loop thread only

  std::mutex mutex_;  // state_, saved_revision_
  std::unique_ptr<triggers::TriggerState> state_;
  uint64_t saved_revision_ = 0;
  std::mutex log_mutex_;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sluice::server
