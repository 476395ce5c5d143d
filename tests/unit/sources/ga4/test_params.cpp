// Params (flat sorted vector) against std::map, the type it replaced: same contents, same key order, same
// last-duplicate-wins rule, including on the fixture hits and on hostile inputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.hpp"
#include "sidetag/sources/ga4/hits.hpp"
#include "sidetag/sources/ga4/query.hpp"

using namespace sidetag::sources::ga4;

namespace {

using Model = std::map<std::string, std::string, std::less<>>;

// What parse_query returned before: the wire-order pairs inserted into a std::map one by one.
Model model_of_query(std::string_view q) {
  Model m;
  for (auto& [k, v] : parse_query_pairs(q)) m.insert_or_assign(k, v);
  return m;
}

void expect_same(const Params& p, const Model& m, const std::string& ctx) {
  ASSERT_EQ(p.size(), m.size()) << ctx;
  auto it = p.begin();
  for (const auto& [k, v] : m) {
    EXPECT_EQ(it->first, k) << ctx;
    EXPECT_EQ(it->second, v) << ctx << " key " << k;
    ++it;
  }
}

const std::vector<ga4_test::Sample>& samples() {
  static const auto s = ga4_test::load_samples();
  return s;
}

}  // namespace

TEST(Ga4Params, MapInterface) {
  Params p(std::vector<Params::value_type>{{"b", "1"}, {"a", "x"}, {"c", "3"}, {"a", "y"}, {"b", "2"}});
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.at("a"), "y");  // last duplicate wins
  EXPECT_EQ(p.at("b"), "2");
  EXPECT_THROW((void)p.at("zz"), std::out_of_range);
  EXPECT_EQ(p.find("zz"), p.end());
  EXPECT_EQ(p.count("c"), 1u);
  EXPECT_FALSE(p.contains(""));

  auto [it, inserted] = p.insert_or_assign("aa", "new");
  EXPECT_TRUE(inserted);
  EXPECT_EQ(it->first, "aa");
  EXPECT_FALSE(p.insert_or_assign("aa", "again").second);
  p["0"] = "zero";
  EXPECT_EQ(p["0"], "zero");
  EXPECT_EQ(p.erase("b"), 1u);
  EXPECT_EQ(p.erase("b"), 0u);
  expect_same(p, Model{{"0", "zero"}, {"a", "y"}, {"aa", "again"}, {"c", "3"}}, "edits");

  // erase(it) returns the next entry, as std::map's does (cap_params walks backwards with it).
  auto next = p.erase(p.find("a"));
  ASSERT_NE(next, p.end());
  EXPECT_EQ(next->first, "aa");
}

TEST(Ga4Params, KeyOrderIsStdStringOrder) {
  // Bytes >= 0x80 sort after ASCII (unsigned compare), a prefix before its extensions, embedded NULs count.
  const std::vector<std::string> keys = {"\xc3\xa9", "a", std::string("a\0", 2), "ab", "B", "_et", "ep.x", "", "a\x7f"};
  std::vector<Params::value_type> pairs;
  Model m;
  for (const auto& k : keys) {
    pairs.emplace_back(k, "v" + k);
    m.insert_or_assign(k, "v" + k);
  }
  expect_same(Params(pairs), m, "order");
  for (const auto& k : keys) EXPECT_EQ(Params(pairs).at(k), "v" + k);
}

TEST(Ga4Params, KeyOrderAroundThePrefixLength) {
  // The sort compares the first 8 bytes as one integer and only then whole keys: keys of 6 to 10 bytes that share
  // those 8 bytes, end inside them or just after, with NUL (equal to the padding) and 0xFF bytes around the
  // boundary, and repeated keys (the last one wins).
  std::uint32_t x = 11;
  auto next = [&] { return x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff; };
  const char alphabet[] = {'\0', 'a', '\xff'};
  for (int round = 0; round < 300; ++round) {
    std::vector<Params::value_type> pairs;
    Model m;
    for (unsigned i = 1 + next() % 16; i > 0; --i) {
      std::string k = "abcde";
      for (unsigned n = 1 + next() % 5; n > 0; --n) k += alphabet[next() % 3];
      pairs.emplace_back(k, std::to_string(next()));
      m.insert_or_assign(pairs.back().first, pairs.back().second);
    }
    expect_same(Params(pairs), m, "round " + std::to_string(round));
  }
}

