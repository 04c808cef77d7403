#include "agent/agent_paths.h"

#include <algorithm>
#include <cctype>
#include <memory>

namespace sluice::agent {

void PathMap::add(std::string from, std::string to) {
  while (from.size() > 1 && from.back() == '/') from.pop_back();
  if (from.empty() || from == to) return;
  pairs_.emplace_back(std::move(from), std::move(to));
  std::stable_sort(pairs_.begin(), pairs_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

std::string PathMap::apply(const std::string& text) const {
  if (pairs_.empty()) return text;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool at_start = i == 0 || text[i - 1] == ':' || text[i - 1] == '=' ||
                    std::isspace(static_cast<unsigned char>(text[i - 1]));
    bool replaced = false;
    if (at_start && text[i] == '/') {
      for (const auto& [from, to] : pairs_) {
        if (text.compare(i, from.size(), from) != 0) continue;
        size_t end = i + from.size();
        if (end < text.size() && text[end] != '/' && text[end] != ':') continue;
        out += to;
        i = end;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

PathMap PathMap::reversed() const {
  PathMap r;
  for (const auto& [from, to] : pairs_) r.add(to, from);
  return r;
}

namespace {

void map_all(std::vector<std::string>& texts, const PathMap& map) {
  for (std::string& text : texts) text = map.apply(text);
}

void map_container(engine::ContainerRequest& c, const PathMap& map) {
  for (auto& [name, value] : c.env) value = map.apply(value);
  map_all(c.volumes, map);
  c.options = map.apply(c.options);
}

}  // namespace

void map_request(engine::StepRequest& request, const PathMap& map) {
  request.working_directory = map.apply(request.working_directory);
  request.script_path = map.apply(request.script_path);
  for (auto& [name, value] : request.env) value = map.apply(value);
  if (request.containers) {
    auto containers = std::make_shared<engine::JobContainers>(*request.containers);
    if (containers->job) map_container(*containers->job, map);
    for (auto& service : containers->services) map_container(service, map);
    map_all(containers->mounts, map);
    containers->workspace = map.apply(containers->workspace);
    request.containers = std::move(containers);
  }
  engine::DockerActionRequest& docker = request.docker;
  if (docker.image.rfind("docker://", 0) != 0) docker.image = map.apply(docker.image);
  docker.entrypoint = map.apply(docker.entrypoint);
  map_all(docker.args, map);
  map_all(docker.mounts, map);
  docker.workspace = map.apply(docker.workspace);
}

void map_step_request(engine::StepRequest& request, PathMap map,
                      const std::string& step_files_dir) {
  const std::string controller_dir = request.step_files_dir;
  auto mounts_it = [&](const std::vector<std::string>& mounts) {
    return !controller_dir.empty() &&
           std::find(mounts.begin(), mounts.end(), controller_dir) != mounts.end();
  };
  const bool containers_mount = request.containers && mounts_it(request.containers->mounts);
  const bool docker_mounts = mounts_it(request.docker.mounts);
  map.add(controller_dir, step_files_dir);  // no effect when it is a root already
  map_request(request, map);
  auto mount = [&](std::vector<std::string>& mounts) {
    if (std::find(mounts.begin(), mounts.end(), step_files_dir) == mounts.end())
      mounts.push_back(step_files_dir);
  };
  if (containers_mount) {
    auto containers = std::make_shared<engine::JobContainers>(*request.containers);
    mount(containers->mounts);
    request.containers = std::move(containers);
  }
  if (docker_mounts) mount(request.docker.mounts);
  request.step_files_dir = step_files_dir;
}

void map_outcome(engine::StepOutcome& outcome, const PathMap& map) {
  for (std::string& p : outcome.path) p = map.apply(p);
  for (auto& [name, value] : outcome.env) value = map.apply(value);
}

}  // namespace sluice::agent
