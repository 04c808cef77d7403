#include "core/diagnostic.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Diagnostics, FormatsPositionSeverityAndHint) {
  Diagnostics d;
  d.error({"wf.yml", 3, 7}, "bad thing", "fix it");
  d.warning({"wf.yml", 0, 0}, "odd thing");
  EXPECT_EQ(d.format(),
            "wf.yml:3:7: error: bad thing\n  hint: fix it\nwf.yml: warning: odd thing\n");
  EXPECT_EQ(d.error_count(), 1u);
}

TEST(Diagnostics, MessagesNeverCarryRawControlBytes) {
  Diagnostics d;
  d.error({"f\x01.yml", 1, 2}, "unknown key 'a\x1b[2Jb'", "did you mean '\xff'?");
  EXPECT_EQ(d.items()[0].message, "unknown key 'a\\x1b[2Jb'");
  EXPECT_EQ(d.items()[0].hint, "did you mean '\\xff'?");
  Diagnostic raw{Severity::kError, {"f\x01.yml", 1, 2}, "bad \x07", ""};
  EXPECT_EQ(raw.format(), "f\\x01.yml:1:2: error: bad \\x07");
}

}  // namespace
}  // namespace sluice
