#include "runtime/netns_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace sluice::runtime {
namespace {

std::string describe(const sockaddr_in& address) {
  char text[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(address.sin_port));
}

// What the child of listen_as_owner reports, and at which step it stopped.
struct ChildReport {
  int step = 0;  // 0: listening (the descriptor comes with the message), else the step below
  int error = 0;
};
constexpr const char* kChildSteps[] = {"", "cannot join the namespace's user namespace",
                                       "cannot enter it", "socket", "cannot listen there"};

// Rootless engines (Podman as a user): the namespace belongs to a user namespace of the
// engine's, created by this same user, and entering a network namespace also needs
// CAP_SYS_ADMIN in the caller's own user namespace, which a user's process lacks, while a
// process with several threads may not join a user namespace at all. A forked child (one
// thread) may: it joins the user namespace that owns the network namespace (NS_GET_USERNS;
// its creator's user holds every capability in it), then the network namespace, makes the
// socket and hands it over a socket pair (SCM_RIGHTS). The child calls only system calls
// (async-signal-safe after fork) and exits at once.
Result<int> listen_as_owner(int netns, const sockaddr_in& address) {
  int userns = ::ioctl(netns, NS_GET_USERNS);
  if (userns < 0)
    return Error{std::string("no owning user namespace: ") + std::strerror(errno), {}};
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    ::close(userns);
    return Error{std::string("socketpair: ") + std::strerror(errno), {}};
  }
  ChildReport report;
  iovec data{&report, sizeof report};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  pid_t pid = ::fork();
  if (pid == 0) {
    int s = -1;
    if (::setns(userns, CLONE_NEWUSER) != 0) {
      report.step = 1;
    } else if (::setns(netns, CLONE_NEWNET) != 0) {
      report.step = 2;
    } else if ((s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
      report.step = 3;
    } else {
      int one = 1;
      ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::bind(s, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
          ::listen(s, SOMAXCONN) != 0)
        report.step = 4;
    }
    report.error = errno;
    if (report.step == 0) {
      message.msg_control = control;
      message.msg_controllen = sizeof control;
      cmsghdr* header = CMSG_FIRSTHDR(&message);
      header->cmsg_level = SOL_SOCKET;
      header->cmsg_type = SCM_RIGHTS;
      header->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(header), &s, sizeof s);
    }
    ::sendmsg(pair[1], &message, MSG_NOSIGNAL);
    ::_exit(0);
  }
  int fork_error = errno;
  ::close(pair[1]);
  ::close(userns);
  if (pid < 0) {
    ::close(pair[0]);
    return Error{std::string("fork: ") + std::strerror(fork_error), {}};
  }
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t got;
  do {
    got = ::recvmsg(pair[0], &message, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  ::close(pair[0]);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  cmsghdr* header = got == sizeof report ? CMSG_FIRSTHDR(&message) : nullptr;
  if (report.step == 0 && header && header->cmsg_type == SCM_RIGHTS) {
    int fd;
    std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
    return fd;
  }
  if (got != sizeof report) return Error{"the helper process reported nothing", {}};
  std::string what = report.step > 0 && report.step < 5 ? kChildSteps[report.step] : "failed";
  if (report.step == 4) what = "cannot listen on " + describe(address) + " there";
  return Error{what + ": " + std::strerror(report.error), {}};
}

}  // namespace

Result<int> listen_in_network_namespace(const std::string& netns_path, uint16_t port,
                                        const std::string& address_text) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, address_text.c_str(), &address.sin_addr) != 1)
    return Error{"'" + address_text + "' is not an IPv4 address", {}};
  int netns = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns < 0)
    return Error{"cannot open the network namespace " + netns_path + ": " + std::strerror(errno),
                 {}};
  int fd = -1;
  std::string failure;
  // The thread's namespace dies with it; the process's other threads never change theirs.
  bool not_permitted = false;
  std::thread([&] {
    if (::setns(netns, CLONE_NEWNET) != 0) {
      not_permitted = errno == EPERM;
      failure = std::string("cannot enter it: ") + std::strerror(errno);
      return;
    }
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
      failure = std::string("socket: ") + std::strerror(errno);
      return;
    }
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(s, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(s, SOMAXCONN) != 0) {
      failure = "cannot listen on " + describe(address) + " there: " + std::strerror(errno);
      ::close(s);
      return;
    }
    fd = s;
  }).join();
  if (not_permitted) {  // not root: a namespace of a rootless engine, owned by this user?
    auto owned = listen_as_owner(netns, address);
    if (owned.ok())
      fd = *owned;
    else
      failure += "; as its owner: " + owned.error().message;
  }
  ::close(netns);
  if (fd < 0) return Error{"network namespace " + netns_path + ": " + failure, {}};
  return fd;
}

}  // namespace sluice::runtime
