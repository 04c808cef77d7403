#include "exec/workflow_commands.h"

#include <re2/re2.h>
#include <strings.h>

#include <charconv>

#include "core/secret_masker.h"

namespace sluice::exec {
namespace {

constexpr std::string_view kCommandKey = "::";
constexpr const char* kUnsecureCommandsChangelog =
    "https://github.blog/changelog/"
    "2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/";

std::string unescape(std::string_view text, bool property) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      std::string_view code = text.substr(i + 1, 2);
      char replacement = 0;
      if (code == "25")
        replacement = '%';
      else if (code == "0D")
        replacement = '\r';
      else if (code == "0A")
        replacement = '\n';
      else if (property && code == "3A")
        replacement = ':';
      else if (property && code == "2C")
        replacement = ',';
      if (replacement != 0) {
        out.push_back(replacement);
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

int to_int(const std::string* text) {
  if (text == nullptr) return 0;
  int value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  return ec == std::errc() ? value : 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const char* level_label(engine::AnnotationLevel level) {
  switch (level) {
    case engine::AnnotationLevel::kError:
      return "Error";
    case engine::AnnotationLevel::kWarning:
      return "Warning";
    case engine::AnnotationLevel::kNotice:
      return "Notice";
  }
  return "Notice";
}

}  // namespace

std::string unescape_command_data(std::string_view text) {
  return unescape(text, false);
}
std::string unescape_command_property(std::string_view text) {
  return unescape(text, true);
}

const std::string* WorkflowCommand::property(std::string_view key) const {
  for (const auto& [k, v] : properties) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool parse_workflow_command(std::string_view line, WorkflowCommand& out) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.substr(0, kCommandKey.size()) != kCommandKey) return false;
  size_t end = line.find(kCommandKey, kCommandKey.size());
  if (end == std::string_view::npos) return false;
  std::string_view info = line.substr(kCommandKey.size(), end - kCommandKey.size());
  size_t space = info.find(' ');
  std::string_view name = space == std::string_view::npos ? info : info.substr(0, space);
  if (name.empty()) return false;
  out.name.assign(name);
  out.properties.clear();
  if (space != std::string_view::npos) {
    std::string_view props = trim(info.substr(space + 1));
    while (!props.empty()) {
      size_t comma = props.find(',');
      std::string_view pair = props.substr(0, comma);
      props = comma == std::string_view::npos ? std::string_view() : props.substr(comma + 1);
      size_t eq = pair.find('=');
      // GitHub drops pairs without '=' or with an empty key or value.
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == pair.size()) continue;
      out.properties.emplace_back(std::string(pair.substr(0, eq)),
                                  unescape_command_property(pair.substr(eq + 1)));
    }
  }
  out.data = unescape_command_data(line.substr(end + kCommandKey.size()));
  return true;
}

WorkflowCommandProcessor::WorkflowCommandProcessor(std::shared_ptr<SecretMasker> masker,
                                                   std::shared_ptr<engine::LogWriter> log,
                                                   const re2::RE2* log_pattern, bool debug,
                                                   bool allow_unsecure_commands)
    : masker_(std::move(masker)),
      log_(std::move(log)),
      log_pattern_(log_pattern),
      debug_(debug),
      allow_unsecure_commands_(allow_unsecure_commands) {
  if (masker_) {
    mask_view_.emplace(masker_->view());
    fragments_.emplace(masker_->stream());
  }
}

void WorkflowCommandProcessor::log(std::string_view line) {
  if (!log_) return;
  if (mask_view_) line = mask_view_->mask(line, scratch_);
  log_->append_line(line);
}

void WorkflowCommandProcessor::match_pattern(std::string_view line) {
  if (log_pattern_ != nullptr && !log_pattern_matched_ &&
      re2::RE2::PartialMatch(line, *log_pattern_)) {
    log_pattern_matched_ = true;
  }
}

void WorkflowCommandProcessor::warn(std::string message) {
  log("Warning: " + message);
  warnings_.push_back(std::move(message));
}

void WorkflowCommandProcessor::process_fragment(std::string_view fragment) {
  match_pattern(fragment);
  if (!fragments_) {
    if (log_) log_->append_line(fragment);
    return;
  }
  std::string_view masked = fragments_->push(fragment);
  if (log_ && !masked.empty()) log_->append_line(masked);
}

void WorkflowCommandProcessor::end_fragments(std::string_view last) {
  if (!last.empty()) process_fragment(last);
  if (!fragments_) return;
  std::string_view masked = fragments_->finish();
  if (log_ && !masked.empty()) log_->append_line(masked);
}

void WorkflowCommandProcessor::process_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  match_pattern(line);
  // Cheap pre-check: a command starts with "::" after optional blanks.
  size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line.substr(first, 2) != kCommandKey) {
    log(line);
    return;
  }
  WorkflowCommand command;
  if (!parse_workflow_command(line, command)) {
    log(line);
    return;
  }
  if (!stop_token_.empty()) {
    if (command.name == stop_token_) {
      stop_token_.clear();
      if (echo_) log(line);
    } else {
      log(line);
    }
    return;
  }
  // With ::echo::on a command line is logged before it runs, as the GitHub runner does;
  // never add-mask (the runner omits its echo too: it would show the value's length).
  bool echoed = echo_ && command.name != "add-mask";
  if (echoed) log(line);
  if (!handle(command, line) && !echoed) log(line);
}

