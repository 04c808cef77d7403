#include "scan/secrets/secret_rule.h"

namespace sluice::scan::secrets {

Result<std::unique_ptr<RE2>> compile_pattern(const std::string& pattern) {
  bool ascii = true;
  for (unsigned char c : pattern) {
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  }
  RE2::Options options;
  options.set_log_errors(false);
  if (ascii) options.set_encoding(RE2::Options::EncodingLatin1);
  // Rules compiled from large configs each get a DFA budget; 8 MB (RE2's default) is
  // plenty for credential patterns and bounds memory for hostile configs.
  options.set_max_mem(8 << 20);
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) return Error{re->error(), {}};
  return re;
}

}  // namespace sluice::scan::secrets
