#include "agent/workspace_cache.h"

#include <algorithm>
#include <filesystem>

#include "agent/workspace_archive.h"

namespace sluice::agent {

namespace fs = std::filesystem;

WorkspaceCache::WorkspaceCache(std::string dir, size_t max_trees)
    : dir_(std::move(dir)), max_trees_(std::max<size_t>(1, max_trees)) {
  std::error_code ec;
  fs::remove_all(dir_, ec);
  fs::create_directories(dir_, ec);
}

Status WorkspaceCache::fill(const std::string& sha256, const std::string& dest,
                            const std::function<Status(const std::string& tar_file)>& download) {
  std::string tree = dir_ + "/" + sha256;
  auto known = std::find(recent_.begin(), recent_.end(), sha256);
  if (known != recent_.end()) {
    recent_.splice(recent_.begin(), recent_, known);
    ++hits_;
    return copy_tree(tree, dest);
  }
  std::string tar = tree + ".tar", partial = tree + ".partial";
  std::error_code ec;
  Status s = download(tar);
  Result<std::string> actual = s.ok() ? file_sha256(tar) : Result<std::string>(s.error());
  if (!actual.ok()) {
    fs::remove(tar, ec);
    return actual.error();
  }
  if (*actual != sha256) {  // not what was announced: this lease's copy only
    s = extract_workspace_archive(tar, dest);
    fs::remove(tar, ec);
    return s;
  }
  fs::remove_all(partial, ec);
  s = extract_workspace_archive(tar, partial);
  fs::remove(tar, ec);
  if (s.ok()) {
    fs::rename(partial, tree, ec);
    if (ec) s = Error{"cannot keep " + tree + ": " + ec.message(), {}};
  }
  if (!s.ok()) {
    fs::remove_all(partial, ec);
    return s;
  }
  recent_.push_front(sha256);
  while (recent_.size() > max_trees_) {
    fs::remove_all(dir_ + "/" + recent_.back(), ec);
    recent_.pop_back();
  }
  return copy_tree(tree, dest);
}

Status copy_tree(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (!ec) fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) return Error{"cannot copy " + from + " to " + to + ": " + ec.message(), {}};
  return Status::Ok();
}

}  // namespace sluice::agent
