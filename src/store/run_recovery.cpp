#include "store/run_recovery.h"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <optional>

#include "store/run_owner.h"

namespace sluice::store {

namespace fs = std::filesystem;

namespace {

// "<pid>-<number>..." after `prefix`: the pid and the number (a creation time in ms for
// temp dirs, a start time in ticks for owner files).
std::optional<std::pair<int, int64_t>> parse_pid_and_number(std::string_view name,
                                                            std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  int pid = 0;
  auto [dash, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || pid <= 0 || dash == name.data() + name.size() || *dash != '-')
    return std::nullopt;
  int64_t number = 0;
  const char* end = name.data() + name.size();
  auto [rest, ec2] = std::from_chars(dash + 1, end, number);
  if (ec2 != std::errc()) return std::nullopt;
  return std::make_pair(pid, number);
}

// When the system booted, in epoch milliseconds (/proc/stat "btime", whole seconds).
std::optional<int64_t> boot_time_ms() {
  std::ifstream in("/proc/stat");
  std::string key;
  int64_t value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value * 1000;
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

std::string describe_owner(const std::string& owner) {
  return fmt::format("the sluice process (pid {}) ended before the run finished",
                     owner.substr(0, owner.find(':')));
}

int remove_entry(const fs::path& path) {
  std::error_code ec;
  return fs::remove_all(path, ec) > 0 && !ec ? 1 : 0;
}

}  // namespace

bool process_alive_since(int pid, int64_t created_ms) {
  std::optional<unsigned long long> ticks = process_start_ticks(pid);
  if (!ticks) return false;
  static const std::optional<int64_t> boot = boot_time_ms();
  static const long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (!boot || ticks_per_second <= 0) return true;  // cannot tell: keep it
  int64_t started_ms = *boot + static_cast<int64_t>(*ticks) * 1000 / ticks_per_second;
  // btime has whole seconds: allow for its rounding before calling the pid reused.
  return started_ms <= created_ms + 2000;
}

Result<bool> interrupt_if_owner_gone(engine::Store& store, const fs::path& data_dir,
                                     const engine::RunRecord& run, int64_t now_ms) {
  if (engine::is_terminal(run.status) || owner_state(data_dir, run.owner) != OwnerState::kGone)
    return false;
  return store.mark_interrupted(run.id, describe_owner(run.owner), now_ms);
}

Result<std::vector<int64_t>> interrupt_orphaned_runs(engine::Store& store, const fs::path& data_dir,
                                                     int64_t now_ms) {
  auto unfinished = store.list_unfinished_runs();
  if (!unfinished) return unfinished.error();
  std::vector<int64_t> interrupted;
  for (const engine::RunRecord& run : *unfinished) {
    auto marked = interrupt_if_owner_gone(store, data_dir, run, now_ms);
    if (!marked) return marked.error();
    if (*marked) interrupted.push_back(run.id);
  }
  return interrupted;
}

int remove_leftovers(const fs::path& data_dir, const fs::path& step_files_root) {
  int removed = 0;
  std::error_code ec;
  auto sweep = [&](const fs::path& dir, std::string_view prefix) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      auto parsed = parse_pid_and_number(name, prefix);
      if (parsed && !process_alive_since(parsed->first, parsed->second))
        removed += remove_entry(entry.path());
    }
  };
  sweep(data_dir / "tmp", "run-");
  sweep(step_files_root, "sluice-");
  // Owner files: "<pid>-<start ticks>.lock", or ".lock.tmp" while being created.
  for (const auto& entry : fs::directory_iterator(data_dir / "owners", ec)) {
    std::string name = entry.path().filename().string();
    auto parsed = parse_pid_and_number(name, "");
    if (!parsed) continue;
    std::string token = fmt::format("{}:{}", parsed->first, parsed->second);
    bool gone = name.ends_with(".tmp") ? process_start_ticks(parsed->first) !=
                                             static_cast<unsigned long long>(parsed->second)
                                       : owner_state(data_dir, token) == OwnerState::kGone;
    if (gone) removed += remove_entry(entry.path());
  }
  return removed;
}

}  // namespace sluice::store
