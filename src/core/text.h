// Checks and escapes for text that came from a user's file: where it stops being valid
// UTF-8, where a byte offset is as line:column, and how to show any string in a message
// without letting control bytes act on the terminal.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Byte offset of the first byte that does not start a valid UTF-8 sequence (overlong
// forms, UTF-16 surrogates and code points above U+10FFFF are invalid), or npos.
size_t find_invalid_utf8(std::string_view text);

struct LineColumn {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};
// Where byte `offset` of `text` is. Costs O(offset): for error paths only.
LineColumn line_column_at(std::string_view text, size_t offset);

// `text` with control characters written as \n, \r, \t or \xNN, DEL as \x7f and each byte
// of an invalid UTF-8 sequence as \xNN; valid UTF-8 and every other character stay as
// they are. Applying it twice gives the same result as once.
std::string escape_for_display(std::string_view text);

// A short name for one byte when a message must say which byte is wrong:
// "NUL byte (\x00)", "control character \x1b", "byte \xff".
std::string describe_byte(unsigned char byte);

// `text` as one POSIX shell word: single-quoted, with each ' written as '\''.
std::string shell_quote(std::string_view text);

}  // namespace sluice
