#include <gtest/gtest.h>

#include "sidetag/sources/ga4/hits.hpp"
#include "sidetag/sources/ga4/query.hpp"

using namespace sidetag::sources::ga4;

TEST(Ga4Query, DecodingRules) {
  auto p = parse_query("a=1+2&b=%41%42&c=%zz%4&d&e=&a=last&=novalue&&f%2Eg=h");
  EXPECT_EQ(p.at("a"), "last");      // last duplicate wins
  EXPECT_EQ(p.at("b"), "AB");
  EXPECT_EQ(p.at("c"), "%zz%4");     // invalid escapes kept literally
  EXPECT_EQ(p.at("d"), "");          // valueless key
  EXPECT_EQ(p.at("e"), "");
  EXPECT_EQ(p.at("f.g"), "h");       // keys are decoded too
  EXPECT_EQ(p.count(""), 0u);        // empty key skipped
  EXPECT_EQ(p.size(), 6u);
  auto pairs = parse_query_pairs("x=1&x=2&y");
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0].second, "1");
  EXPECT_EQ(pairs[1].second, "2");
  EXPECT_EQ(pairs[2].first, "y");
  EXPECT_EQ(parse_query("a=1+%2B1").at("a"), "1 +1");
}

TEST(Ga4Query, OneParamMatchesTheFullParse) {
  for (const char* q : {"a=1+2&b=%41%42&c=%zz%4&d&e=&a=last&=novalue&&f%2Eg=h", "tid=G-1&t%69d=G-2", "t+d=x&em=a%40b~c",
                        "pr1=id1~nmA+B&tid", "", "&&&", "%74id=enc"}) {
    const auto all = parse_query(q);
    for (const char* k : {"a", "b", "c", "d", "e", "f.g", "tid", "t d", "em", "pr1", "missing"}) {
      const auto one = query_param(q, k);
      const auto it = all.find(k);
      ASSERT_EQ(one.has_value(), it != all.end()) << q << " " << k;
      if (one) EXPECT_EQ(*one, it->second) << q << " " << k;
    }
  }
  EXPECT_EQ(query_param("tid=G-1&t%69d=G-2", "tid"), "G-2");
}

TEST(Ga4Query, TildeKeysKeepRawValue) {
  EXPECT_TRUE(is_tilde_structured_key("em"));
  EXPECT_TRUE(is_tilde_structured_key("pr1"));
  EXPECT_TRUE(is_tilde_structured_key("pr200"));
  EXPECT_FALSE(is_tilde_structured_key("pr0"));
  EXPECT_FALSE(is_tilde_structured_key("pr201"));
  EXPECT_FALSE(is_tilde_structured_key("pr01"));
  EXPECT_FALSE(is_tilde_structured_key("prx"));
  auto p = parse_query("pr1=nmCoffee%7ETable~qt1&dt=a%7Eb");
  EXPECT_EQ(p.at("pr1"), "nmCoffee%7ETable~qt1");
  EXPECT_EQ(p.at("dt"), "a~b");
  auto f = split_tilde_fields(p.at("pr1"));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0], "nmCoffee~Table");  // encoded '~' is data, not a separator
  EXPECT_EQ(f[1], "qt1");
}

TEST(Ga4Query, DoubleTildeIsLiteral) {
  auto f = split_tilde_fields("nmA~~B~qt1");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0], "nmA~B");
  EXPECT_EQ(f[1], "qt1");
  EXPECT_EQ(split_tilde_fields("~idX~").size(), 1u);
  EXPECT_TRUE(split_tilde_fields("").empty());
  EXPECT_EQ(split_tilde_fields("nm%20a+b"), std::vector<std::string>{"nm a b"});
}

