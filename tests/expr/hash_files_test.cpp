// hashFiles(): globbing in a temporary workspace and GitHub's digest-of-digests.
// Expected digests were computed independently:
//   sha256(concat(sha256(file) for each matched file in walk order)).hexdigest()
#include "expr/hash_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "expr/expression.h"
#include "expr_test_util.h"

namespace sluice::expr {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLockOnly =
    "558f08ab17103e4aa60b92475675ae7a1eb9e3d1c0c5d7941649ae6b58583991";
constexpr const char* kSrcJs =
    "2143e8af34b7d34c7a3f068fa648c9b1004791bdf7725aa24c7437f5ae8cb79f";  // a, c
constexpr const char* kJsWithoutNodeModules =
    "c082f4adce4f93297b6d4d72557acd640e5d73fcf7d222fb78eda1dee39ea606";  // d, a, c
constexpr const char* kSrcDir =
    "90c87aee0ef226d25ce1607d8e265918b4462436bc9367610c539414e97e2720";  // a, b, c
constexpr const char* kHiddenAndSub =
    "663234d46e106231b5b8553e40b0df29816644434a6d0d861992d277806d9005";  // d, c

class HashFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("sluice-hashfiles-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    write("package-lock.json", "lock\n");
    write("src/a.js", "a\n");
    write("src/b.ts", "b\n");
    write("src/sub/c.js", "c\n");
    write(".hidden/d.js", "d\n");
    write("node_modules/x/e.js", "e\n");
    ctx_.workspace = root_.string();
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& relative, const std::string& content) {
    fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

  std::string hash(const std::string& args) {
    Value v = testing::eval("hashFiles(" + args + ")", ctx_);
    EXPECT_TRUE(v.is_string());
    return v.is_string() ? v.as_string() : "";
  }

  fs::path root_;
  EvalContext ctx_;
};

TEST_F(HashFilesTest, SingleFileAnywhere) {
  EXPECT_EQ(hash("'**/package-lock.json'"), kLockOnly);
  EXPECT_EQ(hash("'package-lock.json'"), kLockOnly);
  EXPECT_EQ(hash("'./package-lock.json'"), kLockOnly);
}

TEST_F(HashFilesTest, DoubleStarMatchesZeroOrMoreDirectories) {
  EXPECT_EQ(hash("'src/**/*.js'"), kSrcJs);
}

TEST_F(HashFilesTest, ExclusionsAndDotFiles) {
  // `*` matches dot files and directories (.hidden/d.js is included), `!` excludes.
  EXPECT_EQ(hash("'**/*.js', '!node_modules/**'"), kJsWithoutNodeModules);
  EXPECT_EQ(hash("'**/*.js', '!**/node_modules'"),
            kJsWithoutNodeModules);  // a directory excludes its contents
}

TEST_F(HashFilesTest, LaterPatternsWin) {
  EXPECT_EQ(hash("'**/*.js', '!src/**', '!node_modules', 'src/sub/**'"), kHiddenAndSub);
}

TEST_F(HashFilesTest, DirectoryPatternIncludesDescendants) {
  EXPECT_EQ(hash("'src'"), kSrcDir);
  EXPECT_EQ(hash("'src/'"), kSrcDir);
}

TEST_F(HashFilesTest, OrderFollowsTheTreeNotTheArguments) {
  EXPECT_EQ(hash("'src/sub/c.js', 'src/a.js'"), kSrcJs);
  EXPECT_EQ(hash("'src/a.js\nsrc/sub/c.js'"), kSrcJs);             // one pattern per line
  EXPECT_EQ(hash("'src/a.js', 'src/a.js', 'src/sub/*'"), kSrcJs);  // each file once
}

TEST_F(HashFilesTest, AbsolutePatternsInsideTheWorkspace) {
  EXPECT_EQ(hash("'" + root_.string() + "/package-lock.json'"), kLockOnly);
  EXPECT_EQ(hash("'/etc/passwd'"), "");  // outside the workspace: ignored
}

TEST_F(HashFilesTest, NothingMatchedGivesEmptyString) {
  EXPECT_EQ(hash("'**/*.rs'"), "");
  EXPECT_EQ(hash("'../**'"), "");
  EXPECT_EQ(hash("'!**'"), "");
  EXPECT_EQ(hash("'# just a comment'"), "");
}

TEST_F(HashFilesTest, CharacterClassesAndQuestionMark) {
  EXPECT_EQ(hash("'src/**/[ac].js'"), kSrcJs);
  EXPECT_EQ(hash("'src/**/?.js'"), kSrcJs);
  EXPECT_EQ(hash("'src/**/[!b].js'"), kSrcJs);
}

TEST_F(HashFilesTest, DirectorySymlinksAreNotFollowed) {
  std::error_code ec;
  fs::create_directory_symlink(root_ / "src", root_ / "link", ec);
  ASSERT_FALSE(ec) << ec.message();
  fs::create_directory_symlink(root_, root_ / "src" / "loop", ec);  // a cycle must not hang
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(hash("'**/*.js', '!node_modules', '!.hidden'"), kSrcJs);
}

TEST_F(HashFilesTest, ContentChangesTheHash) {
  std::string before = hash("'src/**'");
  write("src/b.ts", "changed\n");
  EXPECT_NE(hash("'src/**'"), before);
}

TEST(GlobMatch, Segments) {
  using P = std::vector<std::string>;
  EXPECT_TRUE(glob_match_path(P{"*.js"}, P{"a.js"}));
  EXPECT_FALSE(glob_match_path(P{"*.js"}, P{"d", "a.js"}));  // * stays within a segment
  EXPECT_TRUE(glob_match_path(P{"**", "*.js"}, P{"a.js"}));
  EXPECT_TRUE(glob_match_path(P{"**", "*.js"}, P{"x", "y", "a.js"}));
  EXPECT_TRUE(glob_match_path(P{"a", "**"}, P{"a"}));
  EXPECT_TRUE(glob_match_path(P{"**", "**", "b"}, P{"a", "b"}));
  EXPECT_TRUE(glob_match_path(P{"a*b*c"}, P{"aXbYbZc"}));
  EXPECT_FALSE(glob_match_path(P{"a*b*c"}, P{"aXbYbZ"}));
  EXPECT_TRUE(glob_match_path(P{"[a-c]x"}, P{"bx"}));
  EXPECT_FALSE(glob_match_path(P{"[a-c]x"}, P{"dx"}));
  EXPECT_TRUE(glob_match_path(P{"[^a-c]x"}, P{"dx"}));
  EXPECT_TRUE(glob_match_path(P{"\\*"}, P{"*"}));
  EXPECT_FALSE(glob_match_path(P{"\\*"}, P{"a"}));
  EXPECT_TRUE(glob_match_path(P{"[abc"}, P{"[abc"}));  // unclosed class is literal
}

TEST(GlobMatch, ManyDoubleStarsStayFast) {
  std::vector<std::string> pattern, path;
  for (int i = 0; i < 200; ++i) pattern.push_back("**");
  pattern.push_back("z");
  for (int i = 0; i < 200; ++i) path.push_back("a");
  EXPECT_FALSE(glob_match_path(pattern, path));
  std::string star_pattern(2000, '*');
  EXPECT_FALSE(glob_match_path({star_pattern + "b"}, {std::string(2000, 'a')}));
}

}  // namespace
}  // namespace sluice::expr
