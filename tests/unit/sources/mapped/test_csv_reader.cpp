#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "sidetag/sources/mapped/csv_reader.hpp"

using namespace sidetag::sources::mapped;

namespace {

struct Row {
  std::size_t line;
  std::vector<std::string> values;
  std::string error;
  bool operator==(const Row&) const = default;
};

std::vector<Row> read_all(const std::string& text, CsvOptions o = {}, std::string* header_error = nullptr,
                          std::vector<std::string>* header = nullptr) {
  std::istringstream in(text);
  CsvReader r(in, o);
  std::vector<Row> rows;
  while (auto rec = r.next()) rows.push_back({rec->line, rec->values, rec->error});
  if (header_error) *header_error = r.header_error();
  if (header) *header = r.header().names;
  return rows;
}

}  // namespace

TEST(CsvReader, HeaderAndFieldsByName) {
  std::istringstream in("email,value,extra\na@x.de,12.5,zzz\nb@y.de,3,\n");
  CsvReader r(in);
  auto rec = r.next();
  ASSERT_TRUE(rec);
  EXPECT_TRUE(rec->ok());
  EXPECT_EQ(rec->line, 2u);
  EXPECT_EQ(rec->index, 0u);
  EXPECT_EQ(rec->field("email").value(), "a@x.de");
  EXPECT_EQ(rec->field("value").value(), "12.5");
  EXPECT_FALSE(rec->field("nope").has_value());  // unknown column
  rec = r.next();
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->line, 3u);
  EXPECT_EQ(rec->index, 1u);
  EXPECT_EQ(rec->field("extra").value(), "");
  EXPECT_FALSE(r.next());
  EXPECT_EQ(r.header().names, (std::vector<std::string>{"email", "value", "extra"}));
}

TEST(CsvReader, QuotedFieldsWithDelimiterQuotesAndNewlines) {
  auto rows = read_all("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"line1\nline2\nline3\",z\nlast,1\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (Row{2, {"x,y", "say \"hi\""}, ""}));
  EXPECT_EQ(rows[1], (Row{3, {"line1\nline2\nline3", "z"}, ""}));  // line where the record starts
  EXPECT_EQ(rows[2], (Row{6, {"last", "1"}, ""}));                  // after the 3-line record
}

TEST(CsvReader, CrLfAndLoneCrAndNoTrailingNewline) {
  auto crlf = read_all("a,b\r\n1,2\r\n\"q\r\nq\",3\r\n4,5");
  ASSERT_EQ(crlf.size(), 3u);
  EXPECT_EQ(crlf[0], (Row{2, {"1", "2"}, ""}));
  EXPECT_EQ(crlf[1], (Row{3, {"q\r\nq", "3"}, ""}));
  EXPECT_EQ(crlf[2], (Row{5, {"4", "5"}, ""}));
  auto cr = read_all("a,b\r1,2\r3,4\r");
  ASSERT_EQ(cr.size(), 2u);
  EXPECT_EQ(cr[1], (Row{3, {"3", "4"}, ""}));
}

TEST(CsvReader, Utf8BomIsStripped) {
  std::vector<std::string> header;
  for (std::size_t chunk : {1u, 2u, 3u, 4u, 4096u}) {
    CsvOptions o;
    o.chunk_size = chunk;
    auto rows = read_all("\xEF\xBB\xBF" "email,name\nx@y.de,J\xC3\xBCrgen\n", o, nullptr, &header);
    ASSERT_EQ(rows.size(), 1u) << chunk;
    EXPECT_EQ(header[0], "email") << chunk;
    EXPECT_EQ(rows[0].values[1], "J\xC3\xBCrgen");
  }
}

TEST(CsvReader, ConfigurableDelimiter) {
  CsvOptions semi;
  semi.delimiter = ';';
  auto rows = read_all("a;b\n\"1;x\";2,5\n", semi);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].values, (std::vector<std::string>{"1;x", "2,5"}));
  CsvOptions tab;
  tab.delimiter = '\t';
  rows = read_all("a\tb\n1,5\t2\n", tab);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].values, (std::vector<std::string>{"1,5", "2"}));
  std::string err;
  CsvOptions bad;
  bad.delimiter = '"';
  read_all("a\"b\n", bad, &err);
  EXPECT_EQ(err, "invalid delimiter");
}

