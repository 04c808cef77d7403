// What steps inherit from sluice's own environment.
#include "engine/step_environment.h"

#include <gtest/gtest.h>

namespace sluice::engine {
namespace {

// Regression (issue 9 §4): the user's login shell leaked into steps as SHELL.
TEST(InheritedEnvironment, DropsTheTerminalSessionKeepsTheMachine) {
  std::map<std::string, std::string> host = {
      {"SHELL", "/usr/bin/zsh"}, {"SHLVL", "2"},
      {"PWD", "/home/u/src"},    {"OLDPWD", "/home/u"},
      {"_", "/usr/bin/sluice"},  {"PATH", "/usr/bin:/bin"},
      {"HOME", "/home/u"},       {"LANG", "C.UTF-8"},
      {"TERM", "xterm"},         {"ACTIONS_ALLOW_UNSECURE_COMMANDS", "true"}};
  std::map<std::string, std::string> expected = {{"PATH", "/usr/bin:/bin"},
                                                 {"HOME", "/home/u"},
                                                 {"LANG", "C.UTF-8"},
                                                 {"TERM", "xterm"},
                                                 {"ACTIONS_ALLOW_UNSECURE_COMMANDS", "true"}};
  EXPECT_EQ(inherited_environment(host), expected);
}

}  // namespace
}  // namespace sluice::engine
