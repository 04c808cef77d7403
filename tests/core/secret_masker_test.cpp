#include "core/secret_masker.h"

#include <gtest/gtest.h>

#include <thread>

namespace sluice {
namespace {

TEST(SecretMasker, MasksEveryOccurrence) {
  SecretMasker m;
  EXPECT_TRUE(m.empty());
  m.add("abc");
  EXPECT_FALSE(m.empty());
  EXPECT_EQ(m.mask("abc xabcx abcabc"), "*** x***x ***");
  EXPECT_EQ(m.mask("nothing"), "nothing");
  EXPECT_EQ(m.mask(""), "");
}

TEST(SecretMasker, IgnoresEmptyAndDuplicates) {
  SecretMasker m;
  m.add("");
  EXPECT_TRUE(m.empty());
  m.add("x1");
  m.add("x1");
  EXPECT_EQ(m.size(), 1u);
}

TEST(SecretMasker, OverlappingSecretsMaskFully) {
  SecretMasker m;
  m.add("abcd");
  m.add("cdef");
  EXPECT_EQ(m.mask("xabcdefx"), "x***x");
  SecretMasker nested;
  nested.add("pass");
  nested.add("password123");
  EXPECT_EQ(nested.mask("password123 pass"), "*** ***");
}

TEST(SecretMasker, ReplacementIsNeverMaskedAgain) {
  SecretMasker m;
  m.add("**");
  m.add("token");
  EXPECT_EQ(m.mask("token"), "***");
  EXPECT_EQ(m.mask("a**b"), "a***b");
}

TEST(SecretMasker, MultiLineSecretsRegisterEachLine) {
  SecretMasker m;
  m.add("line-one\r\nline-two\n");
  EXPECT_EQ(m.mask("line-one\r\nline-two\n"), "***");
  EXPECT_EQ(m.mask("> line-two <"), "> *** <");
  EXPECT_EQ(m.mask("line-one"), "***");
}

TEST(SecretMasker, ScratchOverloadReturnsInputWhenClean) {
  SecretMasker m;
  std::string scratch;
  std::string_view text = "clean text";
  EXPECT_EQ(m.mask(text, scratch).data(), text.data());
  m.add("dirty");
  EXPECT_EQ(m.mask(text, scratch).data(), text.data());
  EXPECT_EQ(m.mask("so dirty", scratch), "so ***");
}

TEST(SecretMasker, ConcurrentAddAndMask) {
  SecretMasker m;
  m.add("base-secret");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 500; ++i) {
        m.add("s" + std::to_string(t) + "-" + std::to_string(i));
        EXPECT_EQ(m.mask("x base-secret x"), "x *** x");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(m.size(), 2001u);
  EXPECT_EQ(m.mask("s3-499"), "***");
}

}  // namespace
}  // namespace sluice
