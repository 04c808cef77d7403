#include "core/secret_masker.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "core/secret_forms.h"

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

// The snapshots share the masker's key tables, which are allocated with the first value of
// their kind and only gain entries: short values after long ones, and the other way round.
TEST(SecretMasker, ValuesOfTheOtherKindAddedAfterASnapshotAreMasked) {
  SecretMasker m;
  SecretMasker::View view = m.view();
  std::string scratch;
  m.add("long-secret");
  EXPECT_EQ(view.mask("a long-secret ab", scratch), "a *** ab");
  m.add("ab");
  EXPECT_EQ(view.mask("a long-secret ab", scratch), "a *** ***");
  SecretMasker other;
  other.add("q");
  EXPECT_EQ(other.mask("q token-1234"), "*** token-1234");
  other.add("token-1234");
  EXPECT_EQ(other.mask("q token-1234 q"), "*** *** ***");
}

// The derived forms (docs/secrets.md). Each expectation is how a real tool prints the
// secret: base64(1), jq/toJSON, encodeURIComponent, ...
TEST(SecretForms, Base64WholeAndInnerParts) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(base64_encode("abc"), "YWJj");
  EXPECT_EQ(base64_encode("Password123!"), "UGFzc3dvcmQxMjMh");
  // base64("user:Password123!") = dXNlcjpQYXNzd29yZDEyMyE= : the secret starts at offset 2
  // of its 3-byte group (5 bytes of prefix); "p" and "E" mix in bits of ':' and padding.
  EXPECT_EQ(base64_inner("Password123!", 2), "QYXNzd29yZDEyMy");
  EXPECT_NE(base64_encode("user:Password123!").find(base64_inner("Password123!", 2)),
            std::string::npos);
  for (std::string prefix : {"", "u", "us", "use", "user", "user:"}) {
    for (std::string suffix : {"", "\n", "\n\n", ":x"}) {
      std::string encoded = base64_encode(prefix + "Password123!" + suffix);
      int offset = static_cast<int>(prefix.size() % 3);
      EXPECT_NE(encoded.find(base64_inner("Password123!", offset)), std::string::npos)
          << prefix << "|" << suffix << " -> " << encoded;
    }
  }
}

TEST(SecretForms, ShortSecretsGetNoInnerBase64) {
  // GitHub's rule: a trimmed base64 form shorter than 4 characters is not registered.
  EXPECT_EQ(base64_inner("ab", 0), "");  // 2 characters
  EXPECT_EQ(base64_inner("abc", 0), "YWJj");
  EXPECT_EQ(base64_inner("abc", 1), "");  // 3 characters: "WJj"
  EXPECT_EQ(base64_inner("abc", 2), "");
  EXPECT_EQ(base64_inner("abcd", 1).size(), 4u);
  EXPECT_EQ(base64_inner("abcd", 2).size(), 5u);
  // The whole encoding is still a form: `echo -n ab | base64` prints YWI=.
  std::vector<std::string> forms = derived_forms("ab");
  EXPECT_NE(std::find(forms.begin(), forms.end(), "YWI="), forms.end());
  EXPECT_EQ(forms.size(), 1u);
}

