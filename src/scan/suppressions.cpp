#include "scan/suppressions.h"

#include <fnmatch.h>
#include <re2/re2.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include "scan/cfn/node.h"

namespace sluice::scan {
namespace {

using cfn::CfnNode;

constexpr size_t kMinReasonLength = 10;

SourcePos pos_of(const std::string& file, const CfnNode& n) {
  return SourcePos{file, n.line, n.column};
}

std::string base64_decode(const std::string& in, bool& ok) {
  static const std::string chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0;
  unsigned value = 0;
  ok = true;
  for (char c : in) {
    if (c == '=') break;
    size_t p = chars.find(c);
    if (p == std::string::npos) {
      ok = false;
      return "";
    }
    value = (value << 6) | static_cast<unsigned>(p);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xFF);
    }
  }
  return out;
}

// Parses "/body/flags" into an RE2 (flags: i and s; g/m/u are accepted and ignored).
bool compile_regex(const std::string& text, FindingPattern& out, std::string& error) {
  size_t last = text.rfind('/');
  if (text.size() < 2 || text[0] != '/' || last == 0) {
    error = "regex must be written /body/flags";
    return false;
  }
  std::string body = text.substr(1, last - 1);
  std::string flags = text.substr(last + 1);
  RE2::Options opts;
  opts.set_log_errors(false);
  for (char f : flags) {
    if (f == 'i')
      opts.set_case_sensitive(false);
    else if (f == 's')
      opts.set_dot_nl(true);
    else if (f != 'g' && f != 'm' && f != 'u') {
      error = std::string("unsupported regex flag '") + f + "'";
      return false;
    }
  }
  auto re = std::make_shared<RE2>(body, opts);
  if (!re->ok()) {
    error = "invalid regex: " + re->error();
    return false;
  }
  out.is_regex = true;
  out.text = text;
  out.compiled = re;
  return true;
}

// Reads one suppression entry with fields {id|rule, reason|comment, applies_to|findings,
// is_reason_encoded}.
bool parse_entry(const CfnNode& entry, const std::string& file, const std::string& source,
                 Suppression& out, Diagnostics& diagnostics) {
  SourcePos pos = pos_of(file, entry);
  if (!entry.is_object()) {
    diagnostics.error(pos, "suppression must be a mapping",
                      "write {id: AwsSolutions-XX, reason: ...}");
    return false;
  }
  out.source = source;
  out.pos = pos;
  const CfnNode* id = entry.get("id");
  if (!id) id = entry.get("rule");
  if (!id || !id->is_string() || id->text.empty()) {
    diagnostics.error(pos, "suppression has no rule id",
                      "add `id: AwsSolutions-S1` (the rule to suppress)");
    return false;
  }
  out.rule_id = id->text;
  if (out.rule_id.find('[') != std::string::npos) {
    diagnostics.error(pos_of(file, *id),
                      "suppression id '" + out.rule_id + "' contains a [finding]",
                      "put the rule id in `id` and the finding in `applies_to`");
    return false;
  }
  const CfnNode* reason = entry.get("reason");
  if (!reason) reason = entry.get("comment");
  std::string text = reason && reason->is_scalar() ? cfn::scalar_to_string(*reason) : "";
  const CfnNode* encoded = entry.get("is_reason_encoded");
  if (encoded && encoded->is_bool() && encoded->boolean) {
    bool ok = false;
    text = base64_decode(text, ok);
    if (!ok) {
      diagnostics.error(pos, "is_reason_encoded is true but the reason is not base64", "");
      return false;
    }
  }
  if (text.size() < kMinReasonLength) {
    diagnostics.error(
        reason ? pos_of(file, *reason) : pos,
        "suppression of " + out.rule_id + " needs a reason of at least 10 characters",
        "say why the exception is acceptable, e.g. `reason: logs bucket cannot log to itself`");
    return false;
  }
  out.reason = text;
  const CfnNode* applies = entry.get("applies_to");
  if (!applies) applies = entry.get("appliesTo");
  if (!applies) applies = entry.get("findings");
  if (applies) {
    if (!applies->is_array()) {
      diagnostics.error(pos_of(file, *applies), "applies_to must be a list", "");
      return false;
    }
    for (const CfnNode& a : applies->items) {
      FindingPattern pat;
      std::string error;
      if (a.is_string() && a.text.size() > 2 && a.text.front() == '/' && source == "file") {
        if (!compile_regex(a.text, pat, error)) {
          diagnostics.error(pos_of(file, a), error, "");
          return false;
        }
      } else if (a.is_string()) {
        pat.text = a.text;
      } else if (const CfnNode* re = a.get("regex"); re && re->is_string()) {
        if (!compile_regex(re->text, pat, error)) {
          diagnostics.error(pos_of(file, *re), error, "");
          return false;
        }
      } else {
        diagnostics.error(pos_of(file, a),
                          "applies_to entries are finding IDs or {regex: \"/body/flags\"}", "");
        return false;
      }
      out.applies_to.push_back(std::move(pat));
    }
  }
  return true;
}

