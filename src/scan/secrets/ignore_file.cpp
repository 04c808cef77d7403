#include "scan/secrets/ignore_file.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::scan::secrets {

void FingerprintIgnore::add(std::string_view line) {
  const size_t hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
    line.remove_prefix(1);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
    line.remove_suffix(1);
  if (!line.empty()) entries_.emplace(line);
}

void FingerprintIgnore::load(const std::string& path, Diagnostics& diagnostics) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return;
  if (std::filesystem::file_size(path, ec) > (4u << 20)) {
    diagnostics.error({path, 0, 0}, "ignore file is larger than 4 MB");
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error({path, 0, 0}, "cannot read ignore file");
    return;
  }
  std::string line;
  while (std::getline(in, line)) add(line);
}

bool FingerprintIgnore::ignored(std::string_view fingerprint,
                                std::string_view without_commit) const {
  if (entries_.empty()) return false;
  return entries_.contains(std::string(fingerprint)) ||
         (!without_commit.empty() && entries_.contains(std::string(without_commit)));
}

}  // namespace sluice::scan::secrets
