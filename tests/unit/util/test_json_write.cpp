// append_json / to_json_text / append_json_string must be byte-identical to
// j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) for every value: they replace dump() on the hot path
// and the bytes go to Meta, the spool and the dead-letter store.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "sidetag/util/json_write.hpp"

using namespace sidetag::util;
using json = nlohmann::json;

namespace {

std::string reference(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string printable(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

::testing::AssertionResult same_as_dump(const json& j) {
  const std::string want = reference(j);
  const std::string got = to_json_text(j);
  if (got != want) {
    return ::testing::AssertionFailure() << "\n  dump:         " << printable(want)
                                         << "\n  to_json_text: " << printable(got);
  }
  // append_json appends: whatever the buffer held stays in front.
  std::string appended = "x\"\\\xff";
  append_json(appended, j);
  if (appended != "x\"\\\xff" + want) return ::testing::AssertionFailure() << "append_json lost the prefix";
  return ::testing::AssertionSuccess();
}

// s as a string value, through append_json_string, as an object key and inside an array.
::testing::AssertionResult string_same_as_dump(const std::string& s) {
  const json value = s;
  if (auto r = same_as_dump(value); !r) return r << "\n  input:        " << printable(s);
  std::string direct = "[";
  append_json_string(direct, s);
  if (direct != "[" + reference(value)) {
    return ::testing::AssertionFailure() << "append_json_string differs for " << printable(s) << ": "
                                         << printable(direct);
  }
  if (auto r = same_as_dump(json{{s, 1}, {"z" + s, s}}); !r) return r << "\n  key input:    " << printable(s);
  if (auto r = same_as_dump(json::array({s, 0, s})); !r) return r << "\n  array input:  " << printable(s);
  return ::testing::AssertionSuccess();
}

// Bytes at every boundary the escaping and the UTF-8 DFA care about.
const std::vector<unsigned char> kInteresting = {0x00, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x20, 0x22, 0x2F,
                                                 0x41, 0x5C, 0x7E, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0,
                                                 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1,
                                                 0xF3, 0xF4, 0xF5, 0xF8, 0xFF};

std::string bytes(std::initializer_list<unsigned char> b) { return std::string(b.begin(), b.end()); }

}  // namespace

TEST(JsonWrite, EverySingleByte) {
  for (int c = 0; c < 256; ++c) {
    const std::string s(1, static_cast<char>(c));
    ASSERT_TRUE(string_same_as_dump(s));
    // Surrounded by clean text, so the byte sits inside a copied run and inside a SWAR word.
    ASSERT_TRUE(string_same_as_dump("abcdefghij" + s + "klmnopqrstuvwxyz"));
  }
}

TEST(JsonWrite, SpecialBytesAtEveryPositionAndLength) {
  // The scanner checks 8 bytes at a time and pads the tail: every lane of a word, the tail and the word seams.
  const std::vector<std::string> specials = {"\"", "\\", std::string(1, '\0'), "\x1f", "\x7f", "\xc3\xa9",
                                             "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff", "\xe2\x82"};
  for (std::size_t len = 0; len <= 24; ++len) {
    for (std::size_t pos = 0; pos <= len; ++pos) {
      for (const auto& special : specials) {
        std::string s(len, 'a');
        s.insert(pos, special);
        ASSERT_TRUE(same_as_dump(json(s))) << printable(s);
        s.insert(0, special);
        ASSERT_TRUE(same_as_dump(json(s))) << printable(s);
      }
    }
  }
}

TEST(JsonWrite, LongStringsGrowTheBufferMidString) {
  // Escapes expand up to 6x: the buffer grows while one string is being written.
  ASSERT_TRUE(string_same_as_dump(std::string(100000, '\x01')));
  ASSERT_TRUE(string_same_as_dump(std::string(5000, 'a') + std::string(5000, '"') + std::string(5000, '\n')));
  std::string mixed;
  for (int n = 0; n < 3000; ++n) mixed += n % 7 == 0 ? "\t\xc3\xa9" : n % 5 == 0 ? "\\\xe2\x82\xac" : "abc";
  ASSERT_TRUE(string_same_as_dump(mixed));
  ASSERT_TRUE(string_same_as_dump(mixed + "\xff" + mixed));  // the fallback after a long valid stretch
  ASSERT_TRUE(same_as_dump(json{{mixed, json::array({mixed, std::string(70000, '\x1f')})}}));
}

TEST(JsonWrite, AppendsToWhatTheBufferHolds) {
  std::string out;
  append_json_string(out, std::string_view{});
  EXPECT_EQ(out, "\"\"");
  // A large buffer that already holds a batch: appending keeps it and adds the value once.
  std::string batch(100000, 'x');
  const json event = {{"event_name", "Purchase"}, {"value", 1.5}};
  for (int n = 0; n < 100; ++n) {
    batch.push_back(',');
    append_json(batch, event);
  }
  const std::string one = "," + reference(event);
  ASSERT_EQ(batch.size(), 100000 + 100 * one.size());
  for (int n = 0; n < 100; ++n) ASSERT_EQ(batch.compare(100000 + n * one.size(), one.size(), one), 0) << n;
}

TEST(JsonWrite, ControlCharactersUseNlohmannsForms) {
  EXPECT_EQ(to_json_text(json(std::string("\b\t\n\f\r\"\\/\x7f", 9))), "\"\\b\\t\\n\\f\\r\\\"\\\\/\x7f\"");
  EXPECT_EQ(to_json_text(json(std::string("\x00\x01\x1b\x1f", 4))), "\"\\u0000\\u0001\\u001b\\u001f\"");
}

TEST(JsonWrite, AllTwoByteStrings) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string s = {static_cast<char>(a), static_cast<char>(b)};
      const json j = s;
      ASSERT_TRUE(same_as_dump(j)) << printable(s);
    }
  }
}

