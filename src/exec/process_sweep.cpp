#include "exec/process_sweep.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace sluice::exec {
namespace {

// Reads up to `max` bytes of a small /proc file into `out`; false when it cannot be read
// (the process ended, or belongs to another user).
bool read_proc_file(const std::string& path, std::string& out, size_t max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.resize(max);
  size_t used = 0;
  while (used < max) {
    ssize_t n = ::read(fd, out.data() + used, max - used);
    if (n <= 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(used);
  return used > 0;
}

struct ProcStat {
  char state = '?';
  pid_t session = -1;
  uint64_t start_time = 0;
};

// Fields 3 (state), 6 (session) and 22 (start time) of /proc/PID/stat; the command name
// (field 2) may hold spaces and ')'.
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

bool targeted(pid_t pid, const SweepTarget& target, std::string& buffer) {
  std::string dir = "/proc/" + std::to_string(pid);
  if (!read_proc_file(dir + "/stat", buffer, 1024)) return false;
  ProcStat stat = parse_stat(buffer);
  if (stat.state == 'Z' || stat.state == 'X') return false;  // dead already, not yet reaped
  if (target.sessions.count(stat.session) > 0) return true;
  if (stat.start_time < target.started_since) return false;
  constexpr size_t kMaxEnvironment = 1 << 20;
  bool any_id = !target.tracking_ids.empty() || !target.tracking_prefix.empty();
  return any_id && read_proc_file(dir + "/environ", buffer, kMaxEnvironment) &&
         carries_tracking_id(buffer, target);
}

int sweep_once(const SweepTarget& target) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return 0;
  const pid_t self = ::getpid();
  const uid_t uid = ::getuid();
  std::string buffer;
  int killed = 0;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 1 || pid == self) continue;
    // Only our own processes can be signalled; skip the others without reading them.
    struct stat st {};
    if (::fstatat(::dirfd(proc), entry->d_name, &st, 0) != 0 || (uid != 0 && st.st_uid != uid))
      continue;
    if (!targeted(static_cast<pid_t>(pid), target, buffer)) continue;
    if (::kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++killed;
  }
  ::closedir(proc);
  return killed;
}

}  // namespace

uint64_t process_start_time(pid_t pid) {
  std::string buffer;
  if (!read_proc_file("/proc/" + std::to_string(pid) + "/stat", buffer, 1024)) return 0;
  return parse_stat(buffer).start_time;
}

int sweep_processes(const SweepTarget& target, int max_passes) {
  if (target.sessions.empty() && target.tracking_ids.empty() && target.tracking_prefix.empty())
    return 0;
  int total = 0;
  for (int pass = 0; pass < max_passes; ++pass) {
    int killed = sweep_once(target);
    total += killed;
    if (killed == 0) break;
  }
  return total;
}

}  // namespace sluice::exec
