// The origin remote: git config text read as git reads it, and the owner/repo a remote URL
// names. Pure: no repository, no git process (read_remote_url is covered by
// test_run_git_facts.sh against a repository made with git).
#include "triggers/git_remote.h"

#include <gtest/gtest.h>

namespace sluice::triggers {
namespace {

std::string value(std::string_view text, std::string_view section, std::string_view sub,
                  std::string_view key) {
  auto v = git_config_value(text, section, sub, key);
  if (!v.ok()) return "error: " + v.error().message;
  return v->has_value() ? **v : "<unset>";
}

TEST(GitConfigValue, FindsTheRemoteUrlAmongOtherSections) {
  std::string_view config = R"([core]
	repositoryformatversion = 0
	bare = false
[remote "upstream"]
	url = https://github.com/other/fork.git
[remote "origin"]
	url = git@github.com:octo/hello.git
	fetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
	remote = origin
)";
  EXPECT_EQ(value(config, "remote", "origin", "url"), "git@github.com:octo/hello.git");
  EXPECT_EQ(value(config, "remote", "upstream", "url"), "https://github.com/other/fork.git");
  EXPECT_EQ(value(config, "remote", "nope", "url"), "<unset>");
  EXPECT_EQ(value(config, "core", "", "bare"), "false");
}

TEST(GitConfigValue, NamesAreCaseInsensitiveExceptQuotedSubsections) {
  std::string_view config = "[Remote \"Origin\"]\n  URL = a\n[remote \"origin\"]\n  url = b\n";
  EXPECT_EQ(value(config, "remote", "Origin", "url"), "a");
  EXPECT_EQ(value(config, "remote", "origin", "url"), "b");
  // The old [section.subsection] form lowercases the subsection.
  EXPECT_EQ(value("[remote.Origin]\nurl = c\n", "remote", "origin", "url"), "c");
}

TEST(GitConfigValue, QuotesEscapesCommentsAndContinuations) {
  EXPECT_EQ(value("[a]\nk = \"x ; y\" # comment\n", "a", "", "k"), "x ; y");
  EXPECT_EQ(value("[a]\nk = x ; comment\n", "a", "", "k"), "x");
  // As `git config` reads them: the blank before the `\` and the one after both stay.
  EXPECT_EQ(value("[a]\nk = one \\\n two\n", "a", "", "k"), "one  two");
  EXPECT_EQ(value("[a]\nk = \\\n  lead\n", "a", "", "k"), "lead");
  EXPECT_EQ(value("[a]\nk = a\\tb\\\\c\\\"\n", "a", "", "k"), "a\tb\\c\"");
  EXPECT_EQ(value("[a]\r\nk = crlf\r\n", "a", "", "k"), "crlf");
  EXPECT_EQ(value("[a]\nflag\n", "a", "", "flag"), "true");
  EXPECT_EQ(value("[a \"sub \\\"q\\\"\"]\nk = v", "a", "sub \"q\"", "k"), "v");  // no final \n
  // The first of several values (a remote fetches from its first url).
  EXPECT_EQ(value("[a]\nk = 1\nk = 2\n", "a", "", "k"), "1");
}

TEST(GitConfigValue, MalformedLinesAreErrorsWithTheirLine) {
  EXPECT_EQ(value("[a]\nk = \"open\n", "a", "", "k"), "error: bad config line 2");
  EXPECT_EQ(value("[a\nk = v\n", "a", "", "k"), "error: bad config line 1");
  EXPECT_EQ(value("# c\nk = v\n", "a", "", "k"), "error: bad config line 2");
  EXPECT_EQ(value("[a]\n\nk = bad\\q\n", "a", "", "k"), "error: bad config line 3");
}

std::string slug(std::string_view url) {
  auto s = repository_from_remote_url(url);
  return s ? s->owner + "/" + s->name : "<none>";
}

TEST(RepositoryFromRemoteUrl, HostedUrlsInEveryForm) {
  EXPECT_EQ(slug("https://github.com/octo/hello.git"), "octo/hello");
  EXPECT_EQ(slug("https://github.com/octo/hello"), "octo/hello");
  EXPECT_EQ(slug("https://github.com/octo/hello/"), "octo/hello");
  EXPECT_EQ(slug("http://gitea.local:3000/team/tool.git"), "team/tool");
  EXPECT_EQ(slug("https://x-access-token:s3cret@github.com/octo/hello.git"), "octo/hello");
  EXPECT_EQ(slug("git@github.com:octo/hello.git"), "octo/hello");
  EXPECT_EQ(slug("github.com:octo/hello"), "octo/hello");
  EXPECT_EQ(slug("ssh://git@github.com/octo/hello.git"), "octo/hello");
  EXPECT_EQ(slug("ssh://git@host.example:2222/octo/hello.git"), "octo/hello");
  EXPECT_EQ(slug("git://git.example.org/octo/hello"), "octo/hello");
  EXPECT_EQ(slug("https://git.example.org/prefix/octo/hello.git"), "octo/hello");
  EXPECT_EQ(slug("  https://github.com/octo/hello.git\n"), "octo/hello");
}

TEST(RepositoryFromRemoteUrl, LocalPathsAndShortUrlsNameNoRepository) {
  EXPECT_EQ(slug("/srv/git/hello.git"), "<none>");
  EXPECT_EQ(slug("../hello"), "<none>");
  EXPECT_EQ(slug("./a:b/c"), "<none>");
  EXPECT_EQ(slug("file:///srv/git/octo/hello.git"), "<none>");
  EXPECT_EQ(slug("https://github.com/hello"), "<none>");
  EXPECT_EQ(slug("git@github.com:hello.git"), "<none>");
  EXPECT_EQ(slug(""), "<none>");
}

}  // namespace
}  // namespace sluice::triggers
