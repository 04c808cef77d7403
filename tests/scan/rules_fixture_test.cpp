// Table-driven rule tests: tests/scan/fixtures/rules/*.yaml hold cases
//   - rule: S1
//     expect: {LogicalId: Compliant | Non-Compliant | UNKNOWN | N/A | [granular finding IDs]}
//     template: {Resources: ...}
// Each case runs twice: from YAML (short-form tags) and from the same template written
// as JSON, so both loaders are covered. A coverage test requires, for every rule of the
// pack, at least one compliant and one non-compliant expectation.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "scan/aws_solutions/pack.h"
#include "scan/aws_solutions/rule.h"
#include "scan/cfn/template.h"
#include "scan/report.h"

namespace sluice::scan {
namespace {

namespace fs = std::filesystem;
using cfn::CfnNode;

struct Case {
  std::string file;
  int line = 0;
  std::string rule;
  const CfnNode* expect = nullptr;
  const CfnNode* tmpl = nullptr;
};

struct Fixtures {
  std::vector<std::shared_ptr<CfnNode>> docs;
  std::vector<Case> cases;
};

const Fixtures& fixtures() {
  static const Fixtures f = [] {
    Fixtures out;
    fs::path dir = fs::path(SLUICE_TEST_DATA) / "scan" / "fixtures" / "rules";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
      std::ifstream in(p);
      std::stringstream ss;
      ss << in.rdbuf();
      auto doc = cfn::parse_document(ss.str(), p.filename().string());
      if (!doc) {
        ADD_FAILURE() << doc.error().format();
        continue;
      }
      auto shared = std::make_shared<CfnNode>(std::move(*doc));
      out.docs.push_back(shared);
      for (const CfnNode& c : shared->items) {
        const CfnNode* rule = c.get("rule");
        out.cases.push_back({p.filename().string(), c.line, rule ? rule->text : "", c.get("expect"),
                             c.get("template")});
      }
    }
    return out;
  }();
  return f;
}

std::vector<Finding> run(const CfnNode& tmpl_node, const std::string& name) {
  Diagnostics d;
  auto t = cfn::build_template(std::make_shared<const CfnNode>(tmpl_node), name, d);
  if (!t) {
    ADD_FAILURE() << t.error().format();
    return {};
  }
  return aws::evaluate_template(*t, {});
}

std::string describe(const std::vector<const Finding*>& rows) {
  std::string s;
  for (const Finding* f : rows) {
    s += std::string(compliance_name(f->compliance)) +
         (f->finding_id.empty() ? "" : "[" + f->finding_id + "]") +
         (f->message.empty() ? "" : " (" + f->message + ")") + "; ";
  }
  return s.empty() ? "no rows (N/A)" : s;
}

void check(const Case& c, const std::vector<Finding>& findings, const std::string& variant) {
  std::string rule_id = "AwsSolutions-" + c.rule;
  for (size_t i = 0; i < c.expect->keys.size(); ++i) {
    const std::string& resource = c.expect->keys[i];
    const CfnNode& want = c.expect->items[i];
    std::vector<const Finding*> rows;
    for (const Finding& f : findings) {
      if (f.rule_id == rule_id && f.resource_id == resource) rows.push_back(&f);
    }
    std::string where = c.file + ":" + std::to_string(c.line) + " " + c.rule + " " + resource +
                        " (" + variant + ")";
    if (want.is_array() && want.items.empty()) {  // granular rule without findings
      ASSERT_EQ(rows.size(), 1u) << where << ": " << describe(rows);
      EXPECT_EQ(rows[0]->compliance, Compliance::kCompliant) << where << ": " << describe(rows);
      continue;
    }
    if (want.is_array()) {
      std::vector<std::string> got, expected;
      for (const Finding* f : rows) {
        EXPECT_EQ(f->compliance, Compliance::kNonCompliant) << where;
        got.push_back(f->finding_id);
      }
      for (const CfnNode& id : want.items) expected.push_back(id.text);
      EXPECT_EQ(got, expected) << where << ": " << describe(rows);
      continue;
    }
    if (want.text == "N/A") {
      EXPECT_TRUE(rows.empty()) << where << ": " << describe(rows);
      continue;
    }
    ASSERT_EQ(rows.size(), 1u) << where << ": " << describe(rows);
    EXPECT_EQ(compliance_name(rows[0]->compliance), want.text) << where << ": " << describe(rows);
  }
}

TEST(RuleFixtures, YamlTemplates) {
  ASSERT_FALSE(fixtures().cases.empty());
  for (const Case& c : fixtures().cases) {
    ASSERT_TRUE(c.expect && c.tmpl) << c.file << ":" << c.line << " needs expect and template";
    check(c, run(*c.tmpl, c.file), "yaml");
  }
}

TEST(RuleFixtures, SameTemplatesAsJson) {
  for (const Case& c : fixtures().cases) {
    auto json = cfn::parse_document(cfn::to_compact_json(*c.tmpl), c.file + ".json");
    ASSERT_TRUE(json.ok()) << json.error().format();
    check(c, run(*json, c.file + ".json"), "json");
  }
}

TEST(RuleFixtures, EveryRuleHasCompliantAndNonCompliantCases) {
  std::set<std::string> compliant, non_compliant;
  for (const Case& c : fixtures().cases) {
    for (const CfnNode& want : c.expect->items) {
      if (want.is_array() ? want.items.empty() : want.text == "Compliant") compliant.insert(c.rule);
      if (want.is_array() ? !want.items.empty() : want.text == "Non-Compliant")
        non_compliant.insert(c.rule);
    }
  }
  compliant.insert("VPC3");  // by design never compliant: any NACL is the finding
  std::string missing;
  for (const auto& rule : aws::all_rules()) {
    if (!compliant.count(rule.suffix)) missing += rule.suffix + "(compliant) ";
    if (!non_compliant.count(rule.suffix)) missing += rule.suffix + "(non-compliant) ";
  }
  EXPECT_EQ(missing, "");
}

TEST(RuleFixtures, RegistryHas131UniqueRules) {
  std::set<std::string> ids;
  int errors = 0, warnings = 0;
  for (const auto& rule : aws::all_rules()) {
    EXPECT_TRUE(ids.insert(rule.id()).second) << rule.id();
    EXPECT_FALSE(rule.description.empty()) << rule.id();
    EXPECT_FALSE(rule.remediation.empty()) << rule.id();
    EXPECT_FALSE(rule.types.empty()) << rule.id();
    (rule.level == Level::kError ? errors : warnings)++;
  }
  EXPECT_EQ(ids.size(), 131u);
  EXPECT_EQ(errors, 114);
  EXPECT_EQ(warnings, 17);
}

}  // namespace
}  // namespace sluice::scan

namespace sluice::scan {
namespace {

TEST(RuleDocs, ScanRulesMarkdownHasOneRowPerRule) {
  std::ifstream in(std::filesystem::path(SLUICE_TEST_DATA) / ".." / "docs" / "scan-rules.md");
  ASSERT_TRUE(in) << "docs/scan-rules.md is missing";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  for (const auto& rule : aws::all_rules()) {
    EXPECT_NE(doc.find("| " + rule.id() + " | " +
                       (rule.level == Level::kError ? "Error" : "Warning") + " |"),
              std::string::npos)
        << rule.id() << " has no row in docs/scan-rules.md (regenerate the table)";
  }
}

}  // namespace
}  // namespace sluice::scan
