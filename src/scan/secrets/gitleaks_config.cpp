#include "scan/secrets/gitleaks_config.h"

// Debian ships toml++ as a shared library; these select its compiled form.
#define TOML_HEADER_ONLY 0
#define TOML_SHARED_LIB 1
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "scan/secrets/builtin_rules.h"

namespace sluice::scan::secrets {

namespace {

constexpr size_t kMaxConfigBytes = 4 << 20;
constexpr int kMaxExtendDepth = 3;

struct Loader {
  std::string file;
  Diagnostics& diagnostics;

  SourcePos pos(const toml::node& node) const {
    const auto& begin = node.source().begin;
    return {file, static_cast<int>(begin.line), static_cast<int>(begin.column)};
  }
  SourcePos pos(const toml::node* node, const toml::node& fallback) const {
    return node ? pos(*node) : pos(fallback);
  }

  std::string string_of(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (!node) return "";
    if (auto s = node->value<std::string>()) return *s;
    diagnostics.error(pos(*node), std::string(key) + " must be a string");
    return "";
  }

  std::vector<std::string> strings_of(const toml::table& table, std::string_view key) {
    std::vector<std::string> out;
    const toml::node* node = table.get(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array) {
      diagnostics.error(pos(*node), std::string(key) + " must be an array of strings");
      return out;
    }
    for (const auto& item : *array) {
      if (auto s = item.value<std::string>()) {
        out.push_back(*s);
      } else {
        diagnostics.error(pos(item), std::string(key) + " must contain only strings");
      }
    }
    return out;
  }

  // Compiles a pattern, naming the rule (or allowlist) and why RE2 refused it.
  std::unique_ptr<RE2> regex(const std::string& owner, std::string_view key,
                             const std::string& pattern, const SourcePos& where) {
    auto re = compile_pattern(pattern);
    if (re.ok()) return std::move(*re);
    diagnostics.error(
        where,
        owner + ": " + std::string(key) + " is not a valid RE2 pattern: " + re.error().message,
        "RE2 runs in linear time and has no look-arounds or backreferences; "
        "rewrite the pattern without them (capture the context instead)");
    return nullptr;
  }