TEST(JsonWrite, ThreeAndFourByteStringsOfInterestingBytes) {
  for (unsigned char a : kInteresting) {
    for (unsigned char b : kInteresting) {
      for (unsigned char c : kInteresting) {
        const std::string s = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
        ASSERT_TRUE(same_as_dump(json(s))) << printable(s);
      }
    }
  }
  // Four bytes: leads followed by the continuation ranges and terminators that decide where a sequence fails.
  const std::vector<unsigned char> leads = {0x41, 0x22, 0x80, 0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5};
  const std::vector<unsigned char> tails = {0x00, 0x41, 0x5C, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2, 0xE0, 0xF0};
  for (unsigned char a : leads) {
    for (unsigned char b : tails) {
      for (unsigned char c : tails) {
        for (unsigned char d : tails) {
          const std::string s = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                                 static_cast<char>(d)};
          ASSERT_TRUE(same_as_dump(json(s))) << printable(s);
          ASSERT_TRUE(same_as_dump(json("0123456789" + s))) << printable(s);
        }
      }
    }
  }
}

TEST(JsonWrite, ValidMultiByteUtf8IsCopied) {
  const std::vector<std::string> valid = {
      bytes({0xC2, 0x80}),              // U+0080
      bytes({0xDF, 0xBF}),              // U+07FF
      bytes({0xE0, 0xA0, 0x80}),        // U+0800
      bytes({0xED, 0x9F, 0xBF}),        // U+D7FF, last before the surrogates
      bytes({0xEE, 0x80, 0x80}),        // U+E000, first after them
      bytes({0xEF, 0xBF, 0xBD}),        // U+FFFD
      bytes({0xEF, 0xBF, 0xBF}),        // U+FFFF
      bytes({0xF0, 0x90, 0x80, 0x80}),  // U+10000
      bytes({0xF4, 0x8F, 0xBF, 0xBF}),  // U+10FFFF
      "München, Zürich, 東京, Ελλάδα, 😀 and \xe2\x80\xa8 (U+2028 is not escaped)",
  };
  for (const auto& s : valid) {
    ASSERT_TRUE(string_same_as_dump(s));
    ASSERT_TRUE(string_same_as_dump(s + s + "\n" + s));
    EXPECT_EQ(to_json_text(json(s)), "\"" + s + "\"");
  }
}

