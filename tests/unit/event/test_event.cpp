#include <gtest/gtest.h>

#include <random>

#include "sidetag/event/event_data.hpp"
#include "sidetag/event/flags.hpp"
#include "sidetag/event/json_bridge.hpp"
#include "sidetag/util/json_write.hpp"

using namespace sidetag;
using namespace sidetag::event;
using nlohmann::json;

TEST(Keys, NamesRoundTripAndUnknownNamesAreNotKeys) {
  for (std::size_t i = 0; i < kKeyCount; ++i) {
    const auto k = static_cast<Key>(i);
    ASSERT_EQ(key_of(name_of(k)), k) << name_of(k);
  }
  EXPECT_EQ(name_of(Key::fb_ud_em), "x-fb-ud-em");
  EXPECT_EQ(key_of("page_location"), Key::page_location);
  EXPECT_FALSE(key_of("Page_location"));
  EXPECT_FALSE(key_of(""));
  EXPECT_FALSE(key_of("user_data.email_address"));  // a path, not a key
  EXPECT_TRUE(is_known_key("x-sst-system_properties"));
  EXPECT_FALSE(is_known_key("x-ga-unknown_param"));
  const auto sorted = keys_by_name();
  ASSERT_EQ(sorted.size(), kKeyCount);
  for (std::size_t i = 1; i < sorted.size(); ++i) EXPECT_LT(name_of(sorted[i - 1]), name_of(sorted[i]));
}

TEST(Arena, CopiesAndGrowsAcrossBlocks) {
  Arena a(256);
  std::vector<std::string_view> views;
  std::string big(100'000, 'x');
  for (int i = 0; i < 1000; ++i) views.push_back(a.copy("value-" + std::to_string(i)));
  views.push_back(a.copy(big));
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(views[i], "value-" + std::to_string(i));
  EXPECT_EQ(views.back(), big);
  EXPECT_TRUE(a.copy("").empty());
  EXPECT_GE(a.used(), big.size());
  auto* p = a.allocate_array<std::uint64_t>(3);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::uint64_t), 0u);
}

// Values are written exactly as nlohmann dumps the same JSON.
TEST(Value, JsonTextIsNlohmannsDump) {
  const char* docs[] = {
      R"({"b":1,"a":[1,-2,3.5,1e300,-0.0,18446744073709551615,-9223372036854775808],"c":{"z":null,"y":true,"x":"é\u0001\"\\"}})",
      R"([])", R"({})", R"("")", R"(0.1)", R"(100.0)", R"(1E2)", R"([[[{"a":[{}]}]]])", R"("\ud83d\ude00 tab\t")",
      R"({"key with \"quotes\"":"v","":""})"};
  for (const char* d : docs) {
    const json j = json::parse(d);
    Arena a;
    const Value v = from_json(j, a);
    EXPECT_EQ(to_json(v), j.dump(-1, ' ', false, json::error_handler_t::replace)) << d;
    EXPECT_EQ(to_nlohmann(v), j) << d;
  }
  Arena a;
  const std::string bad = "ab\xff\xfe" "cd";  // invalid UTF-8 is replaced the way nlohmann replaces it
  EXPECT_EQ(to_json(Value::string(a.copy(bad))), json(bad).dump(-1, ' ', false, json::error_handler_t::replace));
  EXPECT_EQ(to_json(Value()), "null");
  EXPECT_EQ(to_json(Value::floating(std::numeric_limits<double>::infinity())), "null");
}

TEST(Value, RandomDocumentsMatchNlohmann) {
  std::mt19937 rng(7);
  std::function<json(int)> gen = [&](int depth) -> json {
    switch (rng() % (depth > 3 ? 5 : 7)) {
      case 0: return nullptr;
      case 1: return rng() % 2 == 0;
      case 2: return static_cast<std::int64_t>(rng()) - (1ll << 31);
      case 3: return std::ldexp(static_cast<double>(rng()), static_cast<int>(rng() % 80) - 40);
      case 4: return std::string(rng() % 6, static_cast<char>('a' + rng() % 26));
      case 5: {
        json arr = json::array();
        for (int i = rng() % 4; i > 0; --i) arr.push_back(gen(depth + 1));
        return arr;
      }
      default: {
        json o = json::object();
        for (int i = rng() % 5; i > 0; --i) o[std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 4))] = gen(depth + 1);
        return o;
      }
    }
  };
  for (int i = 0; i < 2000; ++i) {
    const json j = gen(0);
    Arena a;
    const Value v = from_json(j, a);
    ASSERT_EQ(to_json(v), j.dump()) << j.dump();
    ASSERT_TRUE(v == from_json(j, a));
  }
}