TEST(SecretForms, JsonUrlXmlAndQuotes) {
  EXPECT_EQ(json_string_escape("a\"b\\c\nd\te\x01\x1f/"), "a\\\"b\\\\c\\nd\\te\\u0001\\u001f/");
  EXPECT_EQ(uri_escape("a b/c!*'()~", true), "a%20b%2Fc!*'()~");
  EXPECT_EQ(uri_escape("a b/c!*'()~", false), "a%20b%2Fc%21%2A%27%28%29~");
  EXPECT_EQ(uri_escape("\xC3\xA9", true), "%C3%A9");
  EXPECT_EQ(xml_escape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
  std::vector<std::string> forms = derived_forms("\"quoted-secret\"");
  EXPECT_NE(std::find(forms.begin(), forms.end(), "quoted-secret"), forms.end());
  EXPECT_NE(std::find(forms.begin(), forms.end(), "\\\"quoted-secret\\\""), forms.end());
  EXPECT_EQ(std::find(forms.begin(), forms.end(), "\"quoted-secret\""),
            forms.end());  // the value itself
}

TEST(SecretMasker, MasksJsonEscapedForms) {
  SecretMasker m;
  m.add("pa\"ss\\wo\nrd\x07!");
  // toJSON(secrets.X) and toJSON(secrets): the value inside a JSON string.
  EXPECT_EQ(m.mask(R"({"X": "pa\"ss\\wo\nrd\u0007!"})"), R"({"X": "***"})");
}

TEST(SecretMasker, MasksBase64AtEveryAlignment) {
  SecretMasker m;
  m.add("Password123!");
  EXPECT_EQ(m.mask("UGFzc3dvcmQxMjMh"), "***");  // echo -n $S | base64
  // The secret after a prefix of 0, 1 and 2 bytes mod 3, and with a trailing newline
  // (echo $S | base64): only the characters that mix in other bytes stay.
  EXPECT_EQ(m.mask(base64_encode("Password123!\n")), "***Cg==");
  EXPECT_EQ(m.mask(base64_encode("x:Password123!")), "eDp***E=");
  EXPECT_EQ(m.mask(base64_encode("user:Password123!")), "dXNlcjp***E=");
  EXPECT_EQ(m.mask(base64_encode("ab:Password123!;")), "YWI6***Ow==");
  for (std::string prefix : {"", "a", "ab", "abc", "abcd"}) {
    std::string encoded = base64_encode(prefix + "Password123!" + "-tail");
    EXPECT_NE(m.mask(encoded).find("***"), std::string::npos) << encoded;
  }
}

TEST(SecretMasker, MasksUrlEncodedForms) {
  SecretMasker m;
  m.add("p@ss w0rd/!x");
  EXPECT_EQ(m.mask("https://h/?t=p%40ss%20w0rd%2F!x&a=1"),
            "https://h/?t=***&a=1");                     // encodeURIComponent
  EXPECT_EQ(m.mask("t=p%40ss%20w0rd%2F%21x"), "t=***");  // RFC 3986 (Uri.EscapeDataString)
}

TEST(SecretMaskerStream, SecretAcrossPiecesIsMasked) {
  SecretMasker m;
  m.add("s3cr3t-value");
  SecretMasker::Stream stream = m.stream();
  std::string out;
  // Cut at every point of the secret.
  std::string text = "prefix-s3cr3t-value-suffix";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    out = std::string(stream.push(text.substr(0, cut)));
    out += stream.push(text.substr(cut));
    out += stream.finish();
    EXPECT_EQ(out, "prefix-***-suffix") << cut;
  }
}

TEST(SecretMaskerStream, PiecesOfOneByteEach) {
  SecretMasker m;
  m.add("abcd");
  m.add("cdefgh");  // overlaps the end of abcd
  SecretMasker::Stream stream = m.stream();
  std::string text = "xxabcdefghyy abcd zz";
  std::string out;
  for (char c : text) out += stream.push(std::string_view(&c, 1));
  out += stream.finish();
  EXPECT_EQ(out, "xx***yy *** zz");
  EXPECT_EQ(out, m.mask(text));
}

TEST(SecretMaskerStream, HoldsBackOnlyTheLongestValueMinusOne) {
  SecretMasker m;
  SecretMasker::Stream stream = m.stream();
  EXPECT_EQ(stream.push("no secrets: all of it"), "no secrets: all of it");
  m.add("abcdef");
  size_t longest = 0;
  for (const std::string& f : derived_forms("abcdef")) longest = std::max(longest, f.size());
  longest = std::max<size_t>(longest, 6);
  std::string piece(100, 'x');
  EXPECT_EQ(stream.push(piece).size(), 100 - (longest - 1));
  EXPECT_EQ(stream.finish().size(), longest - 1);
}

TEST(SecretMasker, ManyRandomSecretsStillMaskExactly) {
  SecretMasker m;
  uint64_t state = 42;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
  std::vector<std::string> secrets;
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    for (int k = 0; k < 24; ++k) s.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[next() % 36]);
    secrets.push_back(s);
    m.add(s);
  }
  EXPECT_EQ(m.mask("a plain log line, nothing secret in it"),
            "a plain log line, nothing secret in it");
  EXPECT_EQ(m.mask("x " + secrets[1234] + " y " + base64_encode(secrets[7])), "x *** y ***");
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