TEST(JsonWrite, InvalidUtf8IsReplacedLikeNlohmann) {
  const std::vector<std::string> invalid = {
      bytes({0x80}),                          // lone continuation
      bytes({0xBF, 0x80, 0x41}),              // two of them
      bytes({0xC0, 0x80}),                    // overlong NUL
      bytes({0xC1, 0xBF}),                    // overlong
      bytes({0xE0, 0x80, 0x80}),              // overlong 3-byte
      bytes({0xE0, 0x9F, 0xBF}),              // overlong U+07FF
      bytes({0xF0, 0x80, 0x80, 0x80}),        // overlong 4-byte
      bytes({0xF0, 0x8F, 0xBF, 0xBF}),        // overlong U+FFFF
      bytes({0xED, 0xA0, 0x80}),              // U+D800
      bytes({0xED, 0xBF, 0xBF}),              // U+DFFF
      bytes({0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80}),  // CESU-8 surrogate pair
      bytes({0xF4, 0x90, 0x80, 0x80}),        // U+110000
      bytes({0xC2}),                          // truncated at the end
      bytes({0xE2, 0x82}),                    // truncated at the end
      bytes({0xF0, 0x9F, 0x98}),              // truncated at the end
      bytes({0x61, 0xC2, 0x62}),              // truncated in the middle
      bytes({0x61, 0xE2, 0x82, 0x62}),        // truncated in the middle
      bytes({0x61, 0xF0, 0x9F, 0x98, 0x22}),  // truncated before a quote
      bytes({0xF0, 0x9F, 0x98, 0xF0, 0x9F, 0x98, 0x80}),  // truncated, then a valid one
      bytes({0xF5, 0x80, 0x80, 0x80}),
      bytes({0xF8, 0x88, 0x80, 0x80, 0x80}),
      bytes({0xFE}),
      bytes({0xFF, 0xFE}),
      bytes({0xC3, 0xA9, 0xFF, 0x0A, 0xC3, 0xA9}),  // valid, invalid, escape, valid
  };
  for (const auto& s : invalid) {
    ASSERT_TRUE(string_same_as_dump(s));
    ASSERT_TRUE(string_same_as_dump("clean prefix \t " + s + " clean suffix \\"));
  }
  // What nlohmann does, written out: one U+FFFD per rejected byte, or per unfinished sequence.
  EXPECT_EQ(to_json_text(json(bytes({0xED, 0xA0, 0x80}))), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(to_json_text(json(bytes({0x61, 0xE2, 0x82}))), "\"a\xEF\xBF\xBD\"");
}

TEST(JsonWrite, ContainersScalarsAndKeys) {
  EXPECT_EQ(to_json_text(json::object()), "{}");
  EXPECT_EQ(to_json_text(json::array()), "[]");
  EXPECT_EQ(to_json_text(json::parse(R"({"b":[1,2,{}],"a":{"c":[[]]}})")), R"({"a":{"c":[[]]},"b":[1,2,{}]})");
  const std::vector<json> values = {
      nullptr,
      true,
      false,
      0,
      -1,
      std::numeric_limits<std::int64_t>::min(),
      std::numeric_limits<std::int64_t>::max(),
      std::numeric_limits<std::uint64_t>::max(),
      std::uint64_t{0},
      0.0,
      -0.0,
      1.0,
      -1.5,
      0.1,
      49.99,
      1e300,
      1e-300,
      5e-324,
      std::numeric_limits<double>::max(),
      std::numeric_limits<double>::quiet_NaN(),
      std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(),
      1e16,
      123456789012345680.0,
      json::object(),
      json::array(),
      json::array({json::object(), json::array(), nullptr}),
      json::binary({1, 2, 255}),
      json::binary({}, 7),
      json(json::value_t::discarded),
      json{{"", ""}, {"\"", "\\"}, {"\n\x01", "k"}, {"\xff", "invalid key"}, {"ключ", {{"nested", {1, {2, {3}}}}}}},
  };
  for (const auto& v : values) {
    ASSERT_TRUE(same_as_dump(v)) << v.type_name();
    ASSERT_TRUE(same_as_dump(json{{"k", v}, {"list", {v, v}}})) << v.type_name();
  }
  EXPECT_EQ(to_json_text(json(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(to_json_text(json(-0.0)), "-0.0");
  EXPECT_EQ(to_json_text(json(1e300)), "1e+300");
}

TEST(JsonWrite, RealisticMetaEvent) {
  const json event = json::parse(R"({
    "event_name": "Purchase", "event_time": 1718000000, "event_id": "ord-20240610-0001",
    "action_source": "website", "event_source_url": "https://shop.example.com/checkout/thank-you?order=1&utm_source=x",
    "user_data": {
      "em": ["62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"],
      "ph": ["e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"],
      "client_ip_address": "2001:db8::1",
      "client_user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36",
      "fbp": "fb.1.1718000000000.1234567890", "fbc": "fb.1.1718000000000.IwAR2xyz",
      "ct": ["m\u00fcnchen"], "external_id": ["a1b2c3"]
    },
    "custom_data": {
      "currency": "EUR", "value": 149.9, "order_id": "1001", "num_items": 3,
      "content_name": "Caf\u00e9 \"Deluxe\" \\ Kit\n",
      "contents": [{"id": "SKU-1", "quantity": 2, "item_price": 49.95},
                   {"id": "SKU-2", "quantity": 1, "item_price": 50}]
    },
    "opt_out": false, "data_processing_options": []
  })");
  ASSERT_TRUE(same_as_dump(event));
  ASSERT_TRUE(same_as_dump(json{{"data", json::array({event, event})}, {"test_event_code", "TEST123"}}));
}

namespace {

// Random strings lean on what the serializer branches on: specials, boundaries, valid and broken UTF-8.
std::string random_string(std::mt19937_64& rng) {
  std::string s;
  const std::size_t len = rng() % 40;
  while (s.size() < len) {
    switch (rng() % 8) {
      case 0: s.push_back(static_cast<char>(rng() % 256)); break;
      case 1: s.push_back(static_cast<char>(kInteresting[rng() % kInteresting.size()])); break;
      case 2: s += "\xC3\xA9"; break;
      case 3: s += "\xE2\x82\xAC"; break;
      case 4: s += "\xF0\x9F\x98\x80"; break;
      case 5: s.append(1 + rng() % 12, static_cast<char>('a' + rng() % 26)); break;
      case 6: {  // a valid sequence with a byte dropped or changed
        std::string seq = rng() % 2 ? "\xE2\x82\xAC" : "\xF0\x9F\x98\x80";
        if (rng() % 2) {
          seq.erase(rng() % seq.size(), 1);
        } else {
          seq[rng() % seq.size()] = static_cast<char>(rng() % 256);
        }
        s += seq;
        break;
      }
      default: s.push_back(static_cast<char>(rng() % 0x20)); break;
    }
  }
  return s;
}

double random_double(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0: {  // any bit pattern: subnormals, NaNs, infinities
      const std::uint64_t bits = rng();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case 1: return static_cast<double>(static_cast<std::int64_t>(rng() % 2000000) - 1000000) / 100.0;  // prices
    case 2: return static_cast<double>(static_cast<std::int64_t>(rng()));
    default: return std::ldexp(static_cast<double>(rng() % 1000000), static_cast<int>(rng() % 200) - 100);
  }
}

json random_json(std::mt19937_64& rng, int depth) {
  switch (rng() % (depth > 0 ? 10 : 8)) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<std::int64_t>(rng()) >> (rng() % 64);
    case 3: return rng() >> (rng() % 64);
    case 4: return random_double(rng);
    case 5:
    case 6: return random_string(rng);
    case 7: return rng() % 50 == 0 ? json::binary({static_cast<std::uint8_t>(rng())}, rng() % 256) : json(-1);
    case 8: {
      json a = json::array();
      for (std::size_t n = rng() % 6; n > 0; --n) a.push_back(random_json(rng, depth - 1));
      return a;
    }
    default: {
      json o = json::object();
      for (std::size_t n = rng() % 6; n > 0; --n) o[random_string(rng)] = random_json(rng, depth - 1);
      return o;
    }
  }
}

}  // namespace

TEST(JsonWrite, RandomizedDifferential) {
  std::mt19937_64 rng(20240610);
  for (int n = 0; n < 5000; ++n) {
    const json j = random_json(rng, 4);
    ASSERT_TRUE(same_as_dump(j)) << "iteration " << n;
  }
  for (int n = 0; n < 5000; ++n) {
    ASSERT_TRUE(string_same_as_dump(random_string(rng))) << "iteration " << n;
  }
}
