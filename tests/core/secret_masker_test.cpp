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

TEST(SecretMasker, ManySecretsUseThePrefilterCorrectly) {
  SecretMasker m;
  for (int i = 0; i < 100; ++i) m.add("secret-" + std::to_string(i) + "-value");
  m.add("Z");  // a one-byte secret
  EXPECT_EQ(m.mask("clean line without any"), "clean line without any");
  EXPECT_EQ(m.mask("a secret-42-value b secret-7-value"), "a *** b ***");
  EXPECT_EQ(m.mask("xZy"), "x***y");
  EXPECT_EQ(m.mask("secret-99-valu"), "secret-99-valu");
  std::string scratch;
  std::string_view clean = "nothing to see here";
  EXPECT_EQ(m.mask(clean, scratch).data(), clean.data());
}

TEST(SecretMasker, ViewSeesLaterAdditions) {
  SecretMasker m;
  SecretMasker::View view = m.view();
  std::string scratch;
  EXPECT_EQ(view.mask("abc", scratch), "abc");
  m.add("b");
  EXPECT_EQ(view.mask("abc", scratch), "a***c");
  m.add("abc");
  EXPECT_EQ(view.mask("abc", scratch), "***");
}

TEST(SecretMasker, RegistrationIsBounded) {
  SecretMasker m;
  for (size_t i = 0; i < SecretMasker::kMaxSecrets; ++i)
    ASSERT_TRUE(m.add("v" + std::to_string(i)));
  EXPECT_FALSE(m.add("one-too-many"));
  EXPECT_TRUE(m.add("v1"));  // already registered: nothing to add
  EXPECT_EQ(m.size(), SecretMasker::kMaxSecrets);
  EXPECT_EQ(m.mask("one-too-many"), "one-too-many");
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
