// How a `run:` script or a node entry point becomes a command line, with GitHub's shells
// (docs/runner-protocol.md):
//
//   (none)  bash -e {0}                              (sh -e {0} when bash is missing)
//   bash    bash --noprofile --norc -eo pipefail {0}
//   sh      sh -e {0}
//   python  python3 {0}                              (python {0} when python3 is missing)
//   pwsh    pwsh -command ". '{0}'"                  (powershell: same, with powershell)
//   other   a template containing {0}, e.g. "perl {0}", split on whitespace
//
// Programs are looked up in the step's own PATH (so GITHUB_PATH additions count), and a
// missing one is an error naming it, not an exec failure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sluice::exec {

struct ShellCommand {
  std::string executable;         // absolute path of the program
  std::vector<std::string> args;  // argv[0..]; "{0}" already replaced by the script path
};

struct ShellSpec {
  std::string executable;                  // absolute path of the program
  std::string program;                     // argv[0], as named by the user/template
  std::vector<std::string> arg_templates;  // may contain "{0}"
  std::string extension;                   // of the script file: ".sh", ".py", ...
  std::string script_prefix;               // wrapped around the script (pwsh needs it)
  std::string script_suffix;

  ShellCommand command_for(const std::string& script_path) const;
};

// Splits `text` into words the way a POSIX shell would, without expansions: blanks
// separate words, '...' is literal, "..." keeps blanks and lets a backslash escape " and \,
// and a backslash outside quotes escapes the next character. So `perl -e 'print 1' {0}` or
// `"/opt/my tools/run" {0}` keep their words whole. An unterminated quote is an error.
Result<std::vector<std::string>> split_shell_words(std::string_view text);

// `path_env` is the step's PATH (empty: the PATH of this process).
Result<ShellSpec> resolve_shell(std::string_view shell, std::string_view path_env);

// The `node <script>` command of a JavaScript action.
Result<ShellCommand> resolve_node(const std::string& script_path, std::string_view path_env);

// First executable `name` in the ':'-separated `path_env`; a name containing '/' is taken
// as is. Returns "" when not found.
std::string find_executable(std::string_view name, std::string_view path_env);

}  // namespace sluice::exec
