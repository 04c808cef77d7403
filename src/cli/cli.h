// The `sluice` command line: parses arguments and dispatches to one subcommand.
#pragma once

namespace sluice::cli {

// Exit codes shared by all subcommands.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // a run or a check failed
constexpr int kExitInvalid = 2;  // invalid input or usage
constexpr int kExitCancelled = 130;

int main(int argc, char** argv);

}  // namespace sluice::cli
