#include "server/git_refs.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace sluice::server {

namespace fs = std::filesystem;

namespace {

bool is_sha(const std::string& text) {
  if (text.size() != 40) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The file's first line ("" when it cannot be read).
std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::optional<fs::path> git_dir_of(const fs::path& repository) {
  std::error_code ec;
  if (fs::is_directory(repository / ".git", ec)) return repository / ".git";
  if (fs::exists(repository / ".git", ec)) return std::nullopt;  // a gitdir file: ask git
  if (fs::is_regular_file(repository / "HEAD", ec)) return repository;
  return std::nullopt;
}

// One full ref name: its commit, absent, or unknown (only git can tell).
struct RefLookup {
  enum class Kind { kFound, kAbsent, kUnknown } kind;
  std::string sha;
};
const RefLookup kAbsent{RefLookup::Kind::kAbsent, {}};
const RefLookup kUnknown{RefLookup::Kind::kUnknown, {}};
RefLookup found(std::string sha) {
  return {RefLookup::Kind::kFound, std::move(sha)};
}

RefLookup read_full_ref(const fs::path& git_dir, const std::string& ref) {
  bool tag = ref.rfind("refs/tags/", 0) == 0;
  std::error_code ec;
  if (fs::exists(git_dir / ref, ec)) {
    std::string line = first_line(git_dir / ref);
    // A loose tag may name an annotated tag object: only git can peel it.
    if (tag || !is_sha(line)) return kUnknown;
    return found(line);
  }
  std::ifstream packed(git_dir / "packed-refs");
  std::string line;
  bool peeled_header = false;
  while (std::getline(packed, line)) {
    if (line.rfind("# pack-refs with:", 0) == 0) {
      peeled_header = line.find(" fully-peeled") != std::string::npos;
      continue;
    }
    if (line.size() < 42 || line[40] != ' ' || line.compare(41, std::string::npos, ref) != 0)
      continue;
    std::string sha = line.substr(0, 40);
    if (!is_sha(sha)) return kUnknown;
    if (!tag) return found(sha);
    // An annotated tag is followed by its peeled commit; with "fully-peeled" a tag without
    // that line names a commit itself.
    std::string next;
    if (std::getline(packed, next) && next.size() == 41 && next[0] == '^') {
      std::string peeled = next.substr(1);
      return is_sha(peeled) ? found(peeled) : kUnknown;
    }
    return peeled_header ? found(sha) : kUnknown;
  }
  return kAbsent;
}

}  // namespace

std::optional<ResolvedRef> read_local_ref(const fs::path& repository, const std::string& name) {
  std::optional<fs::path> git_dir = git_dir_of(repository);
  if (!git_dir) return std::nullopt;
  std::vector<std::string> candidates;
  if (name.empty()) {
    std::string head = first_line(*git_dir / "HEAD");
    if (head.rfind("ref: ", 0) != 0) return std::nullopt;  // detached: ask git
    candidates.push_back(head.substr(5));
  } else if (name.rfind("refs/", 0) == 0) {
    candidates.push_back(name);
  } else {
    candidates = {"refs/heads/" + name, "refs/tags/" + name};
  }
  for (const std::string& ref : candidates) {
    if (ref.find("..") != std::string::npos) return std::nullopt;  // not a ref name
    RefLookup lookup = read_full_ref(*git_dir, ref);
    if (lookup.kind == RefLookup::Kind::kFound) return ResolvedRef{ref, lookup.sha};
    if (lookup.kind == RefLookup::Kind::kUnknown) return std::nullopt;
  }
  return std::nullopt;  // absent: git says so with its own words
}

}  // namespace sluice::server
