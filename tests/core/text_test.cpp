#include "core/text.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(find_invalid_utf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("caf\xe9!"), 3u);          // Latin-1 é
  EXPECT_EQ(find_invalid_utf8("ab\xc3"), 2u);            // truncated sequence
  EXPECT_EQ(find_invalid_utf8("\xc0\xaf"), 0u);          // overlong '/'
  EXPECT_EQ(find_invalid_utf8("x\xe0\x80\xaf"), 1u);     // overlong, 3 bytes
  EXPECT_EQ(find_invalid_utf8("\xed\xa0\x80"), 0u);      // UTF-16 surrogate
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xff"), 0u);
}

TEST(LineColumn, CountsLinesAndBytes) {
  LineColumn at = line_column_at("ab\ncd\nef", 7);
  EXPECT_EQ(at.line, 3);
  EXPECT_EQ(at.column, 2);
  at = line_column_at("ab", 0);
  EXPECT_EQ(at.line, 1);
  EXPECT_EQ(at.column, 1);
}

TEST(EscapeForDisplay, EscapesControlBytesAndInvalidUtf8Only) {
  EXPECT_EQ(escape_for_display("key\x01name"), "key\\x01name");
  EXPECT_EQ(escape_for_display(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(escape_for_display("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(escape_for_display("caf\xe9"), "caf\\xe9");
  EXPECT_EQ(escape_for_display("tab\there\nnext\r"), "tab\\there\\nnext\\r");
  EXPECT_EQ(escape_for_display("del\x7f"), "del\\x7f");
  EXPECT_EQ(escape_for_display("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  std::string once = escape_for_display("a\x01\xff");
  EXPECT_EQ(escape_for_display(once), once);
}

TEST(DescribeByte, NamesTheByte) {
  EXPECT_EQ(describe_byte(0), "NUL byte (\\x00)");
  EXPECT_EQ(describe_byte(1), "control character \\x01");
  EXPECT_EQ(describe_byte(0xff), "byte \\xff");
}

}  // namespace
}  // namespace sluice
