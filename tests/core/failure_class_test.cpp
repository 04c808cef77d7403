// FailureClass: one spelling for the engine, the `retry:` syntax and the store.
#include "core/failure_class.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(FailureClass, ToStringAndParseAreInverses) {
  for (FailureClass c :
       {FailureClass::kNone, FailureClass::kExitCode, FailureClass::kSignal, FailureClass::kTimeout,
        FailureClass::kCancelled, FailureClass::kStartError, FailureClass::kFileCommand}) {
    EXPECT_EQ(parse_failure_class(to_string(c)), c) << to_string(c);
  }
}

TEST(FailureClass, TheSpellingsTheStoreAndRetrySyntaxUse) {
  // Stored in attempts.failure_class by earlier versions: they must keep reading back.
  EXPECT_EQ(to_string(FailureClass::kExitCode), "exit-code");
  EXPECT_EQ(to_string(FailureClass::kStartError), "start-error");
  EXPECT_EQ(to_string(FailureClass::kNone), "");
  // `retry: {on: [timeout, signal]}`
  EXPECT_EQ(parse_failure_class("timeout"), FailureClass::kTimeout);
  EXPECT_EQ(parse_failure_class("signal"), FailureClass::kSignal);
  EXPECT_EQ(parse_failure_class("exit-codes"), std::nullopt);
  EXPECT_EQ(parse_failure_class("Timeout"), std::nullopt);
}

}  // namespace
}  // namespace sluice