TEST(Value, AccessorsAndEquality) {
  Arena a;
  const Value obj = from_json(json::parse(R"({"b":2,"a":"x","c":[1,2],"d":null})"), a);
  ASSERT_TRUE(obj.is_object());
  EXPECT_EQ(obj.size(), 4u);
  EXPECT_EQ(obj.find("a")->as_string(), "x");
  EXPECT_EQ(obj.find("b")->as_int(), 2);
  EXPECT_TRUE(obj.find("b")->is_unsigned());  // a parsed non-negative integer, as in nlohmann
  EXPECT_TRUE(obj.find("d")->is_null());
  EXPECT_EQ(obj.find("zz"), nullptr);
  EXPECT_EQ(obj.find("c")->items().size(), 2u);
  EXPECT_EQ(Value::integer(1), Value::floating(1.0));
  EXPECT_EQ(Value::integer(5), Value::unsigned_integer(5));
  EXPECT_FALSE(Value::integer(-1) == Value::unsigned_integer(static_cast<std::uint64_t>(-1)));
  EXPECT_FALSE(Value::null() == Value());
  EXPECT_STREQ(Value::floating(2).type_name(), "number");
  EXPECT_STREQ(obj.type_name(), "object");
  EXPECT_EQ(Value::floating(2.9).as_int(), 2);
  // A big object (binary search) finds every member.
  ObjectBuilder b(a);
  std::vector<std::string> keys;
  for (int i = 0; i < 50; ++i) keys.push_back("k" + std::to_string(i));
  for (const auto& k : keys) b.add(k, Value::integer(static_cast<int>(k.size())));
  const Value big = b.finish();
  for (const auto& k : keys) ASSERT_NE(big.find(k), nullptr) << k;
  EXPECT_EQ(big.find("k"), nullptr);
}

TEST(ObjectBuilder, SortsAndTheLastOfEqualKeysWins) {
  Arena a;
  ObjectBuilder b(a, 1);
  b.add("b", Value::integer(1));
  b.add("a", Value::integer(2));
  b.add("b", Value::integer(3));
  b.add("c", Value::integer(4));
  b.add("a", Value::integer(5));
  const Value v = b.finish();
  EXPECT_EQ(to_json(v), R"({"a":5,"b":3,"c":4})");
  // What nlohmann makes of the same text.
  EXPECT_EQ(json::parse(R"({"b":1,"a":2,"b":3,"c":4,"a":5})").dump(), to_json(v));
  ArrayBuilder arr(a, 1);
  for (int i = 0; i < 10; ++i) arr.push_back(Value::integer(i));
  EXPECT_EQ(to_json(arr.finish()), "[0,1,2,3,4,5,6,7,8,9]");
}

TEST(FieldPath, ResolvesKnownKeysOnce) {
  FieldPath flat("x-fb-ud-em");
  EXPECT_FALSE(flat.dotted());
  EXPECT_EQ(flat.whole_key(), Key::fb_ud_em);
  FieldPath nested("user_data.address.city");
  EXPECT_TRUE(nested.dotted());
  EXPECT_FALSE(nested.whole_key());
  EXPECT_EQ(nested.head_key(), Key::user_data);
  EXPECT_EQ(nested.head(), "user_data");
  ASSERT_EQ(nested.rest_size(), 2u);
  EXPECT_EQ(nested.rest(0), "address");
  EXPECT_EQ(nested.rest(1), "city");
  FieldPath custom("crm.id");
  EXPECT_FALSE(custom.head_key());
  EXPECT_EQ(custom.head(), "crm");
  FieldPath copy = nested;  // views stay valid in the copy
  EXPECT_EQ(copy.rest(1), "city");
  std::vector<FieldPath> moved;
  moved.push_back(FieldPath("a.b"));
  moved.emplace_back("c.d.e");
  moved.resize(10);
  EXPECT_EQ(moved[0].rest(0), "b");
  EXPECT_EQ(moved[1].rest(1), "e");
}

