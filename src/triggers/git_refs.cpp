#include "triggers/git_refs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fs = std::filesystem;

namespace sluice::triggers {
namespace {

constexpr int kMaxSymrefDepth = 5;  // git's SYMREF_MAXDEPTH

Error file_error(const fs::path& path, const std::string& what) {
  return Error{fmt::format("{}: {}", path.string(), what), {}};
}

// One stat each; a path that cannot be examined counts as absent.
bool dir_exists(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// `relative` (a path read from a git file) against `base`, without a trailing separator.
fs::path resolve_path(const fs::path& base, std::string_view relative) {
  fs::path path(relative);
  if (path.is_relative()) path = (base / path).lexically_normal();
  if (!path.has_filename() && path.has_relative_path()) path = path.parent_path();
  return path;
}

// The whole file; nullopt when it does not exist, or is a directory (refs/heads/a is one
// when a branch refs/heads/a/b exists, and then the ref "refs/heads/a" does not).
Result<std::optional<std::string>> read_whole_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
    return file_error(path, std::strerror(errno));
  }
  std::string text;
  char buffer[16384];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      if (error == EISDIR) return std::optional<std::string>();
      return file_error(path, std::strerror(error));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(text));
}

std::string_view trim_end(std::string_view text) {
  while (!text.empty() &&
         (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

bool is_object_id(std::string_view text) {
  if (text.size() != 40 && text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// A subset of git's check_refname_format, enough that a ref name read from a file can be
// used as a path under the git dir: "HEAD" or "refs/...", no empty, "." -led or ".lock"
// component, no "..", no control characters or the characters git forbids.
bool is_valid_ref_name(std::string_view name) {
  if (name == "HEAD") return true;
  if (name.rfind("refs/", 0) != 0 || name.find("..") != std::string_view::npos) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part.empty() || part.front() == '.' ||
        (part.size() >= 5 && part.substr(part.size() - 5) == ".lock"))
      return false;
    start = end + 1;
  }
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f || std::strchr(" ~^:?*[\\", c) != nullptr) return false;
  return true;
}

// A loose ref file (or HEAD): an object id, or "ref: <name>" for a symbolic ref.
struct RefFile {
  std::string sha;     // set for a direct ref
  std::string target;  // set for a symbolic ref
};

Result<RefFile> parse_ref_file(std::string_view text, const fs::path& path) {
  text = trim_end(text);
  if (is_object_id(text)) return RefFile{std::string(text), ""};
  if (text.rfind("ref:", 0) == 0) {
    std::string_view target = text.substr(4);
    while (!target.empty() && (target.front() == ' ' || target.front() == '\t'))
      target.remove_prefix(1);
    if (is_valid_ref_name(target) && target != "HEAD") return RefFile{"", std::string(target)};
  }
  return file_error(path, "not a ref (expected an object id or 'ref: refs/...')");
}

// HEAD and the refs git keeps per worktree live in the worktree's git dir; every other ref
// is shared by all worktrees.
const fs::path& dir_of_ref(const GitRepository& repo, std::string_view name) {
  for (std::string_view own : {"refs/worktree/", "refs/bisect/", "refs/rewritten/"})
    if (name.rfind(own, 0) == 0) return repo.git_dir;
  return name == "HEAD" ? repo.git_dir : repo.common_dir;
}

// reftable repositories keep a stub HEAD ("ref: refs/heads/.invalid") and a refs/heads
// *file*; reading them as files would report wrong answers, so refuse them by name.
Status check_ref_storage(const GitRepository& repo) {
  if (dir_exists(repo.common_dir / "reftable"))
    return file_error(repo.common_dir,
                      "uses the reftable ref format, which sluice cannot read (convert it with "
                      "`git refs migrate --ref-format=files`)");
  return Status::Ok();
}

// One line of packed-refs.
struct PackedLine {
  enum class Kind { kRef, kPeeled, kOther } kind = Kind::kOther;
  std::string_view sha;
  std::string_view name;  // for kRef
};

Result<PackedLine> parse_packed_line(std::string_view line, const fs::path& path, int number) {
  line = trim_end(line);
  if (line.empty() || line.front() == '#') return PackedLine{};
  auto bad = [&] {
    return Error{"malformed packed-refs line (expected '<object id> refs/...')",
                 {path.string(), number, 1}};
  };
  if (line.front() == '^') {
    if (!is_object_id(line.substr(1))) return bad();
    return PackedLine{PackedLine::Kind::kPeeled, line.substr(1), {}};
  }
  size_t space = line.find(' ');
  if (space == std::string_view::npos || !is_object_id(line.substr(0, space)) ||
      !is_valid_ref_name(line.substr(space + 1)))
    return bad();
  return PackedLine{PackedLine::Kind::kRef, line.substr(0, space), line.substr(space + 1)};
}

// Calls on_line(parsed line) for each line of packed-refs until it returns false.
template <typename OnLine>
Status scan_packed_refs(const fs::path& common_dir, OnLine on_line) {
  fs::path path = common_dir / "packed-refs";
  auto text = read_whole_file(path);
  if (!text) return text.error();
  if (!*text) return Status::Ok();
  std::string_view rest = **text;
  for (int number = 1; !rest.empty(); ++number) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    auto parsed = parse_packed_line(line, path, number);
    if (!parsed) return parsed.error();
    if (!on_line(*parsed)) break;
  }
  return Status::Ok();
}

Result<std::optional<std::string>> find_packed_ref(const fs::path& common_dir,
                                                   std::string_view name) {
  std::optional<std::string> sha;
  Status status = scan_packed_refs(common_dir, [&](const PackedLine& line) {
    if (line.kind == PackedLine::Kind::kRef && line.name == name) sha = std::string(line.sha);
    return !sha;
  });
  if (!status) return status.error();
  return sha;
}

// `git_dir` as a repository when it looks like one to git (is_git_directory in git's
// setup.c): a HEAD file, and objects/ and refs/ in its common dir.
Result<std::optional<GitRepository>> open_git_dir(const fs::path& git_dir) {
  if (!is_file(git_dir / "HEAD")) return std::optional<GitRepository>();
  GitRepository repo{git_dir, git_dir};
  auto commondir = read_whole_file(git_dir / "commondir");
  if (!commondir) return commondir.error();
  if (*commondir) {
    repo.common_dir = resolve_path(git_dir, trim_end(**commondir));
  }
  if (!dir_exists(repo.common_dir / "objects") || !dir_exists(repo.common_dir / "refs"))
    return std::optional<GitRepository>();
  return std::optional<GitRepository>(std::move(repo));
}

// A `.git` file: "gitdir: <path>", relative to the directory holding the file.
Result<std::optional<GitRepository>> open_git_file(const fs::path& dot_git) {
  auto text = read_whole_file(dot_git);
  if (!text) return text.error();
  std::string whole = text->value_or("");
  std::string_view content = trim_end(whole);
  if (content.rfind("gitdir:", 0) != 0)
    return file_error(dot_git, "not a gitdir file (expected 'gitdir: <path>')");
  content.remove_prefix(7);
  while (!content.empty() && content.front() == ' ') content.remove_prefix(1);
  fs::path target = resolve_path(dot_git.parent_path(), content);
  auto repo = open_git_dir(target);
  if (repo && !*repo)
    return file_error(dot_git,
                      fmt::format("points to {}, which is not a git directory", target.string()));
  return repo;
}

}  // namespace