std::vector<Suppression> parse_metadata(const CfnNode* metadata, const std::string& file,
                                        Diagnostics& diagnostics) {
  std::vector<Suppression> out;
  if (!metadata || !metadata->is_object()) return out;
  auto entries = [&](const CfnNode* list, const char* where) -> const CfnNode* {
    if (!list) return nullptr;
    if (!list->is_array()) {
      diagnostics.error(pos_of(file, *list), std::string(where) + " must be a list", "");
      return nullptr;
    }
    return list;
  };
  if (const CfnNode* cdk = metadata->get("cdk_nag")) {
    if (const CfnNode* list = entries(cdk->get("rules_to_suppress"), "cdk_nag.rules_to_suppress")) {
      for (const CfnNode& e : list->items) {
        Suppression s;
        if (parse_entry(e, file, "cdk_nag", s, diagnostics)) out.push_back(std::move(s));
      }
    }
  }
  if (const CfnNode* cfn_nag = metadata->get("cfn_nag")) {
    if (const CfnNode* list =
            entries(cfn_nag->get("rules_to_suppress"), "cfn_nag.rules_to_suppress")) {
      for (const CfnNode& e : list->items) {
        Suppression s;
        if (!parse_entry(e, file, "cfn_nag", s, diagnostics)) continue;
        if (!s.rule_id.starts_with("AwsSolutions-")) {
          std::string mapped = cfn_nag_to_rule(s.rule_id);
          if (mapped.empty()) continue;  // a cfn_nag-only rule: nothing of ours to suppress
          s.rule_id = mapped;
        }
        out.push_back(std::move(s));
      }
    }
  }
  if (const CfnNode* checkov = metadata->get("checkov")) {
    if (const CfnNode* list = entries(checkov->get("skip"), "checkov.skip")) {
      for (const CfnNode& e : list->items) {
        Suppression s;
        if (!parse_entry(e, file, "checkov", s, diagnostics)) continue;
        if (!s.rule_id.starts_with("AwsSolutions-")) {
          std::string mapped = checkov_to_rule(s.rule_id);
          if (mapped.empty()) continue;
          s.rule_id = mapped;
        }
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

bool applies(const Suppression& s, const Finding& f) {
  if (f.compliance == Compliance::kUnknown) {
    if (s.rule_id == f.rule_id && s.applies_to.empty()) return true;
    if (s.rule_id != "CdkNagValidationFailure") return false;
    for (const FindingPattern& p : s.applies_to) {
      if (p.matches(f.rule_id)) return true;
    }
    return false;
  }
  if (f.compliance != Compliance::kNonCompliant || s.rule_id != f.rule_id) return false;
  if (f.finding_id.empty() || s.applies_to.empty()) return true;
  for (const FindingPattern& p : s.applies_to) {
    if (p.matches(f.finding_id)) return true;
  }
  return false;
}

void suppress(Finding& f, Suppression& s) {
  f.compliance = Compliance::kSuppressed;
  f.exception_reason = f.finding_id.empty() ? s.reason : "[" + f.finding_id + "] " + s.reason;
  s.used = true;
}

bool glob_matches(const std::string& glob, const std::string& text) {
  return !text.empty() && fnmatch(glob.c_str(), text.c_str(), 0) == 0;
}

}  // namespace

bool FindingPattern::matches(const std::string& finding_id) const {
  if (!is_regex) return text == finding_id;
  return RE2::PartialMatch(finding_id, *static_cast<const RE2*>(compiled.get()));
}

std::string today_utc() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

Result<std::vector<Suppression>> load_suppressions_file(const std::string& path,
                                                        const std::string& today,
                                                        Diagnostics& diagnostics) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read suppressions file", SourcePos{path, 0, 0}};
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = cfn::parse_document(ss.str(), path);
  if (!doc) return doc.error();
  const CfnNode* list = doc->is_array() ? &*doc : doc->get("suppressions");
  std::vector<Suppression> out;
  if (!list) {
    if (doc->is_null()) return out;
    return Error{"suppressions file needs a top-level `suppressions:` list", SourcePos{path, 1, 1}};
  }
  if (!list->is_array())
    return Error{"`suppressions` must be a list", SourcePos{path, list->line, list->column}};
  for (const CfnNode& e : list->items) {
    Suppression s;
    if (!parse_entry(e, path, "file", s, diagnostics)) continue;
    const CfnNode* resource = e.get("resource");
    if (!resource) resource = e.get("resources");
    if (!resource || !resource->is_string() || resource->text.empty()) {
      diagnostics.error(s.pos, "file suppression of " + s.rule_id + " has no `resource`",
                        "give a logical ID or a CDK path glob, e.g. `resource: MyStack/Logs/*`");
      continue;
    }
    s.resource_glob = resource->text;
    if (const CfnNode* exp = e.get("expires")) {
      std::string d = cfn::scalar_to_string(*exp);
      bool valid = d.size() == 10 && d[4] == '-' && d[7] == '-';
      for (size_t i = 0; valid && i < d.size(); ++i) {
        if (i != 4 && i != 7 && !std::isdigit(static_cast<unsigned char>(d[i]))) valid = false;
      }
      if (!valid) {
        diagnostics.error(pos_of(path, *exp), "expires must be a date YYYY-MM-DD", "");
        continue;
      }
      s.expires = d;
      if (d < today) {
        diagnostics.warning(
            s.pos, "suppression of " + s.rule_id + " for " + s.resource_glob + " expired on " + d,
            "fix the finding or renew the exception with a new date");
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

void apply_suppressions(const cfn::Template& tmpl, std::vector<Finding>& findings,
                        std::vector<Suppression>& file_suppressions, Diagnostics& diagnostics) {
  std::vector<Suppression> stack =
      parse_metadata(tmpl.root->get("Metadata"), tmpl.file, diagnostics);
  std::map<std::string, std::vector<Suppression>> per_resource;
  for (const cfn::Resource& r : tmpl.resources) {
    auto s = parse_metadata(r.metadata, tmpl.file, diagnostics);
    if (!s.empty()) per_resource.emplace(r.logical_id, std::move(s));
  }
  std::string today = today_utc();
  for (Finding& f : findings) {
    if (f.compliance != Compliance::kNonCompliant && f.compliance != Compliance::kUnknown) continue;
    bool done = false;
    if (auto it = per_resource.find(f.resource_id); it != per_resource.end()) {
      for (Suppression& s : it->second) {
        if (applies(s, f)) {
          suppress(f, s);
          done = true;
          break;
        }
      }
    }
    for (size_t i = 0; !done && i < stack.size(); ++i) {
      if (applies(stack[i], f)) {
        suppress(f, stack[i]);
        done = true;
      }
    }
    for (size_t i = 0; !done && i < file_suppressions.size(); ++i) {
      Suppression& s = file_suppressions[i];
      if (!s.expires.empty() && s.expires < today) continue;
      bool resource_match = s.resource_glob == f.resource_id ||
                            glob_matches(s.resource_glob, f.resource_id) ||
                            glob_matches(s.resource_glob, f.cdk_path);
      if (resource_match && applies(s, f)) {
        suppress(f, s);
        done = true;
      }
    }
  }
  auto stale = [&](const Suppression& s, const std::string& where) {
    if (s.used || !s.rule_id.starts_with("AwsSolutions-")) return;
    diagnostics.warning(s.pos,
                        "stale suppression: " + s.rule_id + " matches no finding on " + where,
                        "remove the suppression (the finding is fixed or the rule does not apply)");
  };
  for (const auto& [id, list] : per_resource) {
    for (const Suppression& s : list) stale(s, id);
  }
  for (const Suppression& s : stack) stale(s, "this stack");
}

void report_stale_file_suppressions(const std::vector<Suppression>& file_suppressions,
                                    const std::string& today, Diagnostics& diagnostics) {
  for (const Suppression& s : file_suppressions) {
    if (s.used || (!s.expires.empty() && s.expires < today)) continue;
    diagnostics.warning(
        s.pos,
        "stale suppression: " + s.rule_id + " for " + s.resource_glob + " matches no finding",
        "remove it from the suppressions file");
  }
}

std::string checkov_to_rule(const std::string& id) {
  static const std::map<std::string, std::string> table = {
      {"CKV_AWS_18", "S1"},    {"CKV_AWS_53", "S2"},     {"CKV_AWS_54", "S2"},
      {"CKV_AWS_55", "S2"},    {"CKV_AWS_56", "S2"},     {"CKV_AWS_24", "EC23"},
      {"CKV_AWS_25", "EC23"},  {"CKV_AWS_260", "EC23"},  {"CKV_AWS_277", "EC23"},
      {"CKV_AWS_23", "EC27"},  {"CKV_AWS_126", "EC28"},  {"CKV_AWS_3", "EC26"},
      {"CKV_AWS_8", "EC26"},   {"CKV_AWS_16", "RDS2"},   {"CKV_AWS_157", "RDS3"},
      {"CKV_AWS_162", "RDS6"}, {"CKV_AWS_293", "RDS10"}, {"CKV_AWS_133", "RDS13"},
      {"CKV_AWS_27", "SQS2"},  {"CKV_AWS_7", "KMS5"},    {"CKV_AWS_28", "DDB3"},
      {"CKV_AWS_47", "DDB4"},  {"CKV_AWS_42", "EFS1"},   {"CKV_AWS_76", "APIG1"},
      {"CKV_AWS_59", "APIG4"}, {"CKV_AWS_86", "CFR3"},   {"CKV_AWS_68", "CFR2"},
      {"CKV_AWS_174", "CFR4"}, {"CKV_AWS_91", "ELB2"},   {"CKV_AWS_92", "ELB2"},
      {"CKV_AWS_5", "OS8"},    {"CKV_AWS_6", "OS2"},     {"CKV_AWS_84", "OS9"},
      {"CKV_AWS_29", "AEC3"},  {"CKV_AWS_30", "AEC3"},   {"CKV_AWS_31", "AEC6"},
      {"CKV_AWS_64", "RS6"},   {"CKV_AWS_71", "RS5"},    {"CKV_AWS_87", "RS8"},
      {"CKV_AWS_105", "RS1"},  {"CKV_AWS_63", "IAM5"},   {"CKV_AWS_109", "IAM5"},
      {"CKV_AWS_110", "IAM5"}, {"CKV_AWS_111", "IAM5"},  {"CKV_AWS_65", "ECS4"},
      {"CKV_AWS_38", "EKS1"},  {"CKV_AWS_39", "EKS1"},   {"CKV_AWS_37", "EKS2"},
      {"CKV_AWS_32", "ECR1"},  {"CKV_AWS_74", "DOC1"},   {"CKV_AWS_104", "DOC5"},
      {"CKV_AWS_44", "N4"},    {"CKV_AWS_101", "N2"},    {"CKV_AWS_43", "KDS1"},
      {"CKV_AWS_240", "KDF1"}, {"CKV_AWS_81", "MSK2"},   {"CKV_AWS_80", "MSK6"},
      {"CKV_AWS_122", "SM3"},  {"CKV_AWS_22", "SM2"},    {"CKV_AWS_147", "CB4"},
      {"CKV_AWS_284", "SF2"},  {"CKV_AWS_285", "SF1"},   {"CKV_AWS_94", "GL1"},
      {"CKV_AWS_99", "GL1"},   {"CKV_AWS_35", ""}};
  auto it = table.find(id);
  return it == table.end() || it->second.empty() ? "" : "AwsSolutions-" + it->second;
}

std::string cfn_nag_to_rule(const std::string& id) {
  static const std::map<std::string, std::string> table = {
      {"W35", "S1"},    {"W51", "S10"},   {"W2", "EC23"},  {"W9", "EC23"},  {"F1000", ""},
      {"W12", "IAM5"},  {"W11", "IAM5"},  {"F4", "IAM5"},  {"F5", "IAM5"},  {"F38", "IAM5"},
      {"F39", "IAM5"},  {"W13", "IAM5"},  {"F3", "IAM5"},  {"W36", "EC27"}, {"F27", "RDS2"},
      {"F26", "RDS2"},  {"W30", "EC26"},  {"F1", "EC26"},  {"W48", ""},     {"W52", "S10"},
      {"W59", "APIG4"}, {"W69", "APIG1"}, {"W70", "CFR4"}, {"W10", "CFR3"}, {"W26", "ELB2"},
      {"W33", "ELB1"},  {"W45", "APIG6"}, {"W64", ""},     {"W68", ""},     {"F32", "AEC3"},
      {"F33", "AEC3"},  {"W31", "S10"}};
  auto it = table.find(id);
  return it == table.end() || it->second.empty() ? "" : "AwsSolutions-" + it->second;
}

}  // namespace sluice::scan
