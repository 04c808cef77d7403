#include "exec/shell_command.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sluice::exec {
namespace {

namespace fs = std::filesystem;

// A directory of fake executables, used as the step's whole PATH.
class FakePath {
 public:
  explicit FakePath(std::initializer_list<const char*> programs) {
    dir_ = fs::path(::testing::TempDir()) /
           ("sluice_fake_path_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(dir_);
    for (const char* program : programs) {
      fs::path file = dir_ / program;
      std::ofstream(file) << "#!/bin/sh\n";
      ::chmod(file.c_str(), 0755);
    }
  }
  ~FakePath() { fs::remove_all(dir_); }
  std::string path() const { return dir_.string(); }
  std::string bin(const char* name) const { return (dir_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

std::vector<std::string> args_of(std::string_view shell, const FakePath& path) {
  Result<ShellSpec> spec = resolve_shell(shell, path.path());
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  if (!spec.ok()) return {};
  ShellCommand command = spec->command_for("/tmp/s.x");
  std::vector<std::string> out{command.executable};
  out.insert(out.end(), command.args.begin(), command.args.end());
  return out;
}

TEST(ResolveShell, DefaultIsBashDashE) {
  FakePath path{"bash", "sh"};
  EXPECT_EQ(args_of("", path),
            (std::vector<std::string>{path.bin("bash"), "bash", "-e", "/tmp/s.x"}));
  EXPECT_EQ(resolve_shell("", path.path())->extension, ".sh");
}

TEST(ResolveShell, DefaultFallsBackToSh) {
  FakePath path{"sh"};
  EXPECT_EQ(args_of("", path), (std::vector<std::string>{path.bin("sh"), "sh", "-e", "/tmp/s.x"}));
}

TEST(ResolveShell, ExplicitBashIsStrict) {
  FakePath path{"bash"};
  EXPECT_EQ(args_of("bash", path),
            (std::vector<std::string>{path.bin("bash"), "bash", "--noprofile", "--norc", "-eo",
                                      "pipefail", "/tmp/s.x"}));
}

TEST(ResolveShell, Sh) {
  FakePath path{"sh"};
  EXPECT_EQ(args_of("sh", path),
            (std::vector<std::string>{path.bin("sh"), "sh", "-e", "/tmp/s.x"}));
}

TEST(ResolveShell, PythonPrefersPython3) {
  FakePath both{"python3", "python"};
  EXPECT_EQ(args_of("python", both),
            (std::vector<std::string>{both.bin("python3"), "python3", "/tmp/s.x"}));
  EXPECT_EQ(resolve_shell("python", both.path())->extension, ".py");
  FakePath only_python{"python"};
  EXPECT_EQ(args_of("python", only_python),
            (std::vector<std::string>{only_python.bin("python"), "python", "/tmp/s.x"}));
}

TEST(ResolveShell, PwshWrapsScript) {
  FakePath path{"pwsh"};
  EXPECT_EQ(args_of("pwsh", path),
            (std::vector<std::string>{path.bin("pwsh"), "pwsh", "-command", ". '/tmp/s.x'"}));
  Result<ShellSpec> spec = resolve_shell("pwsh", path.path());
  EXPECT_EQ(spec->extension, ".ps1");
  EXPECT_NE(spec->script_prefix.find("$ErrorActionPreference = 'stop'"), std::string::npos);
  EXPECT_NE(spec->script_suffix.find("LASTEXITCODE"), std::string::npos);
}

TEST(ResolveShell, MissingShellsNameThemselves) {
  FakePath empty{};
  for (const char* shell : {"bash", "sh", "pwsh"}) {
    Result<ShellSpec> spec = resolve_shell(shell, empty.path());
    ASSERT_FALSE(spec.ok()) << shell;
    EXPECT_NE(spec.error().message.find(std::string("'") + shell + "' not found in PATH"),
              std::string::npos)
        << spec.error().message;
  }
  EXPECT_NE(resolve_shell("python", empty.path()).error().message.find("python3"),
            std::string::npos);
  EXPECT_NE(resolve_shell("", empty.path()).error().message.find("neither bash nor sh"),
            std::string::npos);
  EXPECT_NE(resolve_shell("cmd", empty.path()).error().message.find("Windows"), std::string::npos);
}

TEST(ResolveShell, CustomTemplate) {
  FakePath path{"perl"};
  EXPECT_EQ(args_of("perl  -w {0}  --x", path),
            (std::vector<std::string>{path.bin("perl"), "perl", "-w", "/tmp/s.x", "--x"}));
  // Quotes keep words whole, as a shell would (no expansions).
  EXPECT_EQ(args_of("perl -e 'do \"{0}\"'", path),
            (std::vector<std::string>{path.bin("perl"), "perl", "-e", "do \"/tmp/s.x\""}));
  EXPECT_EQ(
      args_of("perl \"-Mlib=a b\" x\\ y \"q\\\"\" {0}", path),
      (std::vector<std::string>{path.bin("perl"), "perl", "-Mlib=a b", "x y", "q\"", "/tmp/s.x"}));
}

TEST(ResolveShell, CustomTemplateErrors) {
  FakePath path{"perl"};
  Result<ShellSpec> no_placeholder = resolve_shell("perl -w", path.path());
  ASSERT_FALSE(no_placeholder.ok());
  EXPECT_NE(no_placeholder.error().message.find("{0}"), std::string::npos);
  Result<ShellSpec> missing = resolve_shell("ruby {0}", path.path());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("'ruby' not found"), std::string::npos);
  EXPECT_FALSE(resolve_shell("{0}", path.path()).ok());
  Result<ShellSpec> unterminated = resolve_shell("perl -e 'oops {0}", path.path());
  ASSERT_FALSE(unterminated.ok());
  EXPECT_NE(unterminated.error().message.find("unterminated '"), std::string::npos);
}

TEST(ResolveNode, FoundAndMissing) {
  FakePath with{"node"};
  Result<ShellCommand> node = resolve_node("/a/index.js", with.path());
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->executable, with.bin("node"));
  EXPECT_EQ(node->args, (std::vector<std::string>{"node", "/a/index.js"}));
  FakePath without{};
  Result<ShellCommand> missing = resolve_node("/a/index.js", without.path());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("'node' not found in PATH"), std::string::npos);
  EXPECT_NE(missing.error().message.find("/a/index.js"), std::string::npos);
}

TEST(FindExecutable, SearchesInOrderAndSkipsNonExecutables) {
  FakePath first{"tool"};
  FakePath second{"tool", "other"};
  std::string path_env = first.path() + ":" + second.path();
  EXPECT_EQ(find_executable("tool", path_env), first.bin("tool"));
  EXPECT_EQ(find_executable("other", path_env), second.bin("other"));
  EXPECT_EQ(find_executable("absent", path_env), "");
  ::chmod(first.bin("tool").c_str(), 0644);
  EXPECT_EQ(find_executable("tool", path_env), second.bin("tool"));
  EXPECT_EQ(find_executable(second.bin("other"), ""), second.bin("other"));
}

TEST(FindExecutable, CachedResultFollowsChanges) {
  FakePath first{};
  FakePath second{"tool"};
  std::string path_env = first.path() + ":" + second.path();
  EXPECT_EQ(find_executable("tool", path_env), second.bin("tool"));
  ::unlink(second.bin("tool").c_str());
  EXPECT_EQ(find_executable("tool", path_env), "");
  std::ofstream(first.bin("tool")) << "#!/bin/sh\n";
  ::chmod(first.bin("tool").c_str(), 0755);
  EXPECT_EQ(find_executable("tool", path_env), first.bin("tool"));
}

TEST(FindExecutable, RelativePathEntriesAreSearched) {
  FakePath dir{"tool"};
  std::string cwd = std::filesystem::current_path().string();
  std::filesystem::current_path(dir.path());
  EXPECT_EQ(find_executable("tool", "/nonexistent:."), "./tool");
  std::filesystem::current_path(cwd);
}

}  // namespace
}  // namespace sluice::exec
