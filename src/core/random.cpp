#include "core/random.h"

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

namespace sluice {

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t filled = 0;
  while (filled < n) {
    ssize_t got = ::getrandom(out.data() + filled, n - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed: the kernel gives no randomness");
    }
    filled += static_cast<size_t>(got);
  }
  return out;
}

}  // namespace sluice
