#include "actions/action_sources.h"

#include <gtest/gtest.h>

#include "actions/git_remote.h"

namespace sluice::actions {
namespace {

TEST(ActionSources, DefaultIsGithub) {
  auto sources = action_sources({}, nullptr);
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources, std::vector<std::string>{"https://github.com"});
  sources = action_sources({}, "   ");
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources, std::vector<std::string>{"https://github.com"});
}

TEST(ActionSources, EnvironmentIsSpaceSeparatedAndFlagsWin) {
  auto sources = action_sources({}, " git://127.0.0.1:9418/  file:///srv/mirror/ http://h/x ");
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources,
            (std::vector<std::string>{"git://127.0.0.1:9418", "file:///srv/mirror", "http://h/x"}));
  sources = action_sources({"https://gitea.example.test/", "https://github.com"}, "git://x/");
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources,
            (std::vector<std::string>{"https://gitea.example.test", "https://github.com"}));
}

TEST(ActionSources, RejectsOtherSchemes) {
  for (const char* bad : {"ssh://host/x", "github.com", "/srv/mirror", "git://", "-u"}) {
    auto sources = action_sources({bad}, nullptr);
    ASSERT_FALSE(sources.ok()) << bad;
    EXPECT_NE(sources.error().message.find("https://, http://, git:// or file://"),
              std::string::npos);
  }
}

TEST(ActionSources, RepositoryUrlsWithAndWithoutDotGit) {
  EXPECT_EQ(repository_urls("https://github.com", "actions", "cache"),
            (std::vector<std::string>{"https://github.com/actions/cache",
                                      "https://github.com/actions/cache.git"}));
  EXPECT_EQ(repository_urls("git://127.0.0.1:9418/base/", "o", "r"),
            (std::vector<std::string>{"git://127.0.0.1:9418/base/o/r",
                                      "git://127.0.0.1:9418/base/o/r.git"}));
}

TEST(ActionSources, SafeRefsAndNames) {
  for (const char* ok : {"v1", "v1.2.3", "main", "release/v2", "feature-x_y",
                         "0123456789abcdef0123456789abcdef01234567"})
    EXPECT_TRUE(is_safe_ref(ok)) << ok;
  for (const char* bad : {"", "-upload-pack=x", "--help", "a..b", "a b", "a~1", "a^", "a:b", "a*",
                          "a[", "a\\b", "/a", "a/", "a//b", "a@{1}", "x.lock", "a\n"})
    EXPECT_FALSE(is_safe_ref(bad)) << bad;
  EXPECT_TRUE(is_safe_repository_part("setup-node"));
  EXPECT_TRUE(is_safe_repository_part("my_org.io"));
  for (const char* bad : {"", "-x", ".git", "a/b", "a b", ".."})
    EXPECT_FALSE(is_safe_repository_part(bad)) << bad;
}

constexpr const char* kSha1 = "1111111111111111111111111111111111111111";
constexpr const char* kSha2 = "2222222222222222222222222222222222222222";
constexpr const char* kSha3 = "3333333333333333333333333333333333333333";

TEST(ParseLsRemote, PeeledAnnotatedTagWins) {
  std::string out = std::string(kSha1) + "\trefs/tags/v1\n" + kSha2 + "\trefs/tags/v1^{}\n";
  auto ref = parse_ls_remote(out, "v1");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->sha, kSha2);
  EXPECT_EQ(ref->name, "refs/tags/v1");
}

TEST(ParseLsRemote, TagBeforeBranchOfTheSameName) {
  std::string out = std::string(kSha3) + "\trefs/heads/v1\n" + kSha1 + "\trefs/tags/v1\n";
  auto ref = parse_ls_remote(out, "v1");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->sha, kSha1);
}

TEST(ParseLsRemote, BranchWithSlashAndNoMatch) {
  std::string out =
      std::string(kSha3) + "\trefs/heads/release/v2\n" + kSha1 + "\trefs/heads/other/release/v2\n";
  auto ref = parse_ls_remote(out, "release/v2");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->sha, kSha3);
  EXPECT_EQ(ref->name, "refs/heads/release/v2");
  EXPECT_FALSE(parse_ls_remote(out, "v2"));
  EXPECT_FALSE(parse_ls_remote("garbage\nno tab here\n", "v2"));
  EXPECT_FALSE(parse_ls_remote("", "main"));
}

TEST(SourceCredentials, FoundInTheAuthorityOnly) {
  EXPECT_EQ(url_credentials("https://bot:tok3n@git.example.com/org"), "bot:tok3n");
  EXPECT_EQ(url_credentials("https://tok3n@git.example.com"), "tok3n");
  EXPECT_EQ(url_credentials("https://git.example.com/a@b"), "");
  EXPECT_EQ(url_credentials("file:///srv/mirror"), "");
  EXPECT_EQ(url_credentials("not a url"), "");
}

TEST(SourceCredentials, HiddenWhereverTheyOccur) {
  std::string url = "https://bot:tok3n@git.example.com";
  EXPECT_EQ(hide_credentials("cannot reach https://bot:tok3n@git.example.com/o/r (bot:tok3n)", url),
            "cannot reach https://***@git.example.com/o/r (***)");
  EXPECT_EQ(hide_credentials("https://git.example.com/o/r", "https://git.example.com"),
            "https://git.example.com/o/r");
}

}  // namespace
}  // namespace sluice::actions
