// libFuzzer target for the CloudFormation loader and the aws-solutions rules: any byte
// string must parse or fail with an Error, and any parsed template must evaluate
// without crashing. Built with -DSLUICE_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/text.h"
#include "scan/aws_solutions/pack.h"
#include "scan/cfn/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::scan;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = cfn::parse_document(text, "fuzz");
  if (!doc) {
    // The message reaches the terminal through Error::format: escaped, never raw bytes.
    const std::string shown = doc.error().format();
    if (sluice::escape_for_display(shown) != shown) __builtin_trap();
    return 0;
  }
  if (!cfn::looks_like_cloudformation(*doc)) return 0;
  sluice::Diagnostics diagnostics;
  auto tmpl = cfn::build_template(std::make_shared<const cfn::CfnNode>(std::move(*doc)), "fuzz",
                                  diagnostics);
  if (!tmpl) return 0;
  (void)aws::evaluate_template(*tmpl, {});
  return 0;
}
