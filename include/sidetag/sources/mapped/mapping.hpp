#pragma once
// Mapped sources: a declarative spec (filled from YAML by settings.hpp's table, see config/examples/*.yaml) that turns
// records of a CRM / call-tracking webhook or an offline CSV file into sidetag *event data* (pipeline::Event::data).
//
// Per field: an ordered list of sources (JSON pointer for json/ndjson records, column name for csv, or a
// constant); the first one present wins (absent, null, and blank strings count as missing). Then the transforms
// (transforms.hpp) in order, then an optional inline map. The dotted target path ("user_data.address.city")
// creates nested objects.
//
// A record is rejected (accepted=false, reason names location, target field and source) when a required field
// is missing or a transform fails on a field with on_error=reject (the default); a field with on_error=drop is
// left out and a note is recorded instead. A bad record never affects the others.
#include <cstddef>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidetag/sources/mapped/csv_reader.hpp"
#include "sidetag/sources/mapped/json_records.hpp"
#include "sidetag/sources/mapped/signature.hpp"
#include "sidetag/sources/mapped/transforms.hpp"
#include "sidetag/util/clock.hpp"

namespace sidetag::sources::mapped {

enum class SourceFormat { json, ndjson, csv };
const char* to_string(SourceFormat f);
bool parse_source_format(std::string_view text, SourceFormat& out);

// One entry of a field's `from` list, or its `const`.
struct ValueSource {
  enum class Kind { path, constant } kind = Kind::path;
  // json/ndjson: RFC 6901 pointer ("/properties/email", "/items/0/sku"; "" = the record/element itself; a name
  // without a leading '/' means the top-level key). csv: column name (a leading '/' is ignored).
  std::string path;
  nlohmann::json value;  // Kind::constant

  static ValueSource at(std::string path_or_column);
  static ValueSource constant(nlohmann::json v);
};

struct FieldSpec {
  std::string target;                   // dotted event-data key, e.g. "user_data.email_address"
  std::vector<ValueSource> from;        // fallbacks, tried in order
  std::vector<std::string> transforms;  // e.g. {"trim", "lowercase"}, {"date:%d.%m.%Y:Europe/Berlin"}
  std::map<std::string, std::string> map;  // inline lookup table applied after the transforms ("*" = default)
  bool required = false;                // event_name and event_time are always required
  enum class OnError { reject, drop } on_error = OnError::reject;
  // Array target (e.g. items): `from` selects an array (json) and every element is mapped with these sub-fields,
  // whose paths are relative to the element; with csv (or no `from`) the record itself yields one element.
  std::vector<FieldSpec> each;
  int line = 0;                         // YAML line, for messages (0 = unknown)
};

// event_id built from record fields so that redeliveries of the same record yield the same id.
struct EventIdSpec {
  // Either: values of these sources joined with "|" -> sha256 -> first `length` hex chars ...
  std::vector<std::string> from;
  // ... or: a template with {<pointer or column>} placeholders, e.g. "{/id}-{/properties/dealstage}".
  std::string templ;
  std::size_t length = 32;
  bool enabled() const { return !from.empty() || !templ.empty(); }
};

struct MappingSpec {
  std::string name;                  // source name (trace context, metrics)
  std::string path;                  // HTTP path for webhooks (the io layer routes it)
  std::string site;                  // site id
  SourceFormat format = SourceFormat::json;
  std::string records;               // json: pointer to the array of records ("" or "/" = body)
  char delimiter = ',';              // csv
  std::size_t max_depth = 64;        // json/ndjson nesting limit
  AuthSpec auth;
  std::string action_source;         // constant action_source (unless a field targets action_source)
  std::optional<FieldSpec> event_name;  // target "event_name"
  EventIdSpec event_id;
  std::vector<FieldSpec> fields;
  MapTables maps;                    // named tables for the map:<name> transform
};

struct RecordResult {
  std::size_t index = 0;     // 0-based record number in the batch / file
  std::size_t line = 0;      // csv and ndjson: 1-based line where the record starts; json: 0
  bool accepted = false;
  std::string reason;        // why the record was rejected, e.g. "line 4: field 'event_time' from column ..."
  nlohmann::json event_data; // accepted records: the event data (object)
  std::vector<std::string> notes;  // dropped optional fields and similar
};

struct BatchResult {
  bool ok = false;           // false: the body as a whole was unusable (see error); records is empty then
  std::string error;
  std::vector<RecordResult> records;
  std::size_t accepted() const;
};

class Mapper {
 public:
  // Validates the spec (transforms, pointers, map tables, target conflicts, required keys). On failure returns
  // nullopt and appends one message per problem to `errors`. `clock` supplies event_time when a spec has no
  // event_time mapping (webhooks: time of receipt); defaults to the system clock.
  static std::optional<Mapper> compile(const MappingSpec& spec, std::vector<std::string>& errors,
                                       util::WallClock clock = {});

  // One JSON record (an object). `line` is the NDJSON line (0 for json bodies).
  RecordResult map_json(const nlohmann::json& record, std::size_t index, std::size_t line = 0) const;
  // One CSV record (a record with a reader error is rejected with that error).
  RecordResult map_csv(const CsvRecord& record) const;
  // A whole webhook body in the spec's json/ndjson format.
  BatchResult map_body(std::string_view body) const;
  // Problems of a CSV header for this spec: a required field (event_name, event_time, required: true) or an
  // event_id part none of whose columns exist (and that has no constant fallback). Empty when usable.
  std::vector<std::string> missing_csv_columns(const CsvHeader& header) const;
  // Streams a CSV file: `sink` gets every record's result in order. Returns "" or the header error (unreadable
  // header, or missing_csv_columns() joined with "; "), in which case no record is mapped.
  std::string map_csv_stream(std::istream& in, const std::function<void(RecordResult&&)>& sink,
                             std::size_t chunk_size = 64 * 1024) const;

  const MappingSpec& spec() const { return spec_; }

  struct Source;
  struct Field;
  struct Impl;

 private:
  Mapper() = default;
  MappingSpec spec_;
  std::shared_ptr<const Impl> impl_;
};

// Sets `value` at the dotted `path` in `obj`, creating objects as needed (an existing non-object on the way is
// replaced by an object).
void set_dotted(nlohmann::json& obj, std::string_view path, nlohmann::json value);

}  // namespace sidetag::sources::mapped
