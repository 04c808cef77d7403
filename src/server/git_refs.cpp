#include "server/git_refs.h"

#include <vector>

#include "triggers/git_refs.h"

namespace sluice::server {

namespace fs = std::filesystem;

namespace {

// The repository of `directory` itself (its working tree, or a bare repository), not one
// that merely contains it further up.
std::optional<triggers::GitRepository> repository_at(const fs::path& directory) {
  auto found = triggers::find_git_repository(directory);
  if (!found.ok() || !*found) return std::nullopt;
  const fs::path& git_dir = (*found)->git_dir;
  std::error_code ec;
  bool own =
      fs::equivalent(git_dir, directory / ".git", ec) || fs::equivalent(git_dir, directory, ec);
  if (!own) return std::nullopt;
  return **found;
}

// The commit a tag names when the files tell it: a packed annotated tag's peeled line, with
// no loose file overriding it. A loose or lightweight tag may name a tag object: git peels it.
std::optional<std::string> tag_commit(const triggers::GitRepository& repo, const std::string& ref,
                                      const std::string& sha) {
  auto packed = triggers::read_packed_refs(repo.common_dir);
  if (!packed.ok()) return std::nullopt;
  for (const triggers::PackedRef& entry : *packed)
    if (entry.name == ref && entry.sha == sha && !entry.peeled.empty()) return entry.peeled;
  return std::nullopt;
}

}  // namespace

std::optional<ResolvedRef> read_local_ref(const fs::path& repository, const std::string& name) {
  std::optional<triggers::GitRepository> repo = repository_at(repository);
  if (!repo) return std::nullopt;
  std::vector<std::string> candidates;
  if (name.empty()) {
    auto head = triggers::read_git_head(*repo);
    if (!head.ok() || head->ref.empty()) return std::nullopt;  // detached: ask git
    candidates.push_back(head->ref);
  } else if (name.rfind("refs/", 0) == 0) {
    candidates.push_back(name);
  } else {
    candidates = {"refs/heads/" + name, "refs/tags/" + name};
  }
  for (const std::string& ref : candidates) {
    if (ref.find("..") != std::string::npos) return std::nullopt;  // not a ref name
    auto sha = triggers::resolve_git_ref(*repo, ref);
    if (!sha.ok()) return std::nullopt;
    if (!*sha) continue;
    if (ref.rfind("refs/tags/", 0) != 0) return ResolvedRef{ref, **sha};
    std::optional<std::string> commit = tag_commit(*repo, ref, **sha);
    if (!commit) return std::nullopt;
    return ResolvedRef{ref, *commit};
  }
  return std::nullopt;  // absent: git says so with its own words
}

}  // namespace sluice::server