TEST(Ga4Hits, QueryOnlyAndOverlay) {
  auto b = parse_hits("v=2&en=page_view&cid=1.2", "");
  ASSERT_EQ(b.hits.size(), 1u);
  EXPECT_EQ(b.hits[0].line, 0u);
  EXPECT_EQ(b.hits[0].params.at("en"), "page_view");

  b = parse_hits("v=2&cid=1.2&en=ignored&_et=1", "en=a&_et=5\n\nen=b\n");
  ASSERT_EQ(b.hits.size(), 2u);
  EXPECT_EQ(b.hits[0].params.at("en"), "a");
  EXPECT_EQ(b.hits[0].params.at("_et"), "5");  // line overrides query
  EXPECT_EQ(b.hits[1].params.at("en"), "b");
  EXPECT_EQ(b.hits[1].params.at("_et"), "1");  // query value inherited
  EXPECT_EQ(b.hits[1].line, 3u);               // blank line 2 skipped
  EXPECT_EQ(b.hits[1].params.at("cid"), "1.2");
}

TEST(Ga4Hits, EmptyAndWhitespaceBodies) {
  for (std::string_view body : {"", "\r\n", "\n\n\n", "  \r\n\t\n"}) {
    auto b = parse_hits("en=page_view&cid=1", body);
    ASSERT_EQ(b.hits.size(), 1u) << "body=" << body.size();
    EXPECT_EQ(b.hits[0].params.at("en"), "page_view");
  }
}

TEST(Ga4Hits, CrlfLines) {
  auto b = parse_hits("cid=1", "en=a&x=1\r\nen=b&x=2\r\n");
  ASSERT_EQ(b.hits.size(), 2u);
  EXPECT_EQ(b.hits[0].params.at("x"), "1");
  EXPECT_EQ(b.hits[1].params.at("x"), "2");
}

TEST(Ga4Hits, MissingEventNameDropped) {
  auto b = parse_hits("cid=1", "");
  EXPECT_TRUE(b.hits.empty());
  ASSERT_EQ(b.dropped.size(), 1u);
  EXPECT_EQ(b.dropped[0].reason, "missing_event_name");
  b = parse_hits("cid=1", "en=a\nx=1\nen=");
  ASSERT_EQ(b.hits.size(), 1u);
  ASSERT_EQ(b.dropped.size(), 2u);
  EXPECT_EQ(b.dropped[0].line, 2u);
  EXPECT_EQ(b.dropped[1].line, 3u);
}

TEST(Ga4Hits, FiveHundredLineBatchIsCapped) {
  std::string body;
  for (int i = 0; i < 500; ++i) body += "en=e" + std::to_string(i) + "&_et=" + std::to_string(i) + "\n";
  auto b = parse_hits("v=2&cid=1.2", body);
  ASSERT_EQ(b.hits.size(), 100u);
  EXPECT_EQ(b.hits.front().params.at("en"), "e0");
  EXPECT_EQ(b.hits.back().params.at("en"), "e99");
  EXPECT_EQ(b.dropped_count(), 400u);
  for (const auto& d : b.dropped) EXPECT_EQ(d.reason, "too_many_events");
  EXPECT_EQ(b.dropped.front().line, 101u);

  HitLimits l;
  l.max_events = 3;
  b = parse_hits("cid=1", body, l);
  EXPECT_EQ(b.hits.size(), 3u);
  EXPECT_EQ(b.dropped_count(), 497u);
}

