// Random bytes from the kernel's CSPRNG, for keys, nonces, tokens and unique file names.
#pragma once

#include <cstddef>
#include <string>

namespace sluice {

// `n` bytes from getrandom(2) (no OpenSSL initialisation). Throws only when the kernel has
// none to give: a system error, not an input error.
std::string random_bytes(size_t n);

}  // namespace sluice
