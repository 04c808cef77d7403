#include "triggers/trigger_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/json.h"
#include "core/value.h"

namespace sluice::triggers {
namespace {

constexpr size_t kMaxStateFile = 64 << 20;

Error file_error(const std::filesystem::path& file, const std::string& what) {
  return Error{"trigger state " + file.string() + ": " + what, {}};
}

Status write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{std::strerror(errno), {}};
    done += static_cast<size_t>(n);
  }
  return {};
}

Status fsync_path(const std::filesystem::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Error{std::strerror(errno), {}};
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error{std::strerror(errno), {}};
  return {};
}

}  // namespace

Result<TriggerState> TriggerState::load(std::filesystem::path file) {
  TriggerState state;
  state.file_ = std::move(file);
  std::ifstream in(state.file_, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(state.file_, ec)) return state;
    return file_error(state.file_, "cannot be read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxStateFile) return file_error(state.file_, "too large");
  Result<Value> parsed = parse_json(text.str());
  if (!parsed.ok()) return file_error(state.file_, parsed.error().message);
  if (!parsed->is_object() || parsed->get("version").to_number() != 1)
    return file_error(state.file_, "not a version 1 state file");
  if (const Value* repos = parsed->find("repositories"); repos && repos->is_object()) {
    for (const auto& [project, entry] : repos->as_object()) {
      RememberedRefs remembered;
      remembered.repository = entry.get("repository").to_string();
      if (const Value* refs = entry.find("refs"); refs && refs->is_object())
        for (const auto& [name, sha] : refs->as_object())
          if (sha.is_string()) remembered.refs[name] = sha.as_string();
      state.repositories_[project] = std::move(remembered);
    }
  }
  if (const Value* schedules = parsed->find("schedules"); schedules && schedules->is_object())
    for (const auto& [key, cursor] : schedules->as_object())
      if (cursor.is_number()) state.schedules_[key] = static_cast<std::time_t>(cursor.as_number());
  return state;
}

Status TriggerState::save() const {
  Value repos = Value::object();
  for (const auto& [project, remembered] : repositories_) {
    Value refs = Value::object();
    for (const auto& [name, sha] : remembered.refs) refs.as_object().emplace_back(name, sha);
    Value entry = Value::object();
    entry.set("repository", remembered.repository);
    entry.set("refs", refs);
    repos.as_object().emplace_back(project, entry);  // keys are case-sensitive project names
  }
  Value schedules = Value::object();
  for (const auto& [key, cursor] : schedules_)
    schedules.as_object().emplace_back(key, static_cast<long long>(cursor));
  Value root = Value::object();
  root.set("version", 1);
  root.set("repositories", repos);
  root.set("schedules", schedules);
  std::string text = to_json(root, 1) + "\n";

  std::error_code ec;
  std::filesystem::path dir = file_.parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return file_error(file_, "cannot create its directory: " + ec.message());
  std::filesystem::path temp = file_;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return file_error(temp, std::strerror(errno));
  Status written = write_all(fd, text);
  if (written.ok() && ::fsync(fd) != 0) written = Error{std::strerror(errno), {}};
  ::close(fd);
  if (!written.ok()) return file_error(temp, written.error().message);
  if (::rename(temp.c_str(), file_.c_str()) != 0) return file_error(file_, std::strerror(errno));
  if (Status synced = fsync_path(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY); !synced.ok())
    return file_error(dir, synced.error().message);
  return {};
}

const RememberedRefs* TriggerState::refs(const std::string& project) const {
  auto it = repositories_.find(project);
  return it == repositories_.end() ? nullptr : &it->second;
}

void TriggerState::set_refs(const std::string& project, RememberedRefs refs) {
  RememberedRefs& slot = repositories_[project];
  if (slot.repository == refs.repository && slot.refs == refs.refs && !slot.repository.empty())
    return;
  slot = std::move(refs);
  ++revision_;
}

std::optional<std::time_t> TriggerState::schedule_cursor(const std::string& key) const {
  auto it = schedules_.find(key);
  if (it == schedules_.end()) return std::nullopt;
  return it->second;
}

void TriggerState::set_schedule_cursor(const std::string& key, std::time_t handled_up_to) {
  auto [it, inserted] = schedules_.try_emplace(key, handled_up_to);
  if (!inserted && it->second == handled_up_to) return;
  it->second = handled_up_to;
  ++revision_;
}

void TriggerState::retain_schedules(const std::set<std::string>& keys) {
  revision_ +=
      std::erase_if(schedules_, [&](const auto& entry) { return !keys.contains(entry.first); });
}

void TriggerState::retain_projects(const std::set<std::string>& projects) {
  std::erase_if(repositories_, [&](const auto& entry) { return !projects.contains(entry.first); });
}

}  // namespace sluice::triggers
