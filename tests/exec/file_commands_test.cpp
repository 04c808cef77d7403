#include "exec/file_commands.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace sluice::exec {
namespace {

using KV = std::pair<std::string, std::string>;

TEST(KeyValueFile, SimpleAndEqualsInValue) {
  KeyValues out;
  EXPECT_EQ(parse_key_value_file("a=1\n\nb=x=y\nempty=\n", "$GITHUB_OUTPUT", out), "");
  EXPECT_EQ(out, (KeyValues{KV{"a", "1"}, KV{"b", "x=y"}, KV{"empty", ""}}));
}

TEST(KeyValueFile, Heredoc) {
  KeyValues out;
  std::string content = "json<<EOF\n{\n  \"a\": 1\n}\nEOF\nafter=1\nnone<<X\nX\n";
  EXPECT_EQ(parse_key_value_file(content, "$GITHUB_OUTPUT", out), "");
  EXPECT_EQ(out, (KeyValues{KV{"json", "{\n  \"a\": 1\n}"}, KV{"after", "1"}, KV{"none", ""}}));
}

TEST(KeyValueFile, HeredocWithCrLfAndLastLineWithoutNewline) {
  KeyValues out;
  EXPECT_EQ(parse_key_value_file("m<<END\r\nl1\r\nl2\r\nEND", "$GITHUB_ENV", out), "");
  EXPECT_EQ(out, (KeyValues{KV{"m", "l1\nl2"}}));
}

TEST(KeyValueFile, FirstOfEqualsOrHeredocDecides) {
  KeyValues out;
  EXPECT_EQ(parse_key_value_file("a=b<<c\n", "f", out), "");
  EXPECT_EQ(out, (KeyValues{KV{"a", "b<<c"}}));
}

TEST(KeyValueFile, MissingDelimiterKeepsEarlierEntries) {
  KeyValues out;
  std::string error = parse_key_value_file("ok=1\nbody<<EOF\nline\nEOFX\n", "$GITHUB_OUTPUT", out);
  EXPECT_EQ(error, "$GITHUB_OUTPUT line 2: matching delimiter 'EOF' not found for 'body'");
  EXPECT_EQ(out, (KeyValues{KV{"ok", "1"}}));
}

TEST(KeyValueFile, ErrorsNameTheLineNotTheValue) {
  KeyValues out;
  EXPECT_EQ(parse_key_value_file("=secretvalue\n", "$GITHUB_ENV", out),
            "$GITHUB_ENV line 1: a name is required before '='");
  EXPECT_EQ(parse_key_value_file("a=1\njust-a-secret\n", "$GITHUB_ENV", out),
            "$GITHUB_ENV line 2: invalid format: expected 'name=value' or 'name<<DELIMITER'");
  EXPECT_EQ(parse_key_value_file("x<<\n", "f", out),
            "f line 1: a delimiter is required after 'x<<'");
  EXPECT_EQ(parse_key_value_file("<<EOF\nEOF\n", "f", out),
            "f line 1: a name is required before '<<'");
}

TEST(PathFile, TrimsAndSkipsBlanks) {
  EXPECT_EQ(parse_path_file("/opt/a/bin\n\n  /opt/b  \r\n\t\n/c"),
            (std::vector<std::string>{"/opt/a/bin", "/opt/b", "/c"}));
}

TEST(ReadFileLimited, MissingIsEmptyAndLargeIsRejected) {
  std::string content = "stale";
  EXPECT_EQ(read_file_limited("/nonexistent/sluice/file", 10, "$X", content), "");
  EXPECT_EQ(content, "");
  std::string path = ::testing::TempDir() + "/sluice_read_limited";
  std::ofstream(path) << "0123456789abc";
  EXPECT_EQ(read_file_limited(path, 100, "$X", content), "");
  EXPECT_EQ(content, "0123456789abc");
  std::string error = read_file_limited(path, 10, "$X", content);
  EXPECT_NE(error.find("$X"), std::string::npos);
  EXPECT_EQ(content, "");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sluice::exec
