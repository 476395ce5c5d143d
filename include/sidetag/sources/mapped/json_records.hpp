#pragma once
// Splits a webhook body into records.
//
// format json:   the body is one JSON document. `records_pointer` (RFC 6901; "" or "/" = the whole document)
//                selects either an array of objects (one record per element) or a single object (one record).
// format ndjson: one JSON object per line (blank lines skipped); every line is parsed on its own, so a bad line
//                is a bad record and the others still pass.
//
// Never throws. Body-level problems (not JSON, invalid UTF-8, nesting deeper than max_depth, pointer missing or
// not an array/object) make `ok` false with `error` set; per-record problems (an element that is not an
// object, a bad NDJSON line) are reported on that record only.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidetag::sources::mapped {

enum class JsonFormat { json, ndjson };

struct JsonRecordsOptions {
  std::string records_pointer;        // "" or "/" = document root
  std::size_t max_depth = 64;         // maximum nesting of arrays/objects
  std::size_t max_records = 100000;   // more records than this is a body-level error
};

struct JsonRecord {
  std::size_t index = 0;  // 0-based position in the batch
  std::size_t line = 0;   // ndjson: 1-based line; json: 0
  nlohmann::json value;   // the record object (null when error is set)
  std::string error;      // empty when the record is usable
  bool ok() const { return error.empty(); }
};

struct JsonRecords {
  bool ok = false;
  std::string error;
  std::vector<JsonRecord> records;
};

JsonRecords extract_json_records(std::string_view body, JsonFormat format, const JsonRecordsOptions& opts = {});

// Parses one JSON document without throwing: checks UTF-8 and nesting depth first. On failure returns false
// and sets `error` ("invalid UTF-8", "nesting deeper than 64", "syntax error at byte 12: ...").
bool parse_json_limited(std::string_view text, std::size_t max_depth, nlohmann::json& out, std::string& error);


// Compiles an RFC 6901 pointer ("" and "/" both mean the root) without throwing.
bool compile_json_pointer(std::string_view text, nlohmann::json::json_pointer& out, std::string& error);

// Looks up `ptr` in `doc` without throwing; nullptr when absent (also when an array index is out of range or
// the path crosses a non-container).
const nlohmann::json* find_pointer(const nlohmann::json& doc, const nlohmann::json::json_pointer& ptr);

}  // namespace sidetag::sources::mapped
