// WorkflowCommandProcessor: turns the output lines of one step into log lines, masks,
// annotations, legacy outputs and state — the `::command::` half of the runner protocol
// (docs/runner-protocol.md). Pure: no processes, no files; the executor feeds it lines.
//
// Every line that reaches the LogWriter has passed through SecretMasker::mask(). The
// optional log pattern (RE2) is matched against the unmasked line, before any command is
// interpreted, so a retry rule can match text that is later masked or is itself a command.
//
// Threading: one processor per execution, used by one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/secret_masker.h"
#include "engine/log_writer.h"
#include "engine/run_model.h"

namespace re2 {
class RE2;
}

namespace sluice::exec {

// A parsed `::name k=v,k=v::data` line, properties and data already unescaped.
struct WorkflowCommand {
  std::string name;
  std::vector<std::pair<std::string, std::string>> properties;
  std::string data;

  const std::string* property(std::string_view key) const;
};

// Parses one line with GitHub's rules (ActionCommand.TryParseV2): leading whitespace is
// ignored, the line starts with "::", the name ends at the first space or "::",
// properties are comma-separated `k=v` pairs. Returns false for anything else.
bool parse_workflow_command(std::string_view line, WorkflowCommand& out);

// GitHub's escaping: data unescapes %25 %0D %0A; properties also %3A and %2C.
std::string unescape_command_data(std::string_view text);
std::string unescape_command_property(std::string_view text);

class WorkflowCommandProcessor {
 public:
  // Limits that keep a misbehaving step from growing the outcome without bound.
  static constexpr size_t kMaxAnnotationsPerLevel = 50;
  static constexpr size_t kMaxValueBytes = 1 << 20;  // per set-output/save-state total

  // `log_pattern` may be null. `debug` shows ::debug:: lines (ACTIONS_STEP_DEBUG).
  // `allow_unsecure_commands` (ACTIONS_ALLOW_UNSECURE_COMMANDS=true in the step's env)
  // turns ::set-env:: and ::add-path:: back on, each use with GitHub's deprecation
  // warning; without it they are refused with GitHub's error and fail the step.
  WorkflowCommandProcessor(std::shared_ptr<SecretMasker> masker,
                           std::shared_ptr<engine::LogWriter> log, const re2::RE2* log_pattern,
                           bool debug, bool allow_unsecure_commands = false);

  // One complete output line, without its newline (a trailing '\r' is dropped).
  void process_line(std::string_view line);
  // The pieces of an over-long line: logged as they come, never read as commands, and
  // masked as one text (SecretMasker::Stream), so a secret cut in two at a piece boundary
  // is still masked. end_fragments() takes the line's last piece (may be empty).
  void process_fragment(std::string_view fragment);
  void end_fragments(std::string_view last);

  bool log_pattern_matched() const { return log_pattern_matched_; }
  std::vector<engine::Annotation>& annotations() { return annotations_; }
  std::vector<std::pair<std::string, std::string>>& outputs() { return outputs_; }
  std::vector<std::pair<std::string, std::string>>& state() { return state_; }
  // ::set-env:: and ::add-path:: (only when allowed), in the order printed.
  std::vector<std::pair<std::string, std::string>>& env() { return env_; }
  std::vector<std::string>& path() { return path_; }
  // Why a command failed the step (a refused set-env/add-path); "" when none did. Names the
  // command, never its value.
  const std::string& command_error() const { return command_error_; }
  // Problems with commands worth telling the user (dropped annotations, ...); also logged.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  void log(std::string_view line);
  void match_pattern(std::string_view line);
  bool handle(const WorkflowCommand& command, std::string_view raw);
  void annotate(engine::AnnotationLevel level, const WorkflowCommand& command);
  void store_value(std::vector<std::pair<std::string, std::string>>& into, size_t& bytes,
                   const WorkflowCommand& command, const char* what);
  void warn(std::string message);
  void unsecure_command(const WorkflowCommand& command, std::string_view raw);
  void issue(engine::AnnotationLevel level, std::string message);

  std::shared_ptr<SecretMasker> masker_;
  std::optional<SecretMasker::View> mask_view_;    // the per-line fast path of masker_
  std::optional<SecretMasker::Stream> fragments_;  // masks the pieces of an over-long line
  std::shared_ptr<engine::LogWriter> log_;
  const re2::RE2* log_pattern_;
  bool debug_;
  bool allow_unsecure_commands_;
  bool echo_ = false;
  std::string stop_token_;  // non-empty: commands are off until "::<token>::"
  std::string group_title_;
  std::string scratch_;
  bool log_pattern_matched_ = false;
  size_t dropped_annotations_[3] = {0, 0, 0};
  size_t output_bytes_ = 0;
  size_t state_bytes_ = 0;
  size_t env_bytes_ = 0;  // set-env and add-path values together
  std::vector<engine::Annotation> annotations_;
  std::vector<std::pair<std::string, std::string>> outputs_;
  std::vector<std::pair<std::string, std::string>> state_;
  std::vector<std::pair<std::string, std::string>> env_;
  std::vector<std::string> path_;
  std::string command_error_;
  std::vector<std::string> warnings_;
};

}  // namespace sluice::exec
