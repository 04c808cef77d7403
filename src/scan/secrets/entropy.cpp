#include "scan/secrets/entropy.h"

#include <array>
#include <cmath>

namespace sluice::scan::secrets {

double shannon_entropy(std::string_view text) {
  if (text.empty()) return 0;
  std::array<unsigned, 256> counts{};
  for (unsigned char c : text) ++counts[c];
  const double n = static_cast<double>(text.size());
  double bits = 0;
  for (unsigned count : counts) {
    if (count == 0) continue;
    const double p = count / n;
    bits -= p * std::log2(p);
  }
  return bits;
}

}  // namespace sluice::scan::secrets