// Returns false for names that are not workflow commands: those lines are plain output.
bool WorkflowCommandProcessor::handle(const WorkflowCommand& command, std::string_view raw) {
  const std::string& name = command.name;
  if (name == "add-mask") {
    if (masker_ && !command.data.empty() && !masker_->add(command.data)) {
      warn("too many masked values in this run; an ::add-mask:: value was not registered");
    }
  } else if (name == "group") {
    group_title_ = command.data;
    log("\xE2\x96\xB8 " + command.data);  // "▸ title"
  } else if (name == "endgroup") {
    log("\xE2\x97\x82 " + group_title_);  // "◂ title"
    group_title_.clear();
  } else if (name == "error") {
    annotate(engine::AnnotationLevel::kError, command);
  } else if (name == "warning") {
    annotate(engine::AnnotationLevel::kWarning, command);
  } else if (name == "notice") {
    annotate(engine::AnnotationLevel::kNotice, command);
  } else if (name == "debug") {
    if (debug_) log("Debug: " + command.data);
  } else if (name == "set-output") {
    store_value(outputs_, output_bytes_, command, "set-output");
  } else if (name == "save-state") {
    store_value(state_, state_bytes_, command, "save-state");
  } else if (name == "stop-commands") {
    if (command.data.empty()) {
      warn("::stop-commands:: needs a token, e.g. ::stop-commands::$(uuidgen)");
    } else {
      stop_token_ = command.data;
    }
  } else if (name == "echo") {
    if (strcasecmp(command.data.c_str(), "on") == 0) {
      echo_ = true;
    } else if (strcasecmp(command.data.c_str(), "off") == 0) {
      echo_ = false;
    } else {
      warn("::echo:: takes 'on' or 'off', got '" + command.data + "'");
    }
  } else if (name == "set-env" || name == "add-path") {
    unsecure_command(command, raw);
  } else if (name == "add-matcher" || name == "remove-matcher") {
    if (debug_) log("Debug: problem matchers are not supported; ignored: " + std::string(raw));
  } else {
    return false;
  }
  return true;
}

