#include "agent/workspace_cache.h"

#include <stdio.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <vector>

#include "agent/workspace_archive.h"

namespace sluice::agent {

namespace fs = std::filesystem;

WorkspaceCache::WorkspaceCache(std::string dir, size_t max_trees, size_t max_spares)
    : dir_(std::move(dir)), max_trees_(std::max<size_t>(1, max_trees)), max_spares_(max_spares) {
  std::error_code ec;
  fs::remove_all(dir_, ec);
  fs::create_directories(dir_, ec);
}

Status WorkspaceCache::fill(const std::string& sha256, const std::string& dest,
                            const std::function<Status(const std::string& tar_file)>& download) {
  bool cached = false;
  return fill(sha256, dest, download, cached);
}

Status WorkspaceCache::fill(const std::string& sha256, const std::string& dest,
                            const std::function<Status(const std::string& tar_file)>& download,
                            bool& cached) {
  cached = false;
  std::string tree = dir_ + "/" + sha256;
  auto known = std::find(recent_.begin(), recent_.end(), sha256);
  if (known != recent_.end()) {
    recent_.splice(recent_.begin(), recent_, known);
    ++hits_;
    cached = true;
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
  cached = true;
  return copy_tree(tree, dest);
}

Status WorkspaceCache::open_lease(
    const std::string& sha256, const std::string& lease_dir,
    const std::function<Status(const std::string& tar_file)>& download) {
  std::error_code ec;
  for (;;) {
    std::optional<LeaseTree> spare;
    {
      std::lock_guard lock(mutex_);
      auto it = std::find_if(spares_.begin(), spares_.end(),
                             [&](const LeaseTree& t) { return t.sha256 == sha256; });
      if (it == spares_.end()) break;
      spare = std::move(*it);
      spares_.erase(it);
    }
    // Checked again: it was unchanged when its lease ended, and nothing may have touched it
    // since.
    if (spare->manifest.unchanged(spare->dir) &&
        ::rename(spare->dir.c_str(), lease_dir.c_str()) == 0) {
      ++reused_;
      spare->dir = lease_dir;
      std::lock_guard lock(mutex_);
      in_use_[lease_dir] = std::move(*spare);
      return Status::Ok();
    }
    fs::remove_all(spare->dir, ec);
  }
  fs::create_directories(fs::path(lease_dir) / "temp", ec);
  if (ec) return Error{"cannot create " + lease_dir + ": " + ec.message(), {}};
  bool cached = false;
  Status s = fill(sha256, lease_dir + "/workspace", download, cached);
  if (!s.ok() || !cached || max_spares_ == 0) return s;
  // Recorded before any step runs: what the lease's job then changes shows.
  Result<TreeManifest> manifest = TreeManifest::record(lease_dir);
  if (manifest.ok()) {
    std::lock_guard lock(mutex_);
    in_use_[lease_dir] = LeaseTree{sha256, lease_dir, std::move(*manifest)};
  }
  return Status::Ok();
}

void WorkspaceCache::close_lease(const std::string& lease_dir) {
  std::optional<LeaseTree> tree;
  {
    std::lock_guard lock(mutex_);
    auto it = in_use_.find(lease_dir);
    if (it != in_use_.end()) {
      tree = std::move(it->second);
      in_use_.erase(it);
    }
  }
  std::error_code ec;
  if (tree) {
    // What the agent added beside the workspace and temp (downloaded actions, the step files
    // when they are not on tmpfs) goes; the workspace and temp must be as they were made.
    std::vector<fs::path> extra;
    for (fs::directory_iterator it(lease_dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name != "workspace" && name != "temp") extra.push_back(it->path());
    }
    for (const fs::path& path : extra) fs::remove_all(path, ec);
    std::string spare;
    if (tree->manifest.unchanged(lease_dir)) {
      std::lock_guard lock(mutex_);
      spare = dir_ + "/spare-" + std::to_string(next_spare_++);
    }
    if (!spare.empty() && ::rename(lease_dir.c_str(), spare.c_str()) == 0) {
      tree->dir = spare;
      std::vector<std::string> evicted;
      {
        std::lock_guard lock(mutex_);
        spares_.push_front(std::move(*tree));
        while (spares_.size() > max_spares_) {
          evicted.push_back(spares_.back().dir);
          spares_.pop_back();
        }
      }
      for (const std::string& dir : evicted) fs::remove_all(dir, ec);
      return;
    }
  }
  fs::remove_all(lease_dir, ec);
}

Status copy_tree(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (!ec) fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) return Error{"cannot copy " + from + " to " + to + ": " + ec.message(), {}};
  return Status::Ok();
}

}  // namespace sluice::agent
