#include "scan/secrets/file_walker.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "scan/secrets/gitignore.h"

namespace sluice::scan::secrets {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxDepth = 64;
constexpr std::uintmax_t kMaxGitignoreBytes = 1 << 20;

struct Walker {
  std::string root;
  Diagnostics& diagnostics;
  const std::function<void(const WalkedFile&)>& visit;
  std::vector<GitignoreFile> ignores;  // active .gitignore files, outermost first

  bool ignored(const std::string& relative, bool is_dir) const {
    // Later (deeper) files override earlier ones, like git.
    for (auto it = ignores.rbegin(); it != ignores.rend(); ++it) {
      auto verdict = it->match(relative, is_dir);
      if (verdict != GitignoreFile::Verdict::kNoMatch) {
        return verdict == GitignoreFile::Verdict::kIgnored;
      }
    }
    return false;
  }

  void walk(const fs::path& dir, const std::string& relative, int depth) {
    if (depth > kMaxDepth) {
      diagnostics.warning({dir.string(), 0, 0},
                          "directory nesting deeper than 64 levels, not scanned");
      return;
    }
    std::error_code ec;
    const size_t active = ignores.size();
    const fs::path gitignore = dir / ".gitignore";
    if (fs::is_regular_file(gitignore, ec) && fs::file_size(gitignore, ec) <= kMaxGitignoreBytes) {
      std::ifstream in(gitignore, std::ios::binary);
      std::stringstream content;
      content << in.rdbuf();
      ignores.emplace_back(relative, content.str());
    }
    std::vector<fs::directory_entry> entries;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      diagnostics.error({dir.string(), 0, 0}, "cannot read directory: " + ec.message());
      ignores.resize(active, GitignoreFile("", ""));
      return;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      entries.push_back(*it);
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return a.path().filename() < b.path().filename();
    });
    for (const auto& entry : entries) {
      const std::string name = entry.path().filename().string();
      const std::string child = relative.empty() ? name : relative + "/" + name;
      if (entry.is_symlink(ec)) continue;
      if (entry.is_directory(ec)) {
        if (name == ".git" || ignored(child, true)) continue;
        walk(entry.path(), child, depth + 1);
      } else if (entry.is_regular_file(ec)) {
        if (ignored(child, false)) continue;
        visit({entry.path().string(), display_path(entry.path().string(), root)});
      }
    }
    ignores.erase(ignores.begin() + static_cast<std::ptrdiff_t>(active), ignores.end());
  }
};

}  // namespace

std::string display_path(const std::string& path, const std::string& root) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec).lexically_normal();
  const fs::path base = fs::absolute(root.empty() ? "." : root, ec).lexically_normal();
  const fs::path relative = absolute.lexically_relative(base);
  std::string out;
  if (!relative.empty() && *relative.begin() != "..") {
    out = relative.generic_string();
  } else {
    out = fs::path(path).lexically_normal().generic_string();
  }
  if (out.starts_with("./")) out.erase(0, 2);
  return out;
}

void walk_files(const std::string& path, const std::string& root, Diagnostics& diagnostics,
                const std::function<void(const WalkedFile&)>& visit) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    diagnostics.error({path, 0, 0}, "no such file or directory");
    return;
  }
  if (fs::is_directory(status)) {
    Walker walker{root, diagnostics, visit, {}};
    // Inside the root, walk with root-relative paths so that the .gitignore files of the
    // directories above `path` (up to the root) apply too, as they would for git.
    std::string top = display_path(path, root);
    if (top == ".") top.clear();
    const bool inside =
        top.empty() || !(top == ".." || top.starts_with("../") || top.starts_with("/"));
    if (!inside) {
      walker.walk(path, "", 0);
      return;
    }
    std::string prefix;
    size_t start = 0;
    while (!top.empty()) {
      const fs::path gitignore = fs::path(root.empty() ? "." : root) / prefix / ".gitignore";
      if (fs::is_regular_file(gitignore, ec) &&
          fs::file_size(gitignore, ec) <= kMaxGitignoreBytes) {
        std::ifstream in(gitignore, std::ios::binary);
        std::stringstream content;
        content << in.rdbuf();
        walker.ignores.emplace_back(prefix, content.str());
      }
      const size_t slash = top.find('/', start);
      if (slash == std::string::npos) break;  // `top` itself is loaded by walk()
      prefix = top.substr(0, slash);
      start = slash + 1;
    }
    walker.walk(path, top, 0);
  } else if (fs::is_regular_file(status)) {
    visit({path, display_path(path, root)});
  } else {
    diagnostics.warning({path, 0, 0}, "not a regular file, skipped");
  }
}

}  // namespace sluice::scan::secrets