TEST(CsvReader, RaggedRowsAreErrorsWithLineNumbersOthersPass) {
  auto rows = read_all("a,b,c\n1,2,3\n4,5\n\"multi\nline\",7,8,9\n10,11,12\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_TRUE(rows[0].error.empty());
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_EQ(rows[1].error, "expected 3 fields, got 2");
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_EQ(rows[2].error, "expected 3 fields, got 4");
  EXPECT_EQ(rows[3], (Row{6, {"10", "11", "12"}, ""}));
}

TEST(CsvReader, InvalidUtf8IsReportedPerRow) {
  auto rows = read_all("name,city\nok,K\xC3\xB6ln\nbad,\xC3\x28\nok2,Bonn\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[0].error.empty());
  EXPECT_EQ(rows[1].error, "invalid UTF-8 in column 'city'");
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_TRUE(rows[2].error.empty());
  std::string err;
  read_all("na\xFFme\n1\n", {}, &err);
  EXPECT_EQ(err, "header (line 1): column 1 name is not valid UTF-8");
}

TEST(CsvReader, MalformedQuoting) {
  auto rows = read_all("a,b\n\"x\"y,1\n2,3\n\"open,4\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].error, "unexpected character after closing quote");
  EXPECT_TRUE(rows[1].error.empty());
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_EQ(rows[2].error, "unterminated quoted field at end of input");
  // A stray quote inside an unquoted field is kept literally (real-world exports).
  rows = read_all("a,b\n5\" screen,1\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].values[0], "5\" screen");
  EXPECT_TRUE(rows[0].error.empty());
}

TEST(CsvReader, BlankLinesSkippedButCounted) {
  auto rows = read_all("a\n\n1\n\r\n\n2\n\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (Row{3, {"1"}, ""}));
  EXPECT_EQ(rows[1], (Row{6, {"2"}, ""}));
}

TEST(CsvReader, EmptyInputAndHeaderOnly) {
  std::string err;
  EXPECT_TRUE(read_all("", {}, &err).empty());
  EXPECT_EQ(err, "empty input: no header row");
  EXPECT_TRUE(read_all("a,b\n", {}, &err).empty());
  EXPECT_EQ(err, "");
}

TEST(CsvReader, OversizedRecordIsAnErrorAndReadingContinues) {
  CsvOptions o;
  o.max_record_bytes = 32;
  auto rows = read_all("a,b\n\"" + std::string(100, 'x') + "\",1\nok,2\n", o);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].error, "record exceeds 32 bytes");
  EXPECT_TRUE(rows[0].values.empty());
  EXPECT_EQ(rows[1], (Row{3, {"ok", "2"}, ""}));
}

TEST(CsvReader, ChunkSizeDoesNotChangeTheResult) {
  const std::string text =
      "\xEF\xBB\xBF" "id;name;note\r\n1;\"A;B\";\"x\"\"y\"\r\n2;\"multi\r\nline\";\r\n\r\n3;c\r\n4;\"d\";\"\"\r\n";
  CsvOptions big;
  big.delimiter = ';';
  auto expected = read_all(text, big);
  ASSERT_EQ(expected.size(), 4u);
  EXPECT_EQ(expected[1], (Row{3, {"2", "multi\r\nline", ""}, ""}));
  EXPECT_EQ(expected[2].error, "expected 3 fields, got 2");
  EXPECT_EQ(expected[2].line, 6u);
  for (std::size_t chunk = 1; chunk <= 9; ++chunk) {
    CsvOptions o = big;
    o.chunk_size = chunk;
    EXPECT_EQ(read_all(text, o), expected) << "chunk " << chunk;
  }
}

namespace {

// Generates a large CSV on the fly so the test itself does not hold the file in memory.
class GeneratedCsv : public std::streambuf {
 public:
  explicit GeneratedCsv(std::size_t rows) : rows_(rows) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    buf_.clear();
    if (!header_done_) {
      buf_ = "email,value,date,comment\r\n";
      header_done_ = true;
    }
    while (buf_.size() < 8192 && row_ < rows_) {
      buf_ += "user" + std::to_string(row_) + "@example.com,\"1,234.5\",2026-01-02,\"quoted, \"\"with\"\" stuff\"\r\n";
      ++row_;
    }
    if (buf_.empty()) return traits_type::eof();
    setg(buf_.data(), buf_.data(), buf_.data() + buf_.size());
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::size_t rows_;
  std::size_t row_ = 0;
  bool header_done_ = false;
  std::string buf_;
};

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kUnderAsan = true;
#else
constexpr bool kUnderAsan = false;
#endif
#else
constexpr bool kUnderAsan = false;
#endif

long rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace

TEST(CsvReader, StreamsMillionsOfRowsInConstantMemory) {
  const std::size_t n = kUnderAsan ? 200000 : 1000000;
  GeneratedCsv gen(n);
  std::istream in(&gen);
  CsvReader r(in);
  const long before = rss_kb();
  std::size_t count = 0, bad = 0;
  std::size_t last_line = 0;
  auto t0 = std::chrono::steady_clock::now();
  while (auto rec = r.next()) {
    ++count;
    if (!rec->ok() || rec->field("value").value() != "1,234.5") ++bad;
    last_line = rec->line;
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long after = rss_kb();
  EXPECT_EQ(count, n);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(last_line, n + 1);
  // ASan keeps freed blocks in its quarantine (256 MB by default), so RSS is only meaningful without it.
  if (!kUnderAsan) EXPECT_LT(after - before, 16 * 1024) << "RSS grew by " << (after - before) << " kB";
  std::cout << "[ perf     ] " << n << " rows in " << secs << " s\n";
}
