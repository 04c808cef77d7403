// Helpers shared by the spec tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/diagnostic.h"

namespace sluice::spec::testing {

// The diagnostic whose message contains `needle`, or nullptr.
inline const Diagnostic* find_diag(const Diagnostics& d, const std::string& needle) {
  for (const auto& item : d.items())
    if (item.message.find(needle) != std::string::npos) return &item;
  return nullptr;
}

}  // namespace sluice::spec::testing

// Asserts a diagnostic containing `needle` exists at line:col (0 = do not check).
#define EXPECT_DIAG(diags, needle, line_, col_)                                     \
  do {                                                                              \
    const auto* d_ = ::sluice::spec::testing::find_diag(diags, needle);             \
    ASSERT_NE(d_, nullptr) << "no diagnostic containing '" << (needle) << "' in:\n" \
                           << (diags).format();                                     \
    if ((line_) > 0) {                                                              \
      EXPECT_EQ(d_->pos.line, (line_)) << d_->format();                             \
    }                                                                               \
    if ((col_) > 0) {                                                               \
      EXPECT_EQ(d_->pos.column, (col_)) << d_->format();                            \
    }                                                                               \
  } while (0)

// Asserts the diagnostic containing `needle` has a hint containing `hint_`.
#define EXPECT_HINT(diags, needle, hint_)                                           \
  do {                                                                              \
    const auto* d_ = ::sluice::spec::testing::find_diag(diags, needle);             \
    ASSERT_NE(d_, nullptr) << "no diagnostic containing '" << (needle) << "' in:\n" \
                           << (diags).format();                                     \
    EXPECT_NE(d_->hint.find(hint_), std::string::npos) << d_->format();             \
  } while (0)