Result<std::optional<GitRepository>> find_git_repository(const fs::path& dir) {
  std::error_code ec;
  fs::path current = fs::canonical(dir, ec);  // git searches the physical parents
  if (ec) return std::optional<GitRepository>();
  while (true) {
    fs::path dot_git = current / ".git";
    struct stat st {};
    if (::stat(dot_git.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode)) return open_git_file(dot_git);
      if (S_ISDIR(st.st_mode)) {
        auto repo = open_git_dir(dot_git);
        if (!repo || *repo) return repo;  // else a stray `.git` folder: keep looking, as git does
      }
    }
    auto bare = open_git_dir(current);
    if (!bare || *bare) return bare;
    if (!current.has_relative_path()) return std::optional<GitRepository>();
    current = current.parent_path();
  }
}

Result<std::optional<std::string>> resolve_git_ref(const GitRepository& repo,
                                                   std::string_view name) {
  Status storage = check_ref_storage(repo);
  if (!storage) return storage.error();
  std::string current(name);
  for (int depth = 0; depth <= kMaxSymrefDepth; ++depth) {
    if (!is_valid_ref_name(current))
      return Error{fmt::format("'{}' is not a valid ref name", current), {}};
    fs::path path = dir_of_ref(repo, current) / current;
    auto loose = read_whole_file(path);
    if (!loose) return loose.error();
    if (!*loose) return find_packed_ref(repo.common_dir, current);  // never symbolic
    auto ref = parse_ref_file(**loose, path);
    if (!ref) return ref.error();
    if (ref->target.empty()) return std::optional<std::string>(ref->sha);
    current = ref->target;
  }
  return Error{fmt::format("symbolic ref '{}' nests deeper than {}", name, kMaxSymrefDepth), {}};
}

