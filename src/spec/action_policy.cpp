// The origin policy's rules, verdicts and file parser (see action_policy.h).
#include "spec/action_policy.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/value.h"
#include "spec/yaml_reader.h"

namespace sluice::spec {

namespace {

using detail::YamlReader;

// A policy file is a few lines; anything larger is not one.
constexpr size_t kMaxPolicyFileBytes = 256 * 1024;

constexpr std::string_view kRootKeys[] = {"actions"};
constexpr std::string_view kActionsKeys[] = {"allow", "deny", "require-sha-pinning"};

// `*` matches any run of characters (also '/'); everything else matches itself. Greedy
// with one backtrack point, so the cost is O(pattern × text) at worst.
bool wildcard_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool is_builtin(const ActionRef& ref) {
  return ref.kind == ActionRef::Kind::kRemoteAction && to_lower(ref.owner) == "sluice";
}

// "action 'a/b@v1'", "reusable workflow 'o/r/.github/workflows/x.yml@v1'", "image '...'".
std::string subject(const ActionRef& ref) {
  const char* what = ref.kind == ActionRef::Kind::kRemoteWorkflow ? "reusable workflow"
                     : ref.kind == ActionRef::Kind::kDocker       ? "image"
                                                                  : "action";
  return std::string(what) + " '" + ref.text + "'";
}

// ".sluice/policy.yml:4 (deny: evil/*)" or "--deny-action evil/*".
std::string rule_origin(const PolicySource& source, const PolicyRule& rule, const char* key) {
  if (source.name.empty()) return std::string("--") + key + "-action " + rule.pattern;
  return source.name + ":" + std::to_string(rule.pos.line) + " (" + key + ": " + rule.pattern + ")";
}

std::string allow_origin(const PolicySource& source) {
  std::string list;
  for (const PolicyRule& rule : *source.allow) list += (list.empty() ? "" : ", ") + rule.pattern;
  if (list.empty()) list = "nothing";
  if (source.name.empty()) return "--allow-action (" + list + ")";
  return source.name + ":" + std::to_string(source.allow_pos.line) + " (allow: " + list + ")";
}

std::string pinning_origin(const PolicySource& source) {
  if (source.name.empty()) return "--require-sha-pinning";
  return source.name + ":" + std::to_string(source.require_sha_pinning_pos.line) +
         " (require-sha-pinning: true)";
}

std::optional<PolicyRefusal> check_source(const PolicySource& source, const ActionRef& ref) {
  for (const PolicyRule& rule : source.deny)
    if (policy_pattern_matches(rule.pattern, ref))
      return PolicyRefusal{subject(ref) + " is denied by " + rule_origin(source, rule, "deny"),
                           "use another action, or change the policy"};
  if (is_builtin(ref)) return std::nullopt;  // built into sluice: no origin to allow or pin
  if (source.allow) {
    bool allowed = false;
    for (const PolicyRule& rule : *source.allow)
      allowed |= policy_pattern_matches(rule.pattern, ref);
    if (!allowed) {
      std::string pattern = ref.kind == ActionRef::Kind::kDocker ? ref.text : ref.name();
      return PolicyRefusal{
          subject(ref) + " is not allowed by " + allow_origin(source),
          source.name.empty()
              ? "pass `--allow-action " + pattern + "` if it is trusted"
              : "add '" + pattern + "' to 'allow' in " + source.name + " if it is trusted"};
    }
  }
  if (source.require_sha_pinning) {
    if (ref.kind == ActionRef::Kind::kDocker && ref.digest.empty())
      return PolicyRefusal{
          subject(ref) + " is not pinned to a digest, as " + pinning_origin(source) + " requires",
          "use 'docker://" + ref.image + "@sha256:<digest>'"};
    if (ref.is_remote() && !ref.ref_is_sha)
      return PolicyRefusal{subject(ref) + " is not pinned to a full commit SHA, as " +
                               pinning_origin(source) + " requires",
                           "use '" + ref.name() + "@<40-hex commit>' (`git ls-remote` on " +
                               ref.repository() + " shows the commit of '" + ref.ref + "')"};
  }
  return std::nullopt;
}

std::vector<PolicyRule> read_patterns(YamlReader& r, const YAML::Node& node,
                                      std::string_view what) {
  std::vector<PolicyRule> rules;
  for (Scalar& s : r.string_or_list(node, what)) {
    if (std::string problem = policy_pattern_problem(s.text); !problem.empty()) {
      r.diagnostics().error(s.pos,
                            "pattern '" + s.text + "' in " + std::string(what) + " " + problem,
                            "write 'owner/repo', 'owner/*', 'owner/repo@<sha>' or "
                            "'docker://image*'");
      continue;
    }
    rules.push_back({std::move(s.text), s.pos});
  }
  return rules;
}

std::nullopt_t too_large(const std::string& file, size_t size, Diagnostics& diagnostics) {
  diagnostics.error({file, 0, 0},
                    "policy file is too large (" + std::to_string(size) + " bytes; the limit is " +
                        std::to_string(kMaxPolicyFileBytes) + ")",
                    "a policy is a few patterns: see docs/action-policy.md");
  return std::nullopt;
}

}  // namespace

bool policy_pattern_matches(std::string_view pattern, const ActionRef& ref) {
  constexpr std::string_view kDocker = "docker://";
  if (ref.kind == ActionRef::Kind::kDocker)
    return pattern.starts_with(kDocker) &&
           wildcard_match(pattern.substr(kDocker.size()),
                          std::string_view(ref.text).substr(kDocker.size()));
  if (!ref.is_remote() || pattern.starts_with(kDocker)) return false;
  size_t at = pattern.find('@');
  std::string_view name = pattern.substr(0, at);
  if (!wildcard_match(to_lower(name), to_lower(ref.name()))) return false;
  return at == std::string_view::npos || wildcard_match(pattern.substr(at + 1), ref.ref);
}

std::string policy_pattern_problem(std::string_view pattern) {
  if (pattern.empty()) return "is empty";
  for (char c : pattern)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "contains spaces";
  if (pattern.starts_with("docker://")) return pattern.size() == 9 ? "names no image" : "";
  if (pattern == "." || pattern.starts_with("./"))
    return "names a local path: the policy judges only actions from other repositories";
  size_t at = pattern.find('@');
  if (at != std::string_view::npos && pattern.find('@', at + 1) != std::string_view::npos)
    return "has more than one '@'";
  std::string_view name = pattern.substr(0, at);
  if (name != "*" && name.find('/') == std::string_view::npos)
    return "does not name 'owner/repo' (or '*')";
  if (at != std::string_view::npos && at + 1 == pattern.size()) return "has an empty ref";
  return "";
}

std::optional<PolicyRefusal> check_action_policy(const ActionPolicy& policy, const ActionRef& ref) {
  if (ref.kind == ActionRef::Kind::kLocal) return std::nullopt;
  for (const PolicySource& source : policy.sources)
    if (auto refusal = check_source(source, ref)) return refusal;
  return std::nullopt;
}

std::optional<PolicySource> load_policy_text(std::string_view text, const std::string& file,
                                             const std::string& display_name,
                                             Diagnostics& diagnostics) {
  if (text.size() > kMaxPolicyFileBytes) return too_large(file, text.size(), diagnostics);
  Diagnostics local;
  YamlReader r(file, text, local);
  PolicySource source;
  source.name = display_name;
  if (auto root = r.parse();
      root && !root->IsNull() && r.expect_map(*root, "the policy file", "start with `actions:`")) {
    for (auto& e : r.entries(*root, "the policy file", kRootKeys)) {
      if (e.value.IsNull() || !r.expect_map(e.value, "'actions'",
                                            "write `allow:`, `deny:` or "
                                            "`require-sha-pinning:` under it"))
        continue;
      for (auto& k : r.entries(e.value, "'actions'", kActionsKeys)) {
        const std::string what = "'actions." + k.key + "'";
        if (k.key == "allow") {
          source.allow = read_patterns(r, k.value, what);
          source.allow_pos = k.key_pos;
        } else if (k.key == "deny") {
          source.deny = read_patterns(r, k.value, what);
        } else if (auto value = r.boolean(k.value, what)) {
          source.require_sha_pinning = *value;
          source.require_sha_pinning_pos = k.key_pos;
        }
      }
    }
  }
  bool failed = local.has_errors();
  diagnostics.append(local);
  if (failed) return std::nullopt;
  return source;
}

std::optional<PolicySource> load_policy_file(const std::string& repo_root,
                                             Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(repo_root) / kPolicyFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  auto size = fs::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) {
    diagnostics.error({path.string(), 0, 0}, "cannot read the policy file",
                      "check that it is a readable file");
    return std::nullopt;
  }
  if (size > kMaxPolicyFileBytes) return too_large(path.string(), size, diagnostics);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return load_policy_text(buffer.str(), path.string(), std::string(kPolicyFile), diagnostics);
}

}  // namespace sluice::spec
