// A git repository for tests (server/, triggers/) in a test's directory, with a fixed identity and
// no user or system git config: write files, commit, run git in it (or in a checkout of it).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/git_command.h"

namespace sluice::testing {

class TestRepository {
 public:
  // Creates `dir` and `git init`s it on branch main.
  explicit TestRepository(std::filesystem::path dir) : dir_(std::move(dir)) {
    ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    ::setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    std::filesystem::create_directories(dir_);
    git({"init", "-q", "-b", "main"});
  }

  const std::filesystem::path& path() const { return dir_; }

  // git's stdout without its trailing newlines; throws when git fails.
  std::string git(std::vector<std::string> args, const std::filesystem::path& where = {}) const {
    args.insert(args.begin(), {"-C", (where.empty() ? dir_ : where).string(), "-c", "user.name=T",
                               "-c", "user.email=t@example.com"});
    Result<GitOutput> out = run_git(args);
    if (!out.ok() || out->exit_code != 0)
      throw std::runtime_error("git failed: " + (out.ok() ? out->err : out.error().message));
    std::string text = out->out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }
  void write(const std::string& name, const std::string& text) const {
    std::filesystem::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }
  // Commits everything; returns the new commit.
  std::string commit(const std::string& message) const {
    git({"add", "-A"});
    git({"commit", "-q", "--allow-empty", "-m", message});
    return git({"rev-parse", "HEAD"});
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace sluice::testing