Result<GitHead> read_git_head(const GitRepository& repo) {
  Status storage = check_ref_storage(repo);
  if (!storage) return storage.error();
  fs::path path = repo.git_dir / "HEAD";
  auto text = read_whole_file(path);
  if (!text) return text.error();
  if (!*text) return file_error(path, "not found");
  auto head = parse_ref_file(**text, path);
  if (!head) return head.error();
  if (head->target.empty()) return GitHead{"", head->sha};  // detached
  auto sha = resolve_git_ref(repo, head->target);
  if (!sha) return sha.error();
  return GitHead{head->target, sha->value_or("")};  // no sha: the branch is unborn
}

Result<std::optional<std::string>> read_git_config_file(const GitRepository& repo) {
  return read_whole_file(repo.common_dir / "config");
}

Result<std::vector<PackedRef>> read_packed_refs(const fs::path& common_dir) {
  std::vector<PackedRef> refs;
  std::optional<Error> orphan;
  Status status = scan_packed_refs(common_dir, [&](const PackedLine& line) {
    if (line.kind == PackedLine::Kind::kRef)
      refs.push_back({std::string(line.name), std::string(line.sha), ""});
    if (line.kind == PackedLine::Kind::kPeeled) {
      if (refs.empty()) {
        orphan = file_error(common_dir / "packed-refs", "a '^' line before any ref");
        return false;
      }
      refs.back().peeled = std::string(line.sha);
    }
    return true;
  });
  if (!status) return status.error();
  if (orphan) return *orphan;
  return refs;
}

Result<std::map<std::string, std::string>> list_git_refs(const GitRepository& repo,
                                                         std::string_view prefix) {
  Status storage = check_ref_storage(repo);
  if (!storage) return storage.error();
  std::map<std::string, std::string> refs;
  auto packed = read_packed_refs(repo.common_dir);
  if (!packed) return packed.error();
  for (const PackedRef& ref : *packed)
    if (ref.name.starts_with(prefix)) refs[ref.name] = ref.sha;
  fs::path root = repo.common_dir / prefix;
  std::error_code ec;
  if (!dir_exists(root)) return refs;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = fs::path(prefix) / it->path().lexically_relative(root);
    if (name.ends_with(".lock") || !is_valid_ref_name(name)) continue;
    auto sha = resolve_git_ref(repo, name);
    if (!sha) return sha.error();
    if (*sha) refs[name] = **sha;
  }
  if (ec) return file_error(root, ec.message());
  return refs;
}

}  // namespace sluice::triggers
