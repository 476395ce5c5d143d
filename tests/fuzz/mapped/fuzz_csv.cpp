// Fuzzes the streaming CSV reader and the CSV mapping path.
// Byte 0 picks the delimiter and chunk size, the rest is the file. Checks invariants that must hold for any input:
// records come in order with non-decreasing start lines, every accepted record has the mapped keys, and the
// same input gives the same records whatever the chunk size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "sidetag/sources/mapped/csv_reader.hpp"
#include "sidetag/sources/mapped/mapping.hpp"

using namespace sidetag::sources::mapped;

namespace {

const Mapper& mapper(char delimiter) {
  static std::vector<Mapper> mappers = [] {
    std::vector<Mapper> out;
    for (char d : {',', ';', '\t'}) {
      MappingSpec s;
      s.format = SourceFormat::csv;
      s.delimiter = d;
      s.action_source = "physical_store";
      FieldSpec en;
      en.target = "event_name";
      en.from = {ValueSource::at("event"), ValueSource::constant("Purchase")};
      en.map = {{"sale", "Purchase"}, {"*", "Lead"}};
      s.event_name = en;
      s.event_id.from = {"id"};
      FieldSpec t;
      t.target = "event_time";
      t.from = {ValueSource::at("date")};
      t.transforms = {"date:%d.%m.%Y %H:%M:+01:00"};
      FieldSpec v;
      v.target = "value";
      v.from = {ValueSource::at("total")};
      v.transforms = {"number"};
      v.on_error = FieldSpec::OnError::drop;
      FieldSpec e;
      e.target = "user_data.email_address";
      e.from = {ValueSource::at("email")};
      e.transforms = {"trim", "lowercase", "split:@:0"};
      e.on_error = FieldSpec::OnError::drop;
      s.fields = {t, v, e};
      std::vector<std::string> errors;
      out.push_back(*Mapper::compile(s, errors, [] { return std::int64_t{1800000000}; }));
    }
    return out;
  }();
  return mappers[delimiter == ',' ? 0 : delimiter == ';' ? 1 : 2];
}

struct Row {
  std::size_t line;
  std::vector<std::string> values;
  std::string error;
  bool operator==(const Row&) const = default;
};

std::vector<Row> read(const std::string& text, CsvOptions o) {
  std::istringstream in(text);
  CsvReader r(in, o);
  std::vector<Row> rows;
  std::size_t last_line = 0;
  while (auto rec = r.next()) {
    if (rec->line < last_line || rec->line == 0) std::abort();
    if (rec->line == 1) std::abort();  // line 1 is always the header
    last_line = rec->line;
    if (rec->ok() && rec->values.size() != r.header().names.size()) std::abort();
    rows.push_back({rec->line, std::move(rec->values), std::move(rec->error)});
  }
  return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const char delims[] = {',', ';', '\t'};
  const char d = delims[data[0] % 3];
  const std::size_t chunk = 1 + (data[0] >> 2) % 17;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);

  CsvOptions big;
  big.delimiter = d;
  big.max_record_bytes = 4096;
  CsvOptions small = big;
  small.chunk_size = chunk;
  if (read(text, big) != read(text, small)) std::abort();

  std::istringstream in(text);
  mapper(d).map_csv_stream(
      in,
      [](RecordResult&& r) {
        if (r.accepted) {
          if (!r.event_data.is_object() || !r.event_data.contains("event_name") ||
              !r.event_data["event_time"].is_number_integer() || !r.event_data.contains("event_id")) {
            std::abort();
          }
          (void)r.event_data.dump();
        } else if (r.reason.empty()) {
          std::abort();
        }
      },
      chunk);
  return 0;
}
