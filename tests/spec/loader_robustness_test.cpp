// Hostile input: deterministic mutations of the validate fixtures through the loader and
// validator. The libFuzzer target explores further; this runs in every (sanitizer) build.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "spec/validator.h"
#include "spec/workflow_loader.h"

namespace sluice::spec {
namespace {

std::vector<std::string> fixture_texts() {
  std::vector<std::string> out;
  std::filesystem::path root =
      std::filesystem::path(SLUICE_TEST_DATA) / "integration/fixtures/validate";
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".yml" && e.path().extension() != ".yaml") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(ss.str());
  }
  return out;
}

void load_and_validate(const std::string& text) {
  Diagnostics d;
  auto wf = load_workflow_text(text, "m.yml", d);
  if (wf) validate_workflow(*wf, ValidateOptions{}, d);
  for (const auto& item : d.items()) ASSERT_FALSE(item.message.empty());
}

TEST(LoaderRobustness, MutatedFixturesOnlyProduceDiagnostics) {
  auto texts = fixture_texts();
  ASSERT_GE(texts.size(), 15u);
  std::mt19937 rng(12345);
  const std::string alphabet = "{}[]:-,'\"&*!|>#\n ${}()=.abc0129";
  for (int i = 0; i < 3000; ++i) {
    std::string t = texts[rng() % texts.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !t.empty(); ++e) {
      size_t at = rng() % t.size();
      switch (rng() % 3) {
        case 0:
          t[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          t.erase(at, 1 + rng() % 8);
          break;
        default:
          t.insert(at, std::string(1, alphabet[rng() % alphabet.size()]));
          break;
      }
    }
    load_and_validate(t);
  }
}

TEST(LoaderRobustness, PathologicalShapes) {
  load_and_validate(std::string(50000, '-'));
  load_and_validate(std::string(50000, '{'));
  load_and_validate("on: push\njobs:\n" + std::string(20000, ' ') + "a: 1\n");
  load_and_validate("on: push\njobs: {a: {runs-on: x, steps: [{run: '" + std::string(100000, '$') +
                    "{{'}]}}\n");
  std::string many = "on: push\njobs:\n";
  for (int i = 0; i < 256; ++i)
    many += "  j" + std::to_string(i) + ": {runs-on: x, needs: j" + std::to_string((i + 1) % 256) +
            ", steps: [{run: a}]}\n";
  Diagnostics d;
  auto wf = load_workflow_text(many, "m.yml", d);
  ASSERT_TRUE(wf) << d.format();
  validate_workflow(*wf, ValidateOptions{}, d);
  EXPECT_EQ(d.error_count(), 1u);  // one cycle through all 256 jobs (the most a file may have)
}

}  // namespace
}  // namespace sluice::spec
