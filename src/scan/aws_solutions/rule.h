// The aws-solutions rule framework: a rule is data (ID, level, resource types, texts)
// plus one small check function. Checks read properties through the accessors below,
// which implement cdk-nag's four access modes (see docs/scan-rules.md and the
// behavioural reference) on top of the intrinsic evaluator.
//
// A check that reaches a value it cannot decide throws UnknownValue; the runner turns
// that into an UNKNOWN row. This mirrors cdk-nag (where a throwing rule is UNKNOWN) and
// keeps each check a straight sequence of reads; the exception never leaves the runner.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scan/cfn/evaluator.h"
#include "scan/cfn/template.h"
#include "scan/finding.h"

namespace sluice::scan::aws {

using cfn::CfnNode;
using cfn::Resource;

struct UnknownValue {
  std::string reason;
};

struct Outcome {
  enum class Kind { kNotApplicable, kCompliant, kNonCompliant, kFindings };
  Kind kind = Kind::kCompliant;
  std::vector<std::string> findings;  // kFindings: granular finding IDs (empty = compliant)
  std::string detail;  // kNonCompliant: what is wrong here, when more precise than the rule text

  static Outcome na() { return {Kind::kNotApplicable, {}, ""}; }
  static Outcome ok() { return {Kind::kCompliant, {}, ""}; }
  static Outcome fail(std::string detail = "") {
    return {Kind::kNonCompliant, {}, std::move(detail)};
  }
  static Outcome granular(std::vector<std::string> ids) {
    return {Kind::kFindings, std::move(ids), ""};
  }
  static Outcome when(bool non_compliant, std::string detail = "") {
    return non_compliant ? fail(std::move(detail)) : ok();
  }
};

class RuleContext;
using CheckFn = Outcome (*)(const RuleContext&, const Resource&);

struct RuleDef {
  std::string suffix;  // "S1": the ID is "AwsSolutions-" + suffix
  Level level = Level::kError;
  std::vector<std::string> types;
  std::string description;
  std::string remediation;
  CheckFn check = nullptr;
  bool granular = false;

  std::string id() const { return "AwsSolutions-" + suffix; }
};

// A primitive read in "P" mode: absent, or a known scalar (never an intrinsic: those are
// evaluated, and an undecidable one throws UnknownValue).
struct Prim {
  bool present = false;
  CfnNode value;

  bool absent() const { return !present; }
  bool is_true() const;               // exactly true (the strings "true"/"false" count as booleans)
  bool loose_false() const;           // JavaScript `== false`: false, 0, "0", ""
  bool falsy() const;                 // absent, null, false, 0, "", NaN
  bool eq(std::string_view s) const;  // string equality (numbers compared by text)
  bool eq_num(double n) const;        // JavaScript loose `== n`
  double num() const;                 // NaN when not numeric
  std::string str() const;            // String(value); "" when absent
  std::string lower() const;
};

// Per-template context shared by all checks. Not thread-safe (owns an arena).
class RuleContext {
 public:
  RuleContext(const cfn::Template& tmpl, const cfn::Evaluator& eval) : tmpl_(tmpl), eval_(eval) {}

  const cfn::Template& tmpl() const { return tmpl_; }
  const cfn::Evaluator& evaluator() const { return eval_; }

  // R mode: follows a dotted path of members from `base`. Intrinsics met on the way are
  // evaluated; decided ones are followed, undecidable ones throw UnknownValue (sluice's
  // improvement over cdk-nag, which reads them as "not configured"). At the leaf an
  // undecidable intrinsic is returned as-is: present, opaque. nullptr = absent.
  const CfnNode* r(const CfnNode* base, std::string_view path) const;
  const CfnNode* prop(const Resource& res, std::string_view path) const {
    return r(res.properties, path);
  }
  // Like prop(), for reading *other* resources during cross-resource look-ups: an
  // undecidable value there means "no link" (nullptr) instead of making this rule UNKNOWN.
  const CfnNode* lenient_prop(const Resource& res, std::string_view path) const;
  // Like r(), but the leaf is returned exactly as written (for finding IDs, which must
  // match the text of existing cdk-nag suppressions).
  const CfnNode* raw(const CfnNode* base, std::string_view path) const;
  // Resolves one node (leaf rule of r()).
  const CfnNode* resolve(const CfnNode* node) const;
  // Like resolve(), but an undecidable intrinsic throws: for values that must be iterated.
  const CfnNode* resolve_strict(const CfnNode* node) const;

  // P mode on a node or a property path.
  Prim p(const CfnNode* node) const;
  Prim pp(const Resource& res, std::string_view path) const { return p(prop(res, path)); }

  // L mode: {"Ref": X} -> X, {"Fn::GetAtt": [X, a]} -> X, literal string -> itself;
  // anything else matches nothing (nullopt).
  std::optional<std::string> link(const CfnNode* node) const;

  // The elements of a list value: absent -> empty; a single scalar is NOT wrapped
  // (callers that accept "one value or a list" use as_list_or_single). A non-list
  // throws UnknownValue.
  std::vector<const CfnNode*> list(const CfnNode* node) const;
  std::vector<const CfnNode*> as_list_or_single(const CfnNode* node) const;

  // Per-template memo for cross-resource look-ups that every resource of a type repeats
  // (e.g. "all access-log destinations"): computed once, keyed by the caller.
  const std::vector<std::string>& memo(
      const std::string& key, const std::function<std::vector<std::string>()>& build) const;

 private:
  const CfnNode* keep(CfnNode value) const;
  mutable std::unordered_map<std::string, std::vector<std::string>> memo_;

  const cfn::Template& tmpl_;
  const cfn::Evaluator& eval_;
  mutable std::deque<CfnNode> arena_;  // evaluated values handed out as pointers
};

// cdk-nag's flattenCfnReference (reference §0.6): the text form used in finding IDs.
std::string flatten(const CfnNode* node);

// `text` contains `needle` at a position not followed by a word character
// (the regex `needle(?!\w)`), or with `extra_stop` also excluding that character.
bool contains_token(std::string_view text, std::string_view needle, bool dash_is_word = false);

// A case-insensitive ASCII lower-casing.
std::string lower(std::string_view s);

// The registry: every rule of the pack, in a stable order.
const std::vector<RuleDef>& all_rules();

// Family registration functions (one per rules_<family>.cpp).
void add_s3_rules(std::vector<RuleDef>& rules);
void add_iam_rules(std::vector<RuleDef>& rules);
void add_ec2_rules(std::vector<RuleDef>& rules);
void add_rds_rules(std::vector<RuleDef>& rules);
void add_messaging_rules(std::vector<RuleDef>& rules);  // DynamoDB, SQS, SNS, KMS, SMG
void add_compute_rules(std::vector<RuleDef>& rules);    // Lambda, ECS, EKS, ECR, AutoScaling
void add_apigw_rules(std::vector<RuleDef>& rules);      // API Gateway, Cognito, AppSync
void add_cloudfront_elb_rules(std::vector<RuleDef>& rules);
void add_data_rules(
    std::vector<RuleDef>& rules);  // EFS, ElastiCache, Neptune, Redshift, DocDB, OpenSearch
void add_other_rules(std::vector<RuleDef>& rules);  // everything else

}  // namespace sluice::scan::aws
