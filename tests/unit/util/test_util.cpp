#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>
#include <string_view>
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

namespace {
// Byte-at-a-time definitions the word-at-a-time fast paths must agree with.
// Unicode's Table 3-7 (well-formed UTF-8 byte sequences): an independent statement of the rule valid_utf8 checks.
bool reference_valid_utf8(std::string_view s) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  auto in = [&](std::size_t k, unsigned lo, unsigned hi) {
    return i + k < n && static_cast<unsigned char>(s[i + k]) >= lo && static_cast<unsigned char>(s[i + k]) <= hi;
  };
  auto tail = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k <= to; ++k)
      if (!in(k, 0x80, 0xbf)) return false;
    return true;
  };
  while (i < n) {
    const unsigned b = static_cast<unsigned char>(s[i]);
    if (b <= 0x7f) {
      i += 1;
    } else if (b >= 0xc2 && b <= 0xdf && tail(1, 1)) {
      i += 2;
    } else if ((b == 0xe0 && in(1, 0xa0, 0xbf) && tail(2, 2)) || (b == 0xed && in(1, 0x80, 0x9f) && tail(2, 2)) ||
               (((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef) && tail(1, 2))) {
      i += 3;
    } else if ((b == 0xf0 && in(1, 0x90, 0xbf) && tail(2, 3)) || (b >= 0xf1 && b <= 0xf3 && tail(1, 3)) ||
               (b == 0xf4 && in(1, 0x80, 0x8f) && tail(2, 3))) {
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

std::string reference_percent_decode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i] == '+' && plus_is_space ? ' ' : s[i]);
    }
  }
  return out;
}
}  // namespace

TEST(Strings, Utf8NonAsciiAtEveryWordPosition) {
  // Valid and invalid sequences placed at each offset of two 8-byte words, in strings ending right after them
  // or continuing, so that every split of a sequence across a word boundary and the tail loop are covered.
  const std::string seqs[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff", "\x80", "\xc0\xaf", "\xed\xa0\x80",
                              "\xf4\x90\x80\x80", "\xe2\x82", "\xc3", "\xf0\x9f\x98", "\xc3\x41"};
  for (const auto& seq : seqs) {
    for (std::size_t pos = 0; pos < 17; ++pos) {
      for (std::size_t after : {0u, 1u, 7u, 8u, 9u}) {
        const std::string s = std::string(pos, 'a') + seq + std::string(after, 'b');
        EXPECT_EQ(valid_utf8(s), reference_valid_utf8(s)) << "seq of " << seq.size() << " at " << pos << " + " << after;
      }
    }
  }
  EXPECT_TRUE(valid_utf8(std::string(64, 'x')));
  EXPECT_FALSE(valid_utf8(std::string(63, 'x') + "\xc3"));      // truncated after whole ASCII words
  EXPECT_FALSE(valid_utf8(std::string(8, 'x') + "\x7f\x80"));  // 0x7f is ASCII, the lone continuation is not
  EXPECT_TRUE(valid_utf8(std::string("\0\0\0\0\0\0\0\0\0", 9)));
}

TEST(Strings, Utf8AndPercentDecodeMatchReferenceOnRandomInput) {
  std::uint32_t x = 12345;
  auto next = [&] { return x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff; };
  const char alphabet[] = {'a', 'Z', '0', '9', 'f', 'F', 'g', '%', '+', ' ', '~', '\x7f', '\x80', '\xbf', '\xc2', '\xe0', '\xed', '\xf0', '\xf4', '\xff'};
  for (int round = 0; round < 20000; ++round) {
    std::string s(next() % 40, '\0');
    for (auto& c : s) c = alphabet[next() % sizeof(alphabet)];
    ASSERT_EQ(valid_utf8(s), reference_valid_utf8(s)) << round;
    ASSERT_EQ(percent_decode(s, true), reference_percent_decode(s, true)) << round;
    ASSERT_EQ(percent_decode(s, false), reference_percent_decode(s, false)) << round;
  }
}

TEST(Strings, PercentDecodeEscapeAtEveryPosition) {
  // The first escape is found a word at a time: put it at every offset of the first two words and the tail.
  for (std::size_t pos = 0; pos < 20; ++pos) {
    for (std::size_t after : {0u, 1u, 5u, 12u}) {
      const std::string pre(pos, 'a'), post(after, 'z');  // not hex digits: "%4" stays an invalid escape
      EXPECT_EQ(percent_decode(pre + "%41" + post, true), pre + "A" + post);
      EXPECT_EQ(percent_decode(pre + "+" + post, true), pre + " " + post);
      EXPECT_EQ(percent_decode(pre + "+" + post, false), pre + "+" + post);
      EXPECT_EQ(percent_decode(pre + "%4" + post, true), pre + "%4" + post);  // invalid escape kept literally
      EXPECT_EQ(percent_decode(pre + post, true), pre + post);
    }
  }
  EXPECT_EQ(percent_decode("", true), "");
  EXPECT_EQ(percent_decode(std::string_view(), true), "");
  EXPECT_EQ(percent_decode("%", true), "%");
  EXPECT_EQ(percent_decode("%2", false), "%2");
  EXPECT_EQ(percent_decode("abcdefgh%2B", false), "abcdefgh+");
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

TEST(Clock, Iso8601CachedSecondMatchesFullFormatting) {
  // The per-thread cache of the date/time part must follow every change of second, minute, day and year, and the
  // hand-written microseconds must keep their leading zeros.
  auto reference = [](std::int64_t us) {
    std::time_t secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%06ldZ", static_cast<long>(us % 1000000));
    return std::string(buf);
  };
  const std::int64_t starts[] = {0, 1'700'000'000'000'000, 1'735'689'599'000'000 /* 2024-12-31T23:59:59 */,
                                 4'102'444'799'999'990 /* 2099-12-31T23:59:59.99999 */};
  for (std::int64_t start : starts) {
    for (std::int64_t us = start; us < start + 2'500'000; us += 99'991) {
      ASSERT_EQ(iso8601_utc_us(us), reference(us)) << us;
    }
    for (std::int64_t us : {start, start + 7, start + 999'999, start + 1'000'000, start + 60'000'001}) {
      ASSERT_EQ(iso8601_utc_us(us), reference(us)) << us;
    }
  }
  EXPECT_EQ(iso8601_utc_us(5), "1970-01-01T00:00:00.000005Z");
}

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
