#include <gtest/gtest.h>

#include "sidetag/util/strings.hpp"

#include <string>

#include "sidetag/sources/mapped/json_records.hpp"

using namespace sidetag::sources::mapped;
using nlohmann::json;

namespace {
std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }
}  // namespace

TEST(JsonRecords, SingleObjectIsOneRecord) {
  auto r = extract_json_records(R"({"id": 1, "email": "a@b.de"})", JsonFormat::json);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_TRUE(r.records[0].ok());
  EXPECT_EQ(r.records[0].value["id"], 1);
  EXPECT_EQ(r.records[0].line, 0u);
}

TEST(JsonRecords, ArrayOfObjectsAtRootWithSlashOrEmptyPointer) {
  for (const char* ptr : {"", "/"}) {
    JsonRecordsOptions o;
    o.records_pointer = ptr;
    auto r = extract_json_records(R"([{"id":1},{"id":2},{"id":3}])", JsonFormat::json, o);
    ASSERT_TRUE(r.ok) << r.error;
    ASSERT_EQ(r.records.size(), 3u);
    EXPECT_EQ(r.records[2].value["id"], 3);
    EXPECT_EQ(r.records[2].index, 2u);
  }
}

TEST(JsonRecords, RecordsPointerSelectsNestedArray) {
  JsonRecordsOptions o;
  o.records_pointer = "/data/contacts";
  auto r = extract_json_records(R"({"data":{"contacts":[{"id":"a"},{"id":"b"}]},"meta":{}})", JsonFormat::json, o);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].value["id"], "b");
}

TEST(JsonRecords, WrongTypesAreReportedClearly) {
  JsonRecordsOptions o;
  o.records_pointer = "/contacts";
  auto r = extract_json_records(R"({"contacts": "nope"})", JsonFormat::json, o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "records pointer '/contacts' selects a string, expected an array of objects or an object");
  r = extract_json_records(R"({"other": []})", JsonFormat::json, o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "records pointer '/contacts' not found in body");
  // Elements that are not objects: only those records fail.
  r = extract_json_records(R"([{"id":1}, 42, "x", {"id":2}, null])", JsonFormat::json);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.records.size(), 5u);
  EXPECT_TRUE(r.records[0].ok());
  EXPECT_EQ(r.records[1].error, "expected a JSON object, got number");
  EXPECT_EQ(r.records[2].error, "expected a JSON object, got string");
  EXPECT_TRUE(r.records[3].ok());
  EXPECT_EQ(r.records[4].error, "expected a JSON object, got null");
  r = extract_json_records("42", JsonFormat::json);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("selects a number"), std::string::npos) << r.error;
  o.records_pointer = "contacts";
  r = extract_json_records("{}", JsonFormat::json, o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "JSON pointer must start with '/': 'contacts'");
}

TEST(JsonRecords, DeepNestingIsRejected) {
  std::string err;
  json out;
  EXPECT_TRUE(parse_json_limited(nested(64), 64, out, err)) << err;
  EXPECT_FALSE(parse_json_limited(nested(65), 64, out, err));
  EXPECT_EQ(err, "nesting deeper than 64");
  auto r = extract_json_records(R"({"a":)" + nested(100000) + "}", JsonFormat::json);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "nesting deeper than 64");
  // Brackets inside strings do not count, escaped quotes do not end strings.
  const std::string tricky = R"({"s": "[[[[[[[[[[[[[[[[[[[[\"[[[[[[[[[["})";
  EXPECT_EQ(sidetag::util::json_nesting_depth(tricky, 64), 1u);
  EXPECT_TRUE(parse_json_limited(tricky, 2, out, err)) << err;
}

TEST(JsonRecords, InvalidUtf8AndSyntaxErrors) {
  auto r = extract_json_records("{\"name\": \"\xC3\x28\"}", JsonFormat::json);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "invalid UTF-8");
  r = extract_json_records(R"({"a": 1,})", JsonFormat::json);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("invalid JSON: parse error at line 1, column 9", 0), 0u) << r.error;
  r = extract_json_records("   ", JsonFormat::json);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "empty body");
}

TEST(JsonRecords, NdjsonBadLineOnlyFailsThatRecord) {
  const std::string body =
      "{\"id\":1}\n"
      "\n"
      "{\"id\":2, oops}\r\n"
      "[1,2]\n"
      "{\"id\":\"\xFF\"}\n"
      "{\"id\":3}\r\n" +
      nested(70) + "\n";
  auto r = extract_json_records(body, JsonFormat::ndjson);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.records.size(), 6u);
  EXPECT_EQ(r.records[0].line, 1u);
  EXPECT_TRUE(r.records[0].ok());
  EXPECT_EQ(r.records[1].line, 3u);
  EXPECT_EQ(r.records[1].error.rfind("invalid JSON", 0), 0u) << r.records[1].error;
  EXPECT_EQ(r.records[2].line, 4u);
  EXPECT_EQ(r.records[2].error, "expected a JSON object, got array");
  EXPECT_EQ(r.records[3].error, "invalid UTF-8");
  EXPECT_EQ(r.records[4].line, 6u);
  EXPECT_EQ(r.records[4].value["id"], 3);
  EXPECT_EQ(r.records[5].error, "nesting deeper than 64");
  EXPECT_FALSE(extract_json_records("\n\n", JsonFormat::ndjson).ok);
}

TEST(JsonRecords, MaxRecordsLimit) {
  JsonRecordsOptions o;
  o.max_records = 2;
  auto r = extract_json_records("[{},{},{}]", JsonFormat::json, o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "more than 2 records");
  r = extract_json_records("{}\n{}\n{}\n", JsonFormat::ndjson, o);
  EXPECT_FALSE(r.ok);
}

TEST(JsonRecords, FindPointerNeverThrows) {
  const json doc = json::parse(R"({"items":[{"sku":"A"},{"sku":"B"}],"a/b":{"~x":1},"s":"str"})");
  json::json_pointer p;
  std::string err;
  auto at = [&](const char* text) -> const json* {
    EXPECT_TRUE(compile_json_pointer(text, p, err)) << text;
    return find_pointer(doc, p);
  };
  ASSERT_TRUE(at("/items/1/sku"));
  EXPECT_EQ(*at("/items/1/sku"), "B");
  EXPECT_EQ(*at("/a~1b/~0x"), 1);
  EXPECT_EQ(at("/items/2/sku"), nullptr);
  EXPECT_EQ(at("/items/-"), nullptr);
  EXPECT_EQ(at("/items/01"), nullptr);
  EXPECT_EQ(at("/items/x"), nullptr);
  EXPECT_EQ(at("/s/0"), nullptr);
  EXPECT_EQ(at("/items/99999999999999999999"), nullptr);
  EXPECT_EQ(at(""), &doc);
  EXPECT_FALSE(compile_json_pointer("/bad~2escape", p, err));
  EXPECT_EQ(err, "invalid JSON pointer '/bad~2escape'");
}
