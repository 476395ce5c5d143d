#pragma once
// Streaming CSV reader (RFC 4180 plus the real-world variants offline exports use).
//
//   CsvReader r(in, opts);
//   while (auto rec = r.next()) { if (!rec->ok()) log(rec->line, rec->error); else use(rec->field("email")); }
//
// - Reads `in` in chunks of opts.chunk_size bytes; memory is bounded by the largest record (capped by
//   opts.max_record_bytes), not by the file, so million-row files stream in constant memory.
// - First record is the header (column names are trimmed). A UTF-8 BOM at the start of the stream is dropped.
// - Quoted fields may contain the delimiter, doubled quotes ("") and line breaks. Records end at "\n", "\r\n"
//   or a lone "\r". Blank lines are skipped.
// - Per-record errors (the record is still returned, with `error` set, and reading continues):
//   ragged rows (field count differs from the header), invalid UTF-8, characters after a closing quote,
//   unterminated quote at end of input, record larger than max_record_bytes.
// - `line` is the 1-based physical line on which the record STARTS (a quoted newline makes a record span lines).
// - Unknown columns are simply never looked up; field("missing") returns std::nullopt.
#include <cstddef>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sidetag::sources::mapped {

struct CsvOptions {
  char delimiter = ',';                      // ',', ';', '\t' or any single byte other than '"', '\r', '\n'
  std::size_t chunk_size = 64 * 1024;        // bytes read from the stream at a time
  std::size_t max_record_bytes = 1 << 20;    // a longer record is reported as an error (its content dropped)
  bool check_utf8 = true;                    // report fields that are not well-formed UTF-8
};

// Column name -> index, shared by all records of one reader.
struct CsvHeader {
  std::vector<std::string> names;
  std::unordered_map<std::string, std::size_t> index;  // first occurrence wins on duplicate names
  std::optional<std::size_t> find(std::string_view name) const;
};

struct CsvRecord {
  std::size_t line = 0;    // 1-based line where the record starts
  std::size_t index = 0;   // 0-based data record number (header excluded; blank lines not counted)
  std::vector<std::string> values;
  std::shared_ptr<const CsvHeader> header;
  std::string error;       // empty when the record is well-formed

  bool ok() const { return error.empty(); }
  // Value of the named column; nullopt when the header has no such column or this (ragged) row lacks it.
  std::optional<std::string_view> field(std::string_view column) const;
};

class CsvReader {
 public:
  CsvReader(std::istream& in, CsvOptions opts = {});

  // Next data record, or nullopt at end of input. The header is read on the first call.
  std::optional<CsvRecord> next();

  // Header (empty before the first next() call or when the input is empty).
  const CsvHeader& header() const { return *header_; }
  // Set when the header itself is unusable (empty input, invalid UTF-8, empty column name, bad delimiter);
  // next() then returns nullopt.
  const std::string& header_error() const { return header_error_; }
  // Number of physical lines consumed so far.
  std::size_t lines_read() const { return line_; }

 private:
  bool fill();
  int peek();
  int get();
  // Parses one raw record into `out`; returns false at end of input. Sets `err` on a malformed record.
  bool read_raw(std::vector<std::string>& out, std::size_t& start_line, std::string& err);
  bool read_header();

  std::istream& in_;
  CsvOptions opts_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  bool started_ = false;
  std::size_t line_ = 1;
  std::size_t next_index_ = 0;
  std::shared_ptr<CsvHeader> header_;
  std::string header_error_;
};

}  // namespace sidetag::sources::mapped
