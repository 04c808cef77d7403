// What the trigger loop remembers across controller restarts: the refs each project's
// repository had at its last poll, and up to when each schedule has been handled.
//
// One small JSON file (DATA_DIR/triggers/state.json), not a Store table: it is written by
// one thread only, holds a few hundred bytes per project, and is replaced whole on each
// change (temporary file, fsync, rename over the old one, fsync of the directory), so a
// crash or power cut leaves the old or the new state, never a mix. Losing the file is
// safe: every repository is then seen for the first time (refs recorded, nothing fires)
// and every schedule starts counting from the current minute.
//
//   {"version": 1,
//    "repositories": {"PROJECT": {"repository": "URL or path",
//                                 "refs": {"refs/heads/main": "<sha>", ...}}},
//    "schedules": {"PROJECT\tWORKFLOW\tCRON": <unix seconds handled up to>}}
//
// Not thread-safe: the owner (server::TriggerLoop) serialises access.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/result.h"

namespace sluice::triggers {

using RefMap = std::map<std::string, std::string>;  // ref name -> object id

struct RememberedRefs {
  std::string repository;  // the refs belong to this repository; another one starts afresh
  RefMap refs;
};

class TriggerState {
 public:
  // Reads `file`; an absent file is an empty state. A file that is not valid state JSON is
  // an error naming it (the caller may move it aside and start empty).
  static Result<TriggerState> load(std::filesystem::path file);

  // Writes the whole state atomically (see above), creating the parent directory.
  Status save() const;

  const RememberedRefs* refs(const std::string& project) const;
  void set_refs(const std::string& project, RememberedRefs refs);

  std::optional<std::time_t> schedule_cursor(const std::string& key) const;
  void set_schedule_cursor(const std::string& key, std::time_t handled_up_to);
  // Forgets schedules not in `keys` (a workflow or its cron line was removed).
  void retain_schedules(const std::set<std::string>& keys);

  // Forgets projects not in `projects` (removed from the configuration).
  void retain_projects(const std::set<std::string>& projects);

  const std::filesystem::path& file() const { return file_; }
  // Counts the changes made since load(): the owner saves only when it moved.
  uint64_t revision() const { return revision_; }

 private:
  uint64_t revision_ = 0;
  std::filesystem::path file_;
  std::map<std::string, RememberedRefs> repositories_;
  std::map<std::string, std::time_t> schedules_;
};

}  // namespace sluice::triggers
