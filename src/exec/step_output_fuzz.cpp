// libFuzzer target: everything that parses what a step prints or writes — workflow
// command lines (through the full processor, with masking and a log pattern) and the
// GITHUB_OUTPUT/ENV/STATE and GITHUB_PATH file formats — plus custom `shell:` templates.
// Build: cmake -DSLUICE_FUZZ=ON with clang; run: build/fuzz/step_output_fuzz -max_total_time=60
#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/secret_masker.h"
#include "exec/file_commands.h"
#include "exec/shell_command.h"
#include "exec/workflow_commands.h"

namespace {

class NullLog : public sluice::engine::LogWriter {
 public:
  void append_line(std::string_view line) override { bytes_ += static_cast<int64_t>(line.size()); }
  void close() override {}
  int64_t lines() const override { return 0; }
  int64_t bytes() const override { return bytes_; }

 private:
  int64_t bytes_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  static const re2::RE2 pattern("err(or)?:\\s+\\w+");
  auto masker = std::make_shared<SecretMasker>();
  masker->add("s3cr3t");
  exec::WorkflowCommandProcessor processor(masker, std::make_shared<NullLog>(), &pattern, true);
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    processor.process_line(text.substr(start, nl - start));
    start = nl + 1;
  }
  processor.process_fragment(text);

  exec::KeyValues values;
  (void)exec::parse_key_value_file(text, "$GITHUB_OUTPUT", values);
  (void)exec::parse_path_file(text);
  // A PATH where no program is found: the template is only parsed.
  (void)exec::resolve_shell(std::string(text) + " {0}", "/nonexistent-sluice-fuzz");
  return 0;
}