  bool allowlist(const std::string& owner, const toml::table& table, Allowlist& out) {
    bool ok = true;
    out.description = string_of(table, "description");
    const std::string condition = string_of(table, "condition");
    if (condition == "AND" || condition == "and" || condition == "&&") {
      out.condition_and = true;
    } else if (!condition.empty() && condition != "OR" && condition != "or" && condition != "||") {
      diagnostics.error(pos(table.get("condition"), table),
                        owner + ": condition must be \"OR\" or \"AND\"");
      ok = false;
    }
    const std::string target = string_of(table, "regexTarget");
    if (target == "match") {
      out.regex_target = RegexTarget::kMatch;
    } else if (target == "line") {
      out.regex_target = RegexTarget::kLine;
    } else if (!target.empty() && target != "secret") {
      diagnostics.error(pos(table.get("regexTarget"), table),
                        owner + ": regexTarget must be \"secret\", \"match\" or \"line\"");
      ok = false;
    }
    for (const char* key : {"regexes", "paths"}) {
      const toml::node* node = table.get(key);
      for (const auto& pattern : strings_of(table, key)) {
        auto re = regex(owner, key, pattern, pos(node, table));
        if (!re) {
          ok = false;
          continue;
        }
        (std::string_view(key) == "regexes" ? out.regexes : out.paths).push_back(std::move(re));
      }
    }
    out.commits = strings_of(table, "commits");
    for (auto& word : strings_of(table, "stopwords")) {
      std::transform(word.begin(), word.end(), word.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      out.stopwords.push_back(std::move(word));
    }
    return ok;
  }

  // Rule allowlists come as one table (older configs) or an array of tables (gitleaks 8.21+).
  bool rule_allowlists(const std::string& owner, const toml::table& table,
                       std::vector<Allowlist>& out) {
    bool ok = true;
    if (const toml::node* single = table.get("allowlist")) {
      if (const toml::table* t = single->as_table()) {
        Allowlist allow;
        ok = allowlist(owner, *t, allow) && ok;
        out.push_back(std::move(allow));
      } else {
        diagnostics.error(pos(*single), owner + ": allowlist must be a table");
        ok = false;
      }
    }
    if (const toml::node* many = table.get("allowlists")) {
      const toml::array* array = many->as_array();
      if (!array) {
        diagnostics.error(pos(*many), owner + ": allowlists must be an array of tables");
        return false;
      }
      for (const auto& item : *array) {
        const toml::table* t = item.as_table();
        if (!t) {
          diagnostics.error(pos(item), owner + ": allowlists must be an array of tables");
          ok = false;
          continue;
        }
        Allowlist allow;
        ok = allowlist(owner, *t, allow) && ok;
        out.push_back(std::move(allow));
      }
    }
    return ok;
  }

  static bool looks_multiline(const std::string& pattern) {
    for (const char* marker : {"\\n", "\\r", "(?s", "\\s\\S", "\\S\\s", "\\v"}) {
      if (pattern.find(marker) != std::string::npos) return true;
    }
    return false;
  }

  std::optional<SecretRule> rule(const toml::table& table) {
    static const std::set<std::string, std::less<>> kKnown = {
        "id",   "description", "regex",     "secretGroup", "entropy",    "keywords",
        "path", "tags",        "allowlist", "allowlists",  "remediation"};
    SecretRule rule;
    rule.id = string_of(table, "id");
    if (rule.id.empty()) {
      diagnostics.error(pos(table), "rule without an id", "give every [[rules]] entry an id");
      return std::nullopt;
    }
    const std::string owner = "rule " + rule.id;
    for (const auto& [key, value] : table) {
      if (!kKnown.contains(key.str())) {
        diagnostics.warning(pos(value),
                            owner + ": unknown key '" + std::string(key.str()) + "' ignored");
      }
    }
    bool ok = true;
    rule.description = string_of(table, "description");
    rule.remediation = string_of(table, "remediation");
    if (rule.remediation.empty()) {
      rule.remediation = "Revoke and rotate the credential, then load it from a secret store";
    }
    const std::string pattern = string_of(table, "regex");
    if (!pattern.empty()) {
      rule.regex = regex(owner, "regex", pattern, pos(table.get("regex"), table));
      ok = rule.regex != nullptr && ok;
      rule.multiline = looks_multiline(pattern);
    }
    const std::string path = string_of(table, "path");
    if (!path.empty()) {
      rule.path = regex(owner, "path", path, pos(table.get("path"), table));
      ok = rule.path != nullptr && ok;
    }
    if (pattern.empty() && path.empty()) {
      diagnostics.error(pos(table), owner + ": a rule needs a regex, a path, or both");
      ok = false;
    }
    if (const toml::node* group = table.get("secretGroup")) {
      auto value = group->value<int64_t>();
      if (!value || *value < 0) {
        diagnostics.error(pos(*group), owner + ": secretGroup must be a non-negative integer");
        ok = false;
      } else if (rule.regex && *value > rule.regex->NumberOfCapturingGroups()) {
        diagnostics.error(pos(*group), owner + ": secretGroup " + std::to_string(*value) +
                                           " but the regex has only " +
                                           std::to_string(rule.regex->NumberOfCapturingGroups()) +
                                           " capture groups");
        ok = false;
      } else {
        rule.secret_group = static_cast<int>(*value);
      }
    }
    if (const toml::node* entropy = table.get("entropy")) {
      auto value = entropy->value<double>();
      if (!value || *value < 0 || *value > 8) {
        diagnostics.error(pos(*entropy), owner + ": entropy must be a number between 0 and 8");
        ok = false;
      } else {
        rule.entropy = *value;
      }
    }
    rule.keywords = strings_of(table, "keywords");
    ok = rule_allowlists(owner, table, rule.allowlists) && ok;
    if (!ok) return std::nullopt;
    return rule;
  }
};

RuleSet parse(const std::string& text, const std::string& path, Diagnostics& diagnostics,
              int depth);

RuleSet load(const std::string& path, Diagnostics& diagnostics, int depth) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error({path, 0, 0}, "cannot read secrets config file", "check the --config path");
    return {};
  }
  std::string text;
  text.resize(kMaxConfigBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) {
    diagnostics.error({path, 0, 0}, "secrets config file is larger than 4 MB");
    return {};
  }
  return parse(text, path, diagnostics, depth);
}

RuleSet parse(const std::string& text, const std::string& path, Diagnostics& diagnostics,
              int depth) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    diagnostics.error({path, static_cast<int>(begin.line), static_cast<int>(begin.column)},
                      "invalid TOML: " + std::string(e.description()));
    return {};
  }
  Loader loader{path, diagnostics};
  RuleSet set;

  std::set<std::string> disabled;
  if (const toml::table* extend = root["extend"].as_table()) {
    for (auto& id : loader.strings_of(*extend, "disabledRules")) disabled.insert(id);
    const bool use_default =
        extend->get("useDefault") && extend->get("useDefault")->value<bool>().value_or(false);
    const std::string base = loader.string_of(*extend, "path");
    if (use_default) set = builtin_rule_set();
    if (!base.empty()) {
      if (depth >= kMaxExtendDepth) {
        diagnostics.error(loader.pos(*extend), "[extend] nests too deeply (more than 3 files)");
      } else {
        std::filesystem::path base_path(base);
        if (base_path.is_relative())
          base_path = std::filesystem::path(path).parent_path() / base_path;
        RuleSet parent = load(base_path.string(), diagnostics, depth + 1);
        for (auto& r : parent.rules) set.rules.push_back(std::move(r));
        for (auto& a : parent.global_allowlists) set.global_allowlists.push_back(std::move(a));
      }
    }
  }

  if (const toml::node* rules = root.get("rules")) {
    const toml::array* array = rules->as_array();
    if (!array) {
      diagnostics.error(loader.pos(*rules), "rules must be an array of tables ([[rules]])");
    } else {
      for (const auto& item : *array) {
        const toml::table* table = item.as_table();
        if (!table) {
          diagnostics.error(loader.pos(item), "rules must be an array of tables ([[rules]])");
          continue;
        }
        auto rule = loader.rule(*table);
        if (!rule) continue;
        // A rule with the id of an inherited one replaces it (gitleaks' extend semantics).
        auto same = std::find_if(set.rules.begin(), set.rules.end(),
                                 [&](const SecretRule& r) { return r.id == rule->id; });
        if (same != set.rules.end()) {
          *same = std::move(*rule);
        } else {
          set.rules.push_back(std::move(*rule));
        }
      }
    }
  }

  if (const toml::table* allow = root["allowlist"].as_table()) {
    Allowlist global;
    loader.allowlist("[allowlist]", *allow, global);
    set.global_allowlists.push_back(std::move(global));
  }
  if (const toml::array* allows = root["allowlists"].as_array()) {
    for (const auto& item : *allows) {
      const toml::table* table = item.as_table();
      if (!table) {
        diagnostics.error(loader.pos(item), "allowlists must be an array of tables");
        continue;
      }
      const auto targets = loader.strings_of(*table, "targetRules");
      if (targets.empty()) {
        Allowlist allow;
        loader.allowlist("[[allowlists]]", *table, allow);
        set.global_allowlists.push_back(std::move(allow));
        continue;
      }
      // An allowlist aimed at some rules is a rule allowlist of each of them. Regexes are
      // not copyable, so each target gets its own compiled copy.
      for (const auto& target : targets) {
        auto rule = std::find_if(set.rules.begin(), set.rules.end(),
                                 [&](const SecretRule& r) { return r.id == target; });
        if (rule == set.rules.end()) {
          diagnostics.warning(loader.pos(*table),
                              "[[allowlists]] targets unknown rule '" + target + "'");
          continue;
        }
        Allowlist copy;
        loader.allowlist("[[allowlists]]", *table, copy);
        rule->allowlists.push_back(std::move(copy));
      }
    }
  }

  std::erase_if(set.rules, [&](const SecretRule& r) { return disabled.contains(r.id); });
  return set;
}

}  // namespace

RuleSet load_gitleaks_config(const std::string& path, Diagnostics& diagnostics) {
  return load(path, diagnostics, 0);
}

RuleSet parse_gitleaks_config(const std::string& text, const std::string& path,
                              Diagnostics& diagnostics) {
  return parse(text, path, diagnostics, 0);
}

}  // namespace sluice::scan::secrets
