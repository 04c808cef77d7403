#include <gtest/gtest.h>

#include <sstream>

#include "scan/secrets/git_history.h"

namespace sluice::scan::secrets {
namespace {

std::vector<AddedLines> parse(const std::string& diff, size_t max_bytes = 1 << 20) {
  std::vector<AddedLines> out;
  DiffParser parser(max_bytes, [&](const AddedLines& added) { out.push_back(added); });
  std::istringstream in(diff);
  std::string line;
  while (std::getline(in, line)) parser.line(line);
  parser.finish();
  return out;
}

constexpr const char* kLog =
    "commit 1111111111111111111111111111111111111111\n"
    "\n"
    "diff --git a/app.py b/app.py\n"
    "index 123..456 100644\n"
    "--- a/app.py\n"
    "+++ b/app.py\n"
    "@@ -1,0 +2,2 @@ def main():\n"
    "+first added\n"
    "+++ looks like a header but is content\n"
    "@@ -10 +12 @@\n"
    "-old line\n"
    "+new line\n"
    "\\ No newline at end of file\n"
    "diff --git a/gone.txt b/gone.txt\n"
    "deleted file mode 100644\n"
    "--- a/gone.txt\n"
    "+++ /dev/null\n"
    "@@ -1 +0,0 @@\n"
    "-bye\n"
    "commit 2222222222222222222222222222222222222222\n"
    "\n"
    "diff --git \"a/sp ace\\303\\244.txt\" \"b/sp ace\\303\\244.txt\"\n"
    "--- /dev/null\n"
    "+++ \"b/sp ace\\303\\244.txt\"\n"
    "@@ -0,0 +1 @@\n"
    "+hello\n"
    "diff --git a/image.png b/image.png\n"
    "Binary files /dev/null and b/image.png differ\n";

TEST(DiffParser, CollectsAddedLinesPerCommitAndFile) {
  const auto fragments = parse(kLog);
  ASSERT_EQ(fragments.size(), 2u);
  EXPECT_EQ(fragments[0].commit, "1111111111111111111111111111111111111111");
  EXPECT_EQ(fragments[0].path, "app.py");
  EXPECT_EQ(fragments[0].text, "first added\n++ looks like a header but is content\nnew line\n");
  EXPECT_EQ(fragments[0].line_numbers, (std::vector<int>{2, 3, 12}));
  EXPECT_EQ(fragments[1].commit, "2222222222222222222222222222222222222222");
  EXPECT_EQ(fragments[1].path, "sp ace\xc3\xa4.txt");
  EXPECT_EQ(fragments[1].line_numbers, (std::vector<int>{1}));
}

TEST(DiffParser, MarksOversizedFragments) {
  const auto fragments = parse(kLog, 16);
  ASSERT_GE(fragments.size(), 1u);
  EXPECT_TRUE(fragments[0].truncated);
}

TEST(DiffParser, WorkingTreeDiffHasNoCommit) {
  const auto fragments = parse("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -3,0 +4 @@\n+added\n");
  ASSERT_EQ(fragments.size(), 1u);
  EXPECT_EQ(fragments[0].commit, "");
  EXPECT_EQ(fragments[0].line_numbers, std::vector<int>{4});
}

TEST(DiffParser, MalformedInputDoesNotCrash) {
  parse("@@ garbage\n+++\ncommit \ndiff --git\n@@ -x +y @@\n+a\n@@ -1,99999999999 +1,-5 @@\n+b\n");
  SUCCEED();
}

}  // namespace
}  // namespace sluice::scan::secrets
