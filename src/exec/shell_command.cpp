#include "exec/shell_command.h"

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>

namespace sluice::exec {
namespace {

Error missing(std::string_view program, std::string_view why) {
  return Error{"shell '" + std::string(program) + "' not found in PATH" + std::string(why), {}};
}

Result<ShellSpec> builtin(std::string program, std::vector<std::string> args, std::string extension,
                          std::string_view path_env) {
  ShellSpec spec;
  spec.executable = find_executable(program, path_env);
  if (spec.executable.empty()) return missing(program, "");
  spec.program = std::move(program);
  spec.arg_templates = std::move(args);
  spec.extension = std::move(extension);
  return spec;
}

}  // namespace

Result<std::vector<std::string>> split_shell_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\' && i + 1 < text.size()) {
      word.push_back(text[++i]);
    } else if (c == '\'' || c == '"') {
      size_t close = i + 1;
      for (; close < text.size() && text[close] != c; ++close) {
        if (c == '"' && text[close] == '\\' && close + 1 < text.size() &&
            (text[close + 1] == '"' || text[close + 1] == '\\')) {
          ++close;
        }
        word.push_back(text[close]);
      }
      if (close >= text.size()) {
        return Error{"'" + std::string(text) + "': unterminated " + (c == '"' ? "\"" : "'"), {}};
      }
      i = close;
    } else {
      word.push_back(c);
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

ShellCommand ShellSpec::command_for(const std::string& script_path) const {
  ShellCommand command;
  command.executable = executable;
  command.args.reserve(arg_templates.size() + 1);
  command.args.push_back(program);
  for (const std::string& arg : arg_templates) {
    std::string expanded = arg;
    for (size_t pos = expanded.find("{0}"); pos != std::string::npos;
         pos = expanded.find("{0}", pos + script_path.size())) {
      expanded.replace(pos, 3, script_path);
    }
    command.args.push_back(std::move(expanded));
  }
  return command;
}

namespace {

std::string search_path(std::string_view name, std::string_view path_env);

}  // namespace

// Every step resolves its shell; walking a long PATH costs a failed access() per entry.
// Results are cached per (PATH, name) and re-checked with one access() on use.
std::string find_executable(std::string_view name, std::string_view path_env) {
  if (name.empty()) return "";
  // Relative entries depend on the working directory, an empty PATH on this process's.
  bool cacheable = !path_env.empty() && path_env.front() == '/';
  for (size_t colon = path_env.find(':'); cacheable && colon != std::string_view::npos;
       colon = path_env.find(':', colon + 1)) {
    cacheable = path_env.substr(colon + 1, 1) == "/";
  }
  if (!cacheable || name.find('/') != std::string_view::npos) return search_path(name, path_env);
  static std::mutex mutex;
  static std::unordered_map<std::string, std::string> cache;
  std::string key = std::string(path_env) + '\0' + std::string(name);
  {
    std::lock_guard lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end() && ::access(it->second.c_str(), X_OK) == 0) return it->second;
  }
  std::string found = search_path(name, path_env);
  std::lock_guard lock(mutex);
  if (found.empty()) {
    cache.erase(key);
  } else {
    if (cache.size() > 1024) cache.clear();  // bounded: PATHs differ per job at most
    cache[key] = found;
  }
  return found;
}

namespace {

std::string search_path(std::string_view name, std::string_view path_env) {
  if (name.find('/') != std::string_view::npos) {
    std::string path(name);
    return ::access(path.c_str(), X_OK) == 0 ? path : "";
  }
  if (path_env.empty()) {
    const char* env = std::getenv("PATH");
    path_env = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t colon = path_env.find(':', start);
    if (colon == std::string_view::npos) colon = path_env.size();
    std::string_view dir = path_env.substr(start, colon - start);
    if (dir.empty()) dir = ".";
    std::string candidate = std::string(dir) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return "";
}

}  // namespace

Result<ShellSpec> resolve_shell(std::string_view shell, std::string_view path_env) {
  if (shell.empty()) {
    // GitHub runs `bash -e {0}` (not the stricter explicit-bash form) for an unspecified
    // shell, falling back to `sh -e {0}`.
    Result<ShellSpec> bash = builtin("bash", {"-e", "{0}"}, ".sh", path_env);
    if (bash.ok()) return bash;
    Result<ShellSpec> sh = builtin("sh", {"-e", "{0}"}, ".sh", path_env);
    if (sh.ok()) return sh;
    return Error{"no default shell: neither bash nor sh is in PATH", {}};
  }
  if (shell == "bash") {
    return builtin("bash", {"--noprofile", "--norc", "-eo", "pipefail", "{0}"}, ".sh", path_env);
  }
  if (shell == "sh") return builtin("sh", {"-e", "{0}"}, ".sh", path_env);
  if (shell == "python") {
    Result<ShellSpec> python3 = builtin("python3", {"{0}"}, ".py", path_env);
    if (python3.ok()) return python3;
    Result<ShellSpec> python = builtin("python", {"{0}"}, ".py", path_env);
    if (python.ok()) return python;
    return Error{"shell 'python' not found: neither python3 nor python is in PATH", {}};
  }
  if (shell == "pwsh" || shell == "powershell") {
    Result<ShellSpec> spec = builtin(std::string(shell), {"-command", ". '{0}'"}, ".ps1", path_env);
    if (!spec.ok()) {
      return missing(shell, "; install PowerShell (https://aka.ms/powershell) or use bash");
    }
    // As GitHub does: stop on the first error, and exit with the last native exit code.
    spec->script_prefix = "$ErrorActionPreference = 'stop'\n";
    spec->script_suffix =
        "\nif ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }\n";
    return spec;
  }
  if (shell == "cmd") return Error{"shell 'cmd' is only available on Windows", {}};

  if (shell.find("{0}") == std::string_view::npos) {
    return Error{"unknown shell '" + std::string(shell) +
                     "': use bash, sh, python or pwsh, or a command template containing {0} "
                     "(the script path), e.g. 'perl {0}'",
                 {}};
  }
  Result<std::vector<std::string>> split = split_shell_words(shell);
  if (!split.ok()) return Error{"custom shell " + split.error().message, {}};
  std::vector<std::string>& words = *split;
  if (words.empty() || words[0].find("{0}") != std::string::npos) {
    return Error{
        "custom shell '" + std::string(shell) + "' must start with a program, e.g. 'perl {0}'", {}};
  }
  ShellSpec spec;
  spec.executable = find_executable(words[0], path_env);
  if (spec.executable.empty()) {
    return Error{
        "custom shell '" + std::string(shell) + "': program '" + words[0] + "' not found in PATH",
        {}};
  }
  spec.program = words[0];
  spec.arg_templates.assign(words.begin() + 1, words.end());
  return spec;
}

Result<ShellCommand> resolve_node(const std::string& script_path, std::string_view path_env) {
  ShellCommand command;
  command.executable = find_executable("node", path_env);
  if (command.executable.empty()) {
    return Error{"'node' not found in PATH; it is needed to run the JavaScript action " +
                     script_path + " (install Node.js 20 or later)",
                 {}};
  }
  command.args = {"node", script_path};
  return command;
}

}  // namespace sluice::exec
