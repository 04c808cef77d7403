#include "exec/container/container_engine.h"

#include "exec/shell_command.h"

namespace sluice::exec::container {

std::string install_hint() {
  return "install Podman (on Debian/Ubuntu: apt-get install podman runc) or Docker, or pass "
         "--container-engine PATH";
}

Result<ContainerEngine> find_container_engine(std::string_view choice, std::string_view path_env) {
  auto kind_of = [](std::string_view path) {
    size_t slash = path.rfind('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    return name.find("docker") != std::string_view::npos ? EngineKind::kDocker
                                                         : EngineKind::kPodman;
  };
  if (choice.empty()) {
    for (const char* name : {"podman", "docker"}) {
      std::string found = find_executable(name, path_env);
      if (!found.empty()) return ContainerEngine{found, kind_of(name)};
    }
    return Error{
        "no container engine found: neither podman nor docker is on PATH; " + install_hint(), {}};
  }
  std::string found = find_executable(choice, path_env);
  if (found.empty())
    return Error{"container engine '" + std::string(choice) + "' not found" +
                     (choice.find('/') == std::string_view::npos ? " on PATH" : "") + "; " +
                     install_hint(),
                 {}};
  return ContainerEngine{found, kind_of(choice)};
}

}  // namespace sluice::exec::container