// ::set-env:: and ::add-path:: let any text a step prints (a test's output, a fetched
// file) change the environment of the steps after it (CVE-2020-15228), so GitHub refuses
// them unless ACTIONS_ALLOW_UNSECURE_COMMANDS is true. The messages are GitHub's: the
// refusal (which fails the step, as the runner's CommandResult does) and, when allowed, the
// deprecation warning the runner gave while both worked.
void WorkflowCommandProcessor::unsecure_command(const WorkflowCommand& command,
                                                std::string_view raw) {
  const std::string& name = command.name;
  bool set_env = name == "set-env";
  const std::string* env_name = command.property("name");
  std::string problem;
  if (!allow_unsecure_commands_) {
    problem = "The `" + name +
              "` command is disabled. Please upgrade to using Environment Files or opt into "
              "unsecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS` "
              "environment variable to `true`. For more information see: " +
              kUnsecureCommandsChangelog;
  } else if (set_env && (env_name == nullptr || env_name->empty())) {
    problem = "Required field 'name' is missing in ##[set-env] command.";
  } else if (!set_env && command.data.empty()) {
    problem = "Required field 'path' is missing in ##[add-path] command.";
  }
  if (!problem.empty()) {
    issue(engine::AnnotationLevel::kError,
          "Unable to process command '" + std::string(raw) + "' successfully.");
    issue(engine::AnnotationLevel::kError, problem);
    if (command_error_.empty())
      command_error_ = allow_unsecure_commands_ ? "the `" + name + "` command is malformed"
                                                : "the `" + name +
                                                      "` command is disabled "
                                                      "(ACTIONS_ALLOW_UNSECURE_COMMANDS is "
                                                      "not true)";
    return;
  }
  issue(engine::AnnotationLevel::kWarning,
        "The `" + name +
            "` command is deprecated and will be disabled soon. Please upgrade to using "
            "Environment Files. For more information see: " +
            kUnsecureCommandsChangelog);
  if (set_env && strcasecmp(env_name->c_str(), "NODE_OPTIONS") == 0) {
    issue(engine::AnnotationLevel::kError,
          "Can't update NODE_OPTIONS environment variable using ::set-env:: command.");
    return;
  }
  env_bytes_ += (set_env ? env_name->size() : 0) + command.data.size();
  if (env_bytes_ > kMaxValueBytes) {
    warn("::" + name + ":: values exceed 1 MiB in this step; the rest are dropped");
    return;
  }
  if (set_env) {
    env_.emplace_back(*env_name, command.data);
  } else {
    path_.push_back(command.data);
  }
}

// An annotation the runner itself raises about a command.
void WorkflowCommandProcessor::issue(engine::AnnotationLevel level, std::string message) {
  WorkflowCommand command;
  command.data = std::move(message);
  annotate(level, command);
}

void WorkflowCommandProcessor::annotate(engine::AnnotationLevel level,
                                        const WorkflowCommand& command) {
  auto mask = [this](const std::string& s) { return masker_ ? masker_->mask(s) : s; };
  engine::Annotation a;
  a.level = level;
  a.message = mask(command.data);
  if (const std::string* v = command.property("title")) a.title = mask(*v);
  if (const std::string* v = command.property("file")) a.file = mask(*v);
  a.line = to_int(command.property("line"));
  a.end_line = to_int(command.property("endLine"));
  a.column = to_int(command.property("col"));
  a.end_column = to_int(command.property("endColumn"));

  // Log form: "Error: file:line:col: title: message", one log line per message line.
  std::string prefix = std::string(level_label(level)) + ": ";
  if (!a.file.empty()) {
    prefix += a.file;
    if (a.line > 0) prefix += ":" + std::to_string(a.line);
    if (a.line > 0 && a.column > 0) prefix += ":" + std::to_string(a.column);
    prefix += ": ";
  }
  if (!a.title.empty()) prefix += a.title + ": ";
  std::string_view message = a.message;
  size_t start = 0;
  do {
    size_t nl = message.find('\n', start);
    std::string_view part = message.substr(start, nl == std::string_view::npos ? nl : nl - start);
    if (!part.empty() && part.back() == '\r') part.remove_suffix(1);
    log(start == 0 ? prefix + std::string(part) : "  " + std::string(part));
    start = nl == std::string_view::npos ? message.size() + 1 : nl + 1;
  } while (start <= message.size());

  size_t slot = static_cast<size_t>(level);
  size_t count = 0;
  for (const auto& existing : annotations_) count += existing.level == level;
  if (count >= kMaxAnnotationsPerLevel) {
    if (dropped_annotations_[slot]++ == 0) {
      warn(std::string("more than ") + std::to_string(kMaxAnnotationsPerLevel) + " " +
           engine::to_string(level) + " annotations in this step; the rest are only logged");
    }
    return;
  }
  annotations_.push_back(std::move(a));
}

void WorkflowCommandProcessor::store_value(std::vector<std::pair<std::string, std::string>>& into,
                                           size_t& bytes, const WorkflowCommand& command,
                                           const char* what) {
  const std::string* name = command.property("name");
  if (name == nullptr || name->empty()) {
    warn(std::string("::") + what + ":: needs a name, e.g. ::" + what + " name=key::value");
    return;
  }
  bytes += name->size() + command.data.size();
  if (bytes > kMaxValueBytes) {
    warn(std::string("::") + what + ":: values exceed 1 MiB in this step; '" + *name + "' dropped");
    return;
  }
  into.emplace_back(*name, command.data);
}

}  // namespace sluice::exec
