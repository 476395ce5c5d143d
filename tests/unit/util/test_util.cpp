#include <gtest/gtest.h>

#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidetag/util/clock.hpp"
#include "sidetag/util/crypto.hpp"
#include "sidetag/util/json_read.hpp"
#include "sidetag/util/strings.hpp"

using namespace sidetag::util;

TEST(Crypto, Sha256KnownValues) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("john_smith@gmail.com"), "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f");
  EXPECT_EQ(sha256_hex("16505551212"), "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176");
}

TEST(Crypto, HmacRfc4231Case2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, RandomHexIsHexAndUnique) {
  auto a = random_hex(16), b = random_hex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_TRUE(is_hex(a));
  EXPECT_NE(a, b);
}

TEST(Crypto, RandomBytesAcrossPoolRefillsNeverRepeat) {
  // 16-byte draws straddle the per-thread 512-byte pool many times over (and a 1000-byte draw spans two refills):
  // a refill bug would repeat or zero bytes, which shows up as duplicate ids or zero blocks.
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto id = random_hex(16);
    ASSERT_EQ(id.size(), 32u);
    ASSERT_NE(id, std::string(32, '0'));
    ASSERT_TRUE(seen.insert(id).second) << "repeated id after " << i << " draws";
  }
  std::vector<unsigned char> big(1000, 0);
  random_bytes(big.data(), big.size());
  std::size_t zeros = 0;
  for (auto b : big) zeros += b == 0;
  EXPECT_LT(zeros, 40u);  // ~4 expected; 40 would mean a block was never filled
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(Crypto, Base64RoundTripAndRejects) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    std::string out;
    ASSERT_TRUE(base64_decode(base64_encode(s), out));
    EXPECT_EQ(out, s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  std::string out;
  EXPECT_FALSE(base64_decode("Zm9v!mFy", out));
  EXPECT_FALSE(base64_decode("Z", out));
  ASSERT_TRUE(base64url_decode("-_8", out));
  EXPECT_EQ(out, "\xfb\xff");
  EXPECT_FALSE(base64url_decode("+/8", out));
}

TEST(Strings, PercentDecode) {
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(percent_decode("100%", true), "100%");
  EXPECT_EQ(percent_decode("%zz%4", true), "%zz%4");
  EXPECT_EQ(percent_decode("%41%", true), "A%");
}

TEST(Strings, Utf8Validation) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("Zo\xc3\xab"));
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe2\x82"));          // truncated
}

TEST(Strings, TrimSplitLower) {
  EXPECT_EQ(trim("  a b \t\n"), "a b");
  EXPECT_EQ(ascii_lower("AbC\xc3\x89"), "abc\xc3\x89");
  auto parts = split("a..b", '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  EXPECT_TRUE(iequals("Bearer", "bEARER"));
}

TEST(Clock, Iso8601) { EXPECT_EQ(iso8601_utc_us(1'700'000'000'123'456), "2023-11-14T22:13:20.123456Z"); }

TEST(JsonRead, ChecksUtf8AndDepthBeforeParsing) {
  using sidetag::util::JsonReadError;
  using sidetag::util::read_json_limited;
  nlohmann::json out;
  std::string message;
  EXPECT_EQ(read_json_limited(R"({"a":[1,{"b":"\u00e9"}]})", 3, out, &message), JsonReadError::none);
  EXPECT_EQ(out["a"][1]["b"], "\xc3\xa9");
  EXPECT_EQ(read_json_limited("{\"a\":\"\xff\"}", 3, out), JsonReadError::invalid_utf8);
  EXPECT_EQ(read_json_limited("[[[[1]]]]", 3, out), JsonReadError::too_deep);
  EXPECT_EQ(read_json_limited("[[[1]]]", 3, out), JsonReadError::none);
  EXPECT_EQ(read_json_limited("{\"a\":", 3, out, &message), JsonReadError::invalid_json);
  EXPECT_EQ(message.rfind("parse error at line 1", 0), 0u) << message;  // nlohmann's prefix removed
  EXPECT_EQ(read_json_limited("", 3, out), JsonReadError::invalid_json);
}
