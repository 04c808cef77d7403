#include "exec/container/container_cleanup.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "exec/child_process.h"

extern char** environ;

namespace sluice::exec::container {
namespace {

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find_first_of(" \t\n", i);
    if (end == std::string::npos) end = text.size();
    if (end > i) out.push_back(text.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

Result<ContainerEngine> engine_of_this_process(const std::string& choice) {
  const char* path = std::getenv("PATH");
  return find_container_engine(choice, path ? path : "");
}

}  // namespace

Result<std::string> run_engine(const ContainerEngine& engine,
                               const std::vector<std::string>& args) {
  std::vector<std::string> argv = {engine.program};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  auto child = spawn_child(engine.program, argv, env, "");
  if (!child.ok()) return child.error();
  std::string output;
  char buffer[4096];
  for (;;) {
    pollfd fd{child->output_fd, POLLIN, 0};
    if (::poll(&fd, 1, -1) < 0 && errno != EINTR) break;
    ssize_t n = ::read(child->output_fd, buffer, sizeof buffer);
    if (n > 0) {
      output.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      break;
    }
  }
  int status = 0;
  ::waitpid(child->pid, &status, 0);
  ::close(child->output_fd);
  ::close(child->pidfd);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error{engine.program + " " + (args.empty() ? "" : args.front()) + " failed: " + output,
                 {}};
  return output;
}

Result<int> remove_labelled(const ContainerEngine& engine,
                            const std::vector<std::string>& label_filters) {
  auto ids = run_engine(engine, list_by_label_args(label_filters));
  if (!ids.ok()) return ids.error();
  std::vector<std::string> containers = words(*ids);
  if (!containers.empty()) {
    auto removed = run_engine(engine, remove_args(engine.kind, containers));
    if (!removed.ok()) return removed.error();
  }
  auto networks = run_engine(engine, network_list_by_label_args(label_filters));
  if (!networks.ok()) return networks.error();
  for (const std::string& network : words(*networks)) {
    auto removed = run_engine(engine, {"network", "rm", "-f", network});
    if (!removed.ok()) return removed.error();
  }
  return static_cast<int>(containers.size());
}

void remove_containers_of_runs(const std::vector<int64_t>& run_ids, const std::string& data_dir) {
  if (run_ids.empty()) return;
  const char* choice = std::getenv("SLUICE_CONTAINER_ENGINE");
  auto engine = engine_of_this_process(choice ? choice : "");
  if (!engine.ok()) return;
  for (int64_t id : run_ids)
    (void)remove_labelled(
        *engine, {"sluice.run=" + std::to_string(id), "sluice.data=" + data_label(data_dir)});
}

void remove_containers_of_data_dir(const std::string& data_dir, const std::string& engine_choice) {
  auto engine = engine_of_this_process(engine_choice);
  if (engine.ok()) (void)remove_labelled(*engine, {"sluice.data=" + data_label(data_dir)});
}

Status remove_tree_in_user_namespace(const std::string& path, const std::string& engine_choice) {
  if (::geteuid() == 0) return Error{"running as root, there is no other way", {}};
  auto engine = engine_of_this_process(engine_choice);
  if (!engine.ok()) return engine.error();
  if (engine->kind != EngineKind::kPodman)
    return Error{"only Podman can remove files of subordinate ids (" + path + ")", {}};
  auto removed = run_engine(*engine, {"unshare", "rm", "-rf", "--", path});
  if (!removed.ok()) return removed.error();
  return Status::Ok();
}

}  // namespace sluice::exec::container