TEST(Ga4Params, RandomOperationsMatchStdMap) {
  std::uint32_t x = 7;
  auto next = [&] { return x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff; };
  auto key = [&] { return std::string(1 + next() % 2, static_cast<char>('a' + next() % 4)) + (next() % 2 ? "x" : ""); };
  for (int round = 0; round < 300; ++round) {
    std::vector<Params::value_type> pairs;
    Model m;
    for (unsigned i = next() % 12; i > 0; --i) {
      pairs.emplace_back(key(), std::to_string(next()));
      m.insert_or_assign(pairs.back().first, pairs.back().second);
    }
    Params p(pairs);
    expect_same(p, m, "built, round " + std::to_string(round));
    for (int op = 0; op < 10; ++op) {
      const std::string k = key(), v = std::to_string(next());
      switch (next() % 4) {
        case 0:
          EXPECT_EQ(p.insert_or_assign(k, v).second, m.insert_or_assign(k, v).second);
          break;
        case 1:
          p[k] = v;
          m[k] = v;
          break;
        case 2:
          EXPECT_EQ(p.erase(k), m.erase(k));
          break;
        default:
          EXPECT_EQ(p.count(k), m.count(k));
      }
    }
    expect_same(p, m, "edited, round " + std::to_string(round));

    // overlay == insert_or_assign of each of the top's entries into a copy of the base
    std::vector<Params::value_type> top_pairs;
    for (unsigned i = next() % 6; i > 0; --i) top_pairs.emplace_back(key(), std::to_string(next()));
    Params top(top_pairs);
    Model merged = m;
    for (const auto& [k, v] : top) merged.insert_or_assign(k, v);
    expect_same(Params::overlay(p, std::move(top)), merged, "overlay, round " + std::to_string(round));
  }
}

TEST(Ga4Params, EraseIfVisitsOnceInKeyOrder) {
  Params p(std::vector<Params::value_type>{{"c", "3"}, {"a", "1"}, {"d", "4"}, {"b", "2"}});
  std::string seen;
  EXPECT_EQ(p.erase_if([&](const Params::value_type& kv) {
    seen += kv.first;
    return kv.second == "2" || kv.second == "4";
  }), 2u);
  EXPECT_EQ(seen, "abcd");
  expect_same(p, Model{{"a", "1"}, {"c", "3"}}, "erase_if");
  EXPECT_EQ(p.erase_if([](const Params::value_type&) { return true; }), 2u);
  EXPECT_TRUE(p.empty());
}

TEST(Ga4Params, ParseQueryMatchesStdMapOnFixtureHits) {
  std::size_t checked = 0;
  for (const auto& s : samples()) {
    if (!s.is_g_collect) continue;
    expect_same(parse_query(s.query), model_of_query(s.query), "sample " + s.id + " query");
    std::size_t start = 0;
    while (start < s.body.size()) {
      std::size_t nl = s.body.find('\n', start);
      if (nl == std::string::npos) nl = s.body.size();
      const std::string line = s.body.substr(start, nl - start);
      start = nl + 1;
      expect_same(parse_query(line), model_of_query(line), "sample " + s.id + " line");
    }
    // Each hit = query overlaid by its line (the fixture has no invalid UTF-8, so sanitize keeps everything).
    const auto batch = parse_hits(s.query, s.body);
    for (const auto& hit : batch.hits) {
      Model m = model_of_query(s.query);
      if (hit.line > 0) {
        std::size_t b = 0;
        for (std::size_t l = 1; l < hit.line; ++l) b = s.body.find('\n', b) + 1;
        std::string line = s.body.substr(b, s.body.find('\n', b) - b);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        for (auto& [k, v] : model_of_query(line)) m.insert_or_assign(k, v);
      }
      expect_same(hit.params, m, "sample " + s.id + " hit line " + std::to_string(hit.line));
      ++checked;
    }
  }
  EXPECT_GT(checked, 10u);  // the fixture was found and has hits
}

TEST(Ga4Params, HostileQueries) {
  // Many parameters, mostly duplicates of a few keys, and many invalid ones: built by one sort, sanitized in one
  // pass (no quadratic erase), still last-duplicate-wins.
  std::string q;
  for (int i = 0; i < 60000; ++i) q += "k" + std::to_string(i % 50) + "=" + std::to_string(i) + "&";
  for (int i = 0; i < 60000; ++i) q += "bad" + std::to_string(i) + "=%FF&";
  q += "en=x";
  expect_same(parse_query(q), model_of_query(q), "hostile");
  const auto batch = parse_hits(q, "");
  ASSERT_EQ(batch.hits.size(), 1u);
  EXPECT_EQ(batch.hits[0].params.at("k7"), "59957");
  EXPECT_EQ(batch.hits[0].params.count("bad1"), 0u);
  EXPECT_EQ(batch.hits[0].params.size(), 51u);
  // Empty and odd segments still follow the old rules.
  for (const char* odd : {"", "&", "=", "==", "a==b&a", "%", "+=+", "a&a=&a=1&a", "%00=%00&%00"})
    expect_same(parse_query(odd), model_of_query(odd), std::string("odd: ") + odd);
}
