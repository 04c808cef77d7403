// The `sluice` command line: parses arguments and dispatches to one subcommand.
#pragma once

namespace sluice::cli {

// Exit codes shared by all subcommands.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // a run or a check failed
constexpr int kExitInvalid = 2;  // invalid input or usage
// The run could not be recorded, or not completely (a full disk, an I/O error): the
// history lacks some of its results or log lines. It takes precedence over 1 and 130.
constexpr int kExitNotRecorded = 3;
constexpr int kExitCancelled = 130;

int main(int argc, char** argv);

}  // namespace sluice::cli