TEST(Ga4Hits, LimitsChosenFromTheQueryParams) {
  std::string body;
  for (int i = 0; i < 10; ++i) body += "en=e" + std::to_string(i) + "\n";
  // The callback sees the query as parse_query gives it (decoded, last duplicate wins, before sanitize drops the
  // invalid value), exactly once, and its limits apply to the request.
  int calls = 0;
  auto b = parse_hits("tid=G-1&t%69d=G-2&dt=%FF", body, [&](const Params& q) {
    ++calls;
    EXPECT_EQ(q, parse_query("tid=G-1&t%69d=G-2&dt=%FF"));
    HitLimits l;
    l.max_events = q.at("tid") == "G-2" ? 4 : 1;
    return l;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(b.hits.size(), 4u);
  EXPECT_EQ(b.dropped_count(), 6u);
  EXPECT_FALSE(b.hits[0].params.contains("dt"));
  // Same batch as with the fixed limits.
  HitLimits l4;
  l4.max_events = 4;
  auto fixed = parse_hits("tid=G-1&t%69d=G-2&dt=%FF", body, l4);
  ASSERT_EQ(fixed.hits.size(), b.hits.size());
  for (std::size_t i = 0; i < b.hits.size(); ++i) {
    EXPECT_EQ(fixed.hits[i].params, b.hits[i].params);
    EXPECT_EQ(fixed.hits[i].notes, b.hits[i].notes);
  }
}

TEST(Ga4Hits, InvalidUtf8) {
  // invalid value: the parameter is dropped and noted, the hit survives
  auto b = parse_hits("en=page_view&dt=%FF%FE&dl=https%3A%2F%2Fa.example%2F", "");
  ASSERT_EQ(b.hits.size(), 1u);
  EXPECT_EQ(b.hits[0].params.count("dt"), 0u);
  EXPECT_EQ(b.hits[0].params.at("dl"), "https://a.example/");
  ASSERT_EQ(b.hits[0].notes.size(), 1u);
  EXPECT_NE(b.hits[0].notes[0].find("dt"), std::string::npos);
  // invalid key: dropped, note does not contain the bytes
  b = parse_hits("en=x&%C0%AF=1", "");
  ASSERT_EQ(b.hits.size(), 1u);
  EXPECT_EQ(b.hits[0].params.size(), 1u);
  EXPECT_EQ(b.hits[0].notes.size(), 1u);
  // invalid event name: the hit is dropped
  b = parse_hits("cid=1", "en=%ED%A0%80\nen=ok");
  ASSERT_EQ(b.hits.size(), 1u);
  EXPECT_EQ(b.hits[0].params.at("en"), "ok");
  ASSERT_EQ(b.dropped.size(), 1u);
  EXPECT_EQ(b.dropped[0].reason, "invalid_utf8_event_name");
  // invalid bytes inside an item (raw value): whole pr param dropped
  b = parse_hits("en=purchase&pr1=idA~nm%FF", "");
  ASSERT_EQ(b.hits.size(), 1u);
  EXPECT_EQ(b.hits[0].params.count("pr1"), 0u);
  // raw (undecoded) invalid bytes as well
  b = parse_hits(std::string("en=a&dt=\xff"), "");
  ASSERT_EQ(b.hits.size(), 1u);
  EXPECT_EQ(b.hits[0].params.count("dt"), 0u);
  // valid multi-byte UTF-8 survives
  b = parse_hits("en=a&dt=Caf%C3%A9", "");
  EXPECT_EQ(b.hits[0].params.at("dt"), "Caf\xC3\xA9");
}

TEST(Ga4Hits, ValueAndParamLimits) {
  HitLimits l;
  l.max_value_bytes = 10;
  l.max_params_per_hit = 3;
  auto b = parse_hits("en=a&dt=0123456789ABC&b=1&c=2&d=3", "", l);
  ASSERT_EQ(b.hits.size(), 1u);
  EXPECT_EQ(b.hits[0].params.count("dt"), 0u);
  EXPECT_EQ(b.hits[0].params.size(), 3u);
  EXPECT_EQ(b.hits[0].params.at("en"), "a");  // cut from the end of the key order, never "en"
}

TEST(Ga4Query, OneParamEncodedKeyForms) {
  // A raw key longer than the wanted one can still decode to it; a shorter one never does.
  EXPECT_EQ(query_param("%74%69%64=G-1", "tid"), "G-1");
  EXPECT_EQ(query_param("t+d=x", "t d"), "x");
  EXPECT_EQ(query_param("ti=a&d=b", "tid"), std::nullopt);
  EXPECT_EQ(query_param("a+b=1", "a+b"), std::nullopt);  // '+' in a raw key is a space
  EXPECT_EQ(query_param("a%2Bb=1", "a+b"), "1");
}
