// libFuzzer target for the secrets pack's parsers of untrusted input: the gitleaks TOML
// config, `git log -p` output, .gitignore files, and the detector over arbitrary bytes.
// Built only with -DSLUICE_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/secrets/builtin_rules.h"
#include "scan/secrets/detector.h"
#include "scan/secrets/git_history.h"
#include "scan/secrets/gitignore.h"
#include "scan/secrets/gitleaks_config.h"

using namespace sluice;
using namespace sluice::scan::secrets;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  Diagnostics diagnostics;
  RuleSet from_config = parse_gitleaks_config(text, "fuzz.toml", diagnostics);

  DiffParser parser(1 << 16, [](const AddedLines&) {});
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    parser.line(std::string_view(text).substr(start, end - start));
    start = end + 1;
  }
  parser.finish();

  GitignoreFile ignore("", text);
  ignore.match("a/b/c.txt", false);
  glob_match(text.substr(0, 64), "src/some/path.txt");

  static Detector detector(builtin_rule_set());
  std::vector<SecretMatch> matches;
  detector.detect(Fragment{"fuzz.env", text, "", nullptr}, matches);
  Detector configured(std::move(from_config));
  configured.detect(Fragment{"fuzz.txt", text, "", nullptr}, matches);
  return 0;
}
