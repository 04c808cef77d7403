#include "spec/action_ref.h"

#include <vector>

namespace sluice::spec {

namespace {

constexpr std::string_view kRemoteForm = "'owner/repo[/path]@ref'";
constexpr std::string_view kAllForms =
    "use './path' (this repository), 'owner/repo[/path]@ref' or 'docker://image[:tag]'";

bool is_control_or_space(char c) {
  return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
}

bool has_control_or_space(std::string_view s) {
  for (char c : s)
    if (is_control_or_space(c)) return true;
  return false;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

ActionRefError bad(std::string problem, std::string hint) {
  return ActionRefError{std::move(problem), std::move(hint)};
}

// GitHub owner and repository names: letters, digits, '-', '_' and '.', not "." or "..".
bool valid_name(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// A subset of `git check-ref-format` that keeps a ref usable as a git argument and a
// cache path component: no spaces or control characters, none of ~^:?*[\, no "..", no
// "@{", no empty component, not starting with '-'.
bool valid_ref(std::string_view ref) {
  if (ref.empty() || ref.front() == '-' || ref.front() == '/' || ref.back() == '/' ||
      ref.back() == '.' || ref.ends_with(".lock"))
    return false;
  if (ref.find("..") != std::string_view::npos || ref.find("@{") != std::string_view::npos ||
      ref.find("//") != std::string_view::npos)
    return false;
  for (char c : ref)
    if (is_control_or_space(c) || std::string_view("~^:?*[\\").find(c) != std::string_view::npos)
      return false;
  return true;
}

std::variant<ActionRef, ActionRefError> parse_local(std::string_view uses) {
  // Normalized without touching the disk: "." and empty segments drop out, ".." climbs.
  std::vector<std::string_view> kept;
  for (std::string_view segment : split(uses, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (kept.empty())
        return bad("points outside the repository",
                   "local paths are relative to the repository root and stay inside it");
      kept.pop_back();
      continue;
    }
    if (segment.find('\\') != std::string_view::npos)
      return bad("has a '\\' in its path", "separate directories with '/'");
    kept.push_back(segment);
  }
  ActionRef ref;
  ref.kind = ActionRef::Kind::kLocal;
  ref.text = std::string(uses);
  for (std::string_view segment : kept) {
    if (!ref.path.empty()) ref.path += '/';
    ref.path += segment;
  }
  if (ref.path.empty()) ref.path = ".";
  return ref;
}

std::variant<ActionRef, ActionRefError> parse_docker(std::string_view uses) {
  std::string_view rest = uses.substr(std::string_view("docker://").size());
  const std::string hint =
      "write 'docker://image', 'docker://image:tag' or "
      "'docker://image@sha256:<digest>'";
  if (rest.empty()) return bad("names no image", hint);
  ActionRef ref;
  ref.kind = ActionRef::Kind::kDocker;
  ref.text = std::string(uses);
  std::string_view name = rest;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    name = rest.substr(0, at);
    std::string_view digest = rest.substr(at + 1);
    size_t colon = digest.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == digest.size() ||
        digest.find_first_not_of("0123456789abcdefABCDEF", colon + 1) != std::string_view::npos)
      return bad("has a malformed digest '" + std::string(digest) + "'", hint);
    ref.digest = std::string(digest);
  } else {
    size_t slash = rest.rfind('/');
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
      name = rest.substr(0, colon);
      ref.tag = std::string(rest.substr(colon + 1));
      if (ref.tag.empty()) return bad("has an empty tag", hint);
    }
  }
  if (name.empty() || name.front() == '/' || name.back() == '/' ||
      name.find("//") != std::string_view::npos)
    return bad("has a malformed image name", hint);
  ref.image = std::string(name);
  return ref;
}

std::variant<ActionRef, ActionRefError> parse_remote(std::string_view uses) {
  const std::string hint = "use " + std::string(kRemoteForm) +
                           ", e.g. 'actions/checkout@v4', or './path' for an action in this "
                           "repository";
  size_t at = uses.find('@');
  if (at == std::string_view::npos)
    return bad("has no '@ref'", "add the version to use, e.g. '" + std::string(uses) + "@v1'");
  if (uses.find('@', at + 1) != std::string_view::npos) return bad("has more than one '@'", hint);
  std::string_view name = uses.substr(0, at);
  std::string_view version = uses.substr(at + 1);
  std::vector<std::string_view> segments;
  for (std::string_view segment : split(name, '/'))
    if (!segment.empty()) segments.push_back(segment);  // GitHub drops empty segments too
  if (segments.size() < 2) return bad("does not name 'owner/repo'", hint);
  if (!valid_name(segments[0]) || !valid_name(segments[1]))
    return bad("has an invalid owner or repository name",
               "owner and repository names hold letters, digits, '-', '_' and '.'");
  if (!valid_ref(version))
    return bad(version.empty() ? "has an empty ref after '@'"
                               : "has an invalid ref '" + std::string(version) + "'",
               "use a tag, a branch or a full commit SHA, e.g. '" + std::string(name) + "@v1'");
  ActionRef ref;
  ref.kind = ActionRef::Kind::kRemoteAction;
  ref.text = std::string(uses);
  ref.owner = std::string(segments[0]);
  ref.repo = std::string(segments[1]);
  ref.ref = std::string(version);
  ref.ref_is_sha = is_full_commit_sha(version);
  for (size_t i = 2; i < segments.size(); ++i) {
    std::string_view segment = segments[i];
    if (segment == "." || segment == ".." || has_control_or_space(segment) ||
        segment.find('\\') != std::string_view::npos)
      return bad("has an invalid path '" + std::string(segment) + "'",
                 "the path after 'owner/repo/' names a directory of that repository");
    if (!ref.path.empty()) ref.path += '/';
    ref.path += segment;
  }
  // GitHub's form of a reusable workflow: a file directly under .github/workflows/.
  if (ref.path.starts_with(".github/workflows/") &&
      ref.path.find('/', std::string_view(".github/workflows/").size()) == std::string::npos &&
      (ref.path.ends_with(".yml") || ref.path.ends_with(".yaml")))
    ref.kind = ActionRef::Kind::kRemoteWorkflow;
  return ref;
}

}  // namespace

bool is_full_commit_sha(std::string_view text) {
  return text.size() == 40 &&
         text.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

std::variant<ActionRef, ActionRefError> parse_action_ref_detailed(std::string_view uses) {
  if (uses.empty()) return ActionRefError{"is empty", std::string(kAllForms)};
  if (uses.find("${{") != std::string_view::npos)
    return bad("cannot contain an expression",
               "name the action literally, e.g. `uses: actions/checkout@v4`");
  if (uses == "." || uses.starts_with("./")) return parse_local(uses);
  if (uses.starts_with("docker://")) return parse_docker(uses);
  if (has_control_or_space(uses)) return bad("contains spaces", std::string(kAllForms));
  if (uses.starts_with("/") || uses.starts_with("../") || uses == "..")
    return bad("is not a path in this repository",
               "local actions are written relative to the repository root: './path'");
  return parse_remote(uses);
}

Result<ActionRef> parse_action_ref(std::string_view uses) {
  auto parsed = parse_action_ref_detailed(uses);
  if (auto* ref = std::get_if<ActionRef>(&parsed)) return std::move(*ref);
  auto& error = std::get<ActionRefError>(parsed);
  return Error{"'uses: " + std::string(uses) + "' " + error.problem + " (" + error.hint + ")", {}};
}

}  // namespace sluice::spec
