#include "runtime/netns_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace sluice::runtime {

Result<int> listen_in_network_namespace(const std::string& netns_path, uint16_t port) {
  int netns = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns < 0)
    return Error{"cannot open the network namespace " + netns_path + ": " + std::strerror(errno),
                 {}};
  int fd = -1;
  std::string failure;
  // The thread's namespace dies with it; the process's other threads never change theirs.
  std::thread([&] {
    if (::setns(netns, CLONE_NEWNET) != 0) {
      failure = std::string("cannot enter it: ") + std::strerror(errno) +
                (errno == EPERM ? " (needs root: rootful Podman or Docker)" : "");
      return;
    }
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
      failure = std::string("socket: ") + std::strerror(errno);
      return;
    }
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(s, SOMAXCONN) != 0) {
      failure =
          "cannot listen on 127.0.0.1:" + std::to_string(port) + " there: " + std::strerror(errno);
      ::close(s);
      return;
    }
    fd = s;
  }).join();
  ::close(netns);
  if (fd < 0) return Error{"network namespace " + netns_path + ": " + failure, {}};
  return fd;
}

}  // namespace sluice::runtime
