// Tokenizer for the expression language. Token rules follow GitHub's lexer: a token ends at
// whitespace or one of ( ) [ ] , . ! < > = & |; identifiers are [A-Za-z_][A-Za-z0-9_-]*;
// a '.' starts a number unless it follows an identifier, ')', ']' or '*'.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sluice::expr {

enum class TokenKind {
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kComma,
  kDot,
  kStar,
  kNot,
  kNotEqual,
  kEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kAnd,
  kOr,
  kNumber,
  kString,
  kIdentifier,
  kTrue,
  kFalse,
  kNull,
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // as written (view into the lexed text)
  int column = 0;         // 1-based
  double number = 0;      // kNumber
  std::string string;     // kString, with '' unescaped
};

// Splits `text` into tokens ending with a kEnd token. Errors carry the column.
Result<std::vector<Token>> tokenize(std::string_view text);

// "')'" or "end of expression": how an error message names a token.
std::string describe(const Token& token);

}  // namespace sluice::expr
