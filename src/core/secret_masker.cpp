#include "core/secret_masker.h"

#include <algorithm>

namespace sluice {

void SecretMasker::add(std::string_view secret) {
  std::vector<std::string_view> values{secret};
  if (secret.find('\n') != std::string_view::npos) {
    size_t start = 0;
    while (start <= secret.size()) {
      size_t end = secret.find('\n', start);
      if (end == std::string_view::npos) end = secret.size();
      std::string_view line = secret.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      values.push_back(line);
      start = end + 1;
    }
  }
  std::lock_guard lock(mutex_);
  for (std::string_view v : values) {
    if (v.empty() || std::find(secrets_.begin(), secrets_.end(), v) != secrets_.end()) continue;
    secrets_.emplace_back(v);
  }
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string SecretMasker::mask(std::string_view text) const {
  std::lock_guard lock(mutex_);
  std::string out(text);
  for (const std::string& s : secrets_) {
    size_t pos = 0;
    while ((pos = out.find(s, pos)) != std::string::npos) {
      out.replace(pos, s.size(), "***");
      pos += 3;
    }
  }
  return out;
}

bool SecretMasker::empty() const {
  std::lock_guard lock(mutex_);
  return secrets_.empty();
}

}  // namespace sluice
