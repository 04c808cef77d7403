#include "exec/process_sweep.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

namespace sluice::exec {
namespace {

// Reads up to `max` bytes of a small /proc file into `out`; false when it cannot be read
// (the process ended, or belongs to another user).
bool read_proc_file(const std::string& path, std::string& out, size_t max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // Through a small buffer, appended: sizing `out` to `max` first zero-filled 1 MiB per
  // environment read, a tenth of an agent's CPU in the controller bench (BENCHMARKS.md).
  out.clear();
  char chunk[16384];
  while (out.size() < max) {
    ssize_t n = ::read(fd, chunk, std::min(sizeof chunk, max - out.size()));
    if (n <= 0) break;
    out.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return !out.empty();
}

struct ProcStat {
  char state = '?';
  pid_t session = -1;
  unsigned long flags = 0;
  uint64_t start_time = 0;
};

constexpr unsigned long kKernelThreadFlag = 0x00200000;  // PF_KTHREAD

// Fields 3 (state), 6 (session), 9 (flags) and 22 (start time) of /proc/PID/stat; the
// command name (field 2) may hold spaces and ')'.
ProcStat parse_stat(const std::string& stat) {
  ProcStat out;
  size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return out;
  out.state = stat[close + 2];
  int field = 2;
  for (size_t i = close + 1; i < stat.size(); ++i) {
    if (stat[i] != ' ') continue;
    ++field;
    if (field == 6)
      out.session = static_cast<pid_t>(std::strtol(stat.c_str() + i + 1, nullptr, 10));
    if (field == 9) out.flags = std::strtoul(stat.c_str() + i + 1, nullptr, 10);
    if (field == 22) {
      out.start_time = std::strtoull(stat.c_str() + i + 1, nullptr, 10);
      break;
    }
  }
  return out;
}

bool carries_tracking_id(const std::string& environ, const SweepTarget& target) {
  const std::string name = std::string(kTrackingVariable) + "=";
  std::string_view rest(environ);
  while (!rest.empty()) {
    size_t end = rest.find('\0');
    std::string_view entry = rest.substr(0, end);
    if (entry.starts_with(name)) {
      std::string_view value = entry.substr(name.size());
      return (!target.tracking_prefix.empty() && value.starts_with(target.tracking_prefix)) ||
             target.tracking_ids.count(std::string(value)) > 0;
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return false;
}

int64_t nanoseconds(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The wall-clock prefilter of `target`, or 0 (read everything) when it is unset or the
// clock was stepped since the mark was taken.
int64_t usable_wall_mark(const SweepTarget& target) {
  const SweepTarget::WallMark& mark = target.started_since_wall;
  if (mark.wall_ns == 0) return 0;
  int64_t offset = nanoseconds(CLOCK_REALTIME) - nanoseconds(CLOCK_MONOTONIC);
  int64_t drift = offset > mark.offset_ns ? offset - mark.offset_ns : mark.offset_ns - offset;
  return drift > kWallSlackNs / 4 ? 0 : mark.wall_ns;
}

enum class Verdict { kSpare, kKill, kUnsure };

// `inode` is the stat() of /proc/PID; `wall_mark` from usable_wall_mark().
Verdict targeted(pid_t pid, const struct stat& inode, int64_t wall_mark, const SweepTarget& target,
                 std::string& buffer) {
  // Older than every step: neither in a step's session (its members were all started after
  // the step) nor carrying a tracking id. Most processes of a machine end here, unread.
  int64_t made = static_cast<int64_t>(inode.st_ctim.tv_sec) * 1'000'000'000 + inode.st_ctim.tv_nsec;
  if (wall_mark != 0 && made < wall_mark) return Verdict::kSpare;
  // getsid() is a syscall that formats nothing: the common case (not ours) costs no read.
  pid_t session = ::getsid(pid);
  if (session < 0) return Verdict::kSpare;  // gone
  bool in_session = target.sessions.count(session) > 0;
  bool any_id = !target.tracking_ids.empty() || !target.tracking_prefix.empty();
  if (!in_session && !any_id) return Verdict::kSpare;
  std::string dir = "/proc/" + std::to_string(pid);
  if (!read_proc_file(dir + "/stat", buffer, 1024)) return Verdict::kSpare;
  ProcStat stat = parse_stat(buffer);
  if (stat.state == 'Z' || stat.state == 'X') return Verdict::kSpare;  // dead, not yet reaped
  if (in_session) return Verdict::kKill;
  if (stat.start_time < target.started_since || (stat.flags & kKernelThreadFlag) != 0)
    return Verdict::kSpare;
  constexpr size_t kMaxEnvironment = 1 << 20;
  // An empty read: the environment is empty, or the process is inside execve() (its old
  // memory is going away; a daemon doing `setsid sleep` is caught there now and then), or it
  // just exited. Only a later look tells.
  if (!read_proc_file(dir + "/environ", buffer, kMaxEnvironment)) return Verdict::kUnsure;
  return carries_tracking_id(buffer, target) ? Verdict::kKill : Verdict::kSpare;
}

struct PassResult {
  int killed = 0;
  std::vector<pid_t> unsure;  // young processes whose environment could not be read this time
};

// `signalled`: pids this sweep has SIGKILLed already. Such a process may take a while to
// die on a busy machine, but it cannot escape, and its pid cannot be reused before it is
// reaped: it is not signalled (nor counted) again, so the passes end once nothing new is found.
// `only`: the pids to look at (the unsure ones of the pass before); null: every process.
PassResult sweep_once(const SweepTarget& target, std::set<pid_t>& signalled,
                      const std::vector<pid_t>* only) {
  PassResult result;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return result;
  const pid_t self = ::getpid();
  const uid_t uid = ::getuid();
  const int64_t wall_mark = usable_wall_mark(target);
  std::string buffer;
  auto look_at = [&](const char* name) {
    char* end = nullptr;
    long pid = std::strtol(name, &end, 10);
    if (*end != '\0' || pid <= 1 || pid == self || signalled.count(static_cast<pid_t>(pid)) > 0)
      return;
    // Only our own processes can be signalled; skip the others without reading them.
    struct stat st {};
    if (::fstatat(::dirfd(proc), name, &st, 0) != 0 || (uid != 0 && st.st_uid != uid)) return;
    Verdict verdict = targeted(static_cast<pid_t>(pid), st, wall_mark, target, buffer);
    if (verdict == Verdict::kUnsure) result.unsure.push_back(static_cast<pid_t>(pid));
    if (verdict == Verdict::kKill && ::kill(static_cast<pid_t>(pid), SIGKILL) == 0) {
      signalled.insert(static_cast<pid_t>(pid));
      ++result.killed;
    }
  };
  if (only != nullptr) {
    for (pid_t pid : *only) look_at(std::to_string(pid).c_str());
  } else {
    while (dirent* entry = ::readdir(proc)) look_at(entry->d_name);
  }
  ::closedir(proc);
  return result;
}

}  // namespace

SweepTarget::WallMark wall_mark_now() {
  SweepTarget::WallMark mark;
  mark.offset_ns = nanoseconds(CLOCK_REALTIME) - nanoseconds(CLOCK_MONOTONIC);
  mark.wall_ns = nanoseconds(CLOCK_REALTIME_COARSE) - kWallSlackNs;
  return mark;
}

uint64_t process_start_time(pid_t pid) {
  std::string buffer;
  if (!read_proc_file("/proc/" + std::to_string(pid) + "/stat", buffer, 1024)) return 0;
  return parse_stat(buffer).start_time;
}

int sweep_processes(const SweepTarget& target, int max_passes) {
  if (target.sessions.empty() && target.tracking_ids.empty() && target.tracking_prefix.empty())
    return 0;
  // A pass that kills nothing but could not read some young process's environment is
  // looked at again a little later, a few times: an execve() is over within milliseconds,
  // and a process whose environment really is empty costs only these few passes.
  constexpr int kUnsurePasses = 3;
  constexpr auto kUnsureDelay = std::chrono::milliseconds(5);
  int total = 0;
  int unsure_passes = 0;
  std::set<pid_t> signalled;
  std::vector<pid_t> unsure;
  bool everything = true;
  for (int pass = 0; pass < max_passes; ++pass) {
    PassResult result = sweep_once(target, signalled, everything ? nullptr : &unsure);
    total += result.killed;
    // After a kill, everything again (what it may have forked meanwhile); after a pass that
    // only had unsure processes, those alone: what they may start is in their session or
    // carries their environment, and is found once they are.
    everything = result.killed > 0;
    if (everything) continue;
    if (result.unsure.empty() || ++unsure_passes > kUnsurePasses) break;
    unsure = std::move(result.unsure);
    std::this_thread::sleep_for(kUnsureDelay);
  }
  return total;
}

}  // namespace sluice::exec
