// core's hashing, MAC, randomness and hex: the primitives tokens, webhooks and locks rely on.
#include <gtest/gtest.h>

#include "core/encodings.h"
#include "core/hmac.h"
#include "core/json.h"
#include "core/random.h"
#include "core/sha256.h"

namespace sluice {
namespace {

TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(hex_encode(sha256_raw("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 chunked;
  chunked.update("a", 1);
  chunked.update(std::string_view("bc"));
  EXPECT_EQ(chunked.finish_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231 test cases 2 (short key) and 6 (key longer than the block: hashed first).
TEST(HmacSha256, MatchesRfc4231) {
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(131, '\xaa'),
                                   "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(ConstantTimeEqual, ComparesWholeValues) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(RandomBytes, GivesTheLengthAskedAndDiffers) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  std::string a = random_bytes(32), b = random_bytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(HexDecode, InvertsHexEncodeAndRefusesNonHex) {
  std::string bytes("\x00\x7f\x80\xff", 4);
  EXPECT_EQ(hex_decode(hex_encode(bytes)), bytes);
  EXPECT_EQ(hex_decode("ABcd"), std::string("\xab\xcd"));
  EXPECT_FALSE(hex_decode("abc").has_value());
  EXPECT_FALSE(hex_decode("zz").has_value());
}

TEST(JsonNestingDepth, CountsBracketsOutsideStrings) {
  EXPECT_EQ(json_nesting_depth("1"), 0);
  EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": []}]})"), 4);
  EXPECT_EQ(json_nesting_depth(R"(["[[[", "\"[["])"), 1);
  EXPECT_EQ(json_nesting_depth(std::string(100000, '[')), 100000);
}

}  // namespace
}  // namespace sluice