TEST(EventData, SlotsExtrasAndLookups) {
  EventData d;
  d.set_text(Key::page_location, "https://shop.example/");
  d.set("x-ga-custom", d.text("kept"));
  d.set("crm.id", d.text("flat"));  // a flat name with a dot
  const json ud = {{"email_address", "a@b.c"}, {"address", {{"city", "Berlin"}}}, {"phone_number", nullptr}};
  d.set(Key::user_data, from_json(ud, d.arena()));
  d.set("crm", from_json({{"id", "nested"}}, d.arena()));
  d.set(Key::opt_out, Value::null());

  EXPECT_EQ(d.get(Key::page_location)->as_string(), "https://shop.example/");
  EXPECT_EQ(d.find("page_location")->as_string(), "https://shop.example/");
  EXPECT_EQ(d.find("x-ga-custom")->as_string(), "kept");
  EXPECT_EQ(d.find("nope"), nullptr);
  EXPECT_EQ(d.lookup(FieldPath("user_data.address.city"))->as_string(), "Berlin");
  EXPECT_EQ(d.lookup(FieldPath("user_data.email_address"))->as_string(), "a@b.c");
  EXPECT_EQ(d.lookup(FieldPath("user_data.phone_number")), nullptr);  // null is nothing to read
  EXPECT_EQ(d.lookup(FieldPath("user_data.address.city.x")), nullptr);
  EXPECT_EQ(d.lookup(FieldPath("crm.id"))->as_string(), "flat");  // the flat key first
  EXPECT_EQ(d.lookup(FieldPath("opt_out")), nullptr);
  EXPECT_TRUE(d.contains(Key::opt_out));  // present, holding null
  EXPECT_EQ(d.size(), 6u);

  d.erase("crm.id");
  EXPECT_EQ(d.lookup(FieldPath("crm.id"))->as_string(), "nested");
  d.set("x-ga-custom", d.text("replaced"));
  EXPECT_EQ(d.find("x-ga-custom")->as_string(), "replaced");
  EXPECT_EQ(d.extras().size(), 2u);
  d.set("page_location", d.text("by name"));  // a known name goes to its slot
  EXPECT_EQ(d.get(Key::page_location)->as_string(), "by name");
  EXPECT_TRUE(d.erase(Key::page_location));
  EXPECT_FALSE(d.erase(Key::page_location));
}

TEST(EventData, JsonIsSortedLikeNlohmann) {
  const json j = json::parse(R"({"x-ga-zeta":1,"event_name":"purchase","aaa":{"b":[1,2]},"user_data":{"email_address":"a@b.c"},
                                "x-fb-ud-em":["e"],"page_location":"https://x/","zzz":null,"event_time":1790000000,"items":[{"item_id":"A"}]})");
  EventData d;
  assign(d, j);
  EXPECT_EQ(d.to_json(), j.dump());
  EXPECT_EQ(to_nlohmann(d), j);
  EventData moved = std::move(d);  // the values move with their arena
  EXPECT_EQ(moved.to_json(), j.dump());
  EXPECT_TRUE(d.empty());
  Arena shared;
  EventData a(shared), b(shared);
  a.set_text(Key::event_name, "one");
  b = std::move(a);
  EXPECT_EQ(b.get(Key::event_name)->as_string(), "one");
}

TEST(Flags, NotForwardablePathsCoverInsideAndAround) {
  Flags f;
  f.not_forwardable = {"user_data.sha256_phone_number", "user_data.address.sha256_first_name"};
  EXPECT_FALSE(f.forwardable("user_data.sha256_phone_number"));
  EXPECT_FALSE(f.forwardable("user_data"));          // contains one
  EXPECT_FALSE(f.forwardable("user_data.address"));  // contains one
  EXPECT_FALSE(f.forwardable("user_data.address.sha256_first_name.x"));
  EXPECT_TRUE(f.forwardable("user_data.sha256_email_address"));
  EXPECT_TRUE(f.forwardable("user_data.sha256_phone"));  // a prefix of the name is another name
  EXPECT_TRUE(f.forwardable("page_location"));
  EXPECT_STREQ(to_string(ConsentState::denied), "denied");
}
