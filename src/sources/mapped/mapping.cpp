#include "sidetag/sources/mapped/mapping.hpp"

#include <cmath>
#include <set>
#include <sstream>

#include "sidetag/util/crypto.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::mapped {

using nlohmann::json;

const char* to_string(SourceFormat f) {
  switch (f) {
    case SourceFormat::json: return "json";
    case SourceFormat::ndjson: return "ndjson";
    case SourceFormat::csv: return "csv";
  }
  return "?";
}

bool parse_source_format(std::string_view text, SourceFormat& out) {
  for (SourceFormat f : {SourceFormat::json, SourceFormat::ndjson, SourceFormat::csv}) {
    if (text == to_string(f)) {
      out = f;
      return true;
    }
  }
  return false;
}

ValueSource ValueSource::at(std::string p) {
  ValueSource s;
  s.kind = Kind::path;
  s.path = std::move(p);
  return s;
}

ValueSource ValueSource::constant(json v) {
  ValueSource s;
  s.kind = Kind::constant;
  s.value = std::move(v);
  return s;
}

std::size_t BatchResult::accepted() const {
  std::size_t n = 0;
  for (const auto& r : records) n += r.accepted ? 1 : 0;
  return n;
}

void set_dotted(json& obj, std::string_view path, json value) {
  json* cur = &obj;
  for (;;) {
    if (!cur->is_object()) *cur = json::object();
    auto dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (dot == std::string_view::npos) {
      (*cur)[key] = std::move(value);
      return;
    }
    cur = &(*cur)[key];
    path.remove_prefix(dot + 1);
  }
}

// ---------------------------------------------------------------------------------------------------------------

struct Mapper::Source {
  ValueSource::Kind kind = ValueSource::Kind::path;
  std::string text;            // as configured
  json::json_pointer pointer;  // json formats
  std::string column;          // csv
  json value;                  // constant
};

struct Mapper::Field {
  std::string target;
  std::vector<Source> sources;
  std::vector<Transform> transforms;
  bool required = false;
  FieldSpec::OnError on_error = FieldSpec::OnError::reject;
  bool has_each = false;
  std::vector<Field> each;
};

struct Mapper::Impl {
  SourceFormat format = SourceFormat::json;
  std::vector<Field> fields;
  bool has_event_time = false;
  bool has_action_source_field = false;
  std::vector<Source> id_sources;                           // event_id from
  std::vector<std::pair<std::string, std::optional<Source>>> id_template;  // literal text or placeholder
  std::size_t id_length = 32;
  MapTables maps;
  util::WallClock clock;
};

namespace {

using Source = Mapper::Source;
using Field = Mapper::Field;

std::string where(int line) { return line > 0 ? " (line " + std::to_string(line) + ")" : ""; }

std::string json_key_pointer(std::string_view name) {
  std::string p = "/";
  for (char c : name) {
    if (c == '~') {
      p += "~0";
    } else if (c == '/') {
      p += "~1";
    } else {
      p += c;
    }
  }
  return p;
}

bool compile_source(const ValueSource& vs, SourceFormat fmt, Source& out, std::string& error) {
  out.kind = vs.kind;
  if (vs.kind == ValueSource::Kind::constant) {
    out.value = vs.value;
    out.text = "constant";
    return true;
  }
  out.text = vs.path;
  if (fmt == SourceFormat::csv) {
    out.column = !vs.path.empty() && vs.path[0] == '/' ? vs.path.substr(1) : vs.path;
    if (out.column.empty()) {
      error = "empty column name";
      return false;
    }
    return true;
  }
  std::string p = vs.path.empty() || vs.path[0] == '/' ? vs.path : json_key_pointer(vs.path);
  if (p == "/") p.clear();  // "/" is the record itself, like "" (consistent with `records: /`)
  return compile_json_pointer(p, out.pointer, error);
}

std::string describe(const Source& s, SourceFormat fmt) {
  if (s.kind == ValueSource::Kind::constant) return "constant";
  if (fmt == SourceFormat::csv) return "column '" + s.column + "'";
  return "'" + s.text + "'";
}

bool valid_target(std::string_view t) {
  if (t.empty() || t.front() == '.' || t.back() == '.' || t.find("..") != std::string_view::npos) return false;
  return true;
}

bool compile_field(const FieldSpec& fs, SourceFormat fmt, MapTables& maps, const std::string& ctx, Field& out,
                   std::vector<std::string>& errors) {
  bool ok = true;
  const std::string name = ctx + fs.target;
  out.target = fs.target;
  out.required = fs.required;
  out.on_error = fs.on_error;
  if (!valid_target(fs.target)) {
    errors.push_back("field '" + name + "'" + where(fs.line) + ": invalid target path");
    ok = false;
  }
  if (fs.from.empty() && fs.each.empty()) {
    errors.push_back("field '" + name + "'" + where(fs.line) + ": needs `from` or `const`");
    ok = false;
  }
  for (const auto& vs : fs.from) {
    Source s;
    std::string err;
    if (!compile_source(vs, fmt, s, err)) {
      errors.push_back("field '" + name + "'" + where(fs.line) + ": " + err);
      ok = false;
      continue;
    }
    out.sources.push_back(std::move(s));
  }
  for (const auto& text : fs.transforms) {
    std::string err;
    auto t = parse_transform(text, err);
    if (!t) {
      errors.push_back("field '" + name + "'" + where(fs.line) + ": " + err);
      ok = false;
      continue;
    }
    if (t->kind == Transform::Kind::map && !maps.count(t->text)) {
      errors.push_back("field '" + name + "'" + where(fs.line) + ": map table '" + t->text + "' is not defined");
      ok = false;
    }
    out.transforms.push_back(std::move(*t));
  }
  if (!fs.map.empty()) {
    const std::string table = "field:" + name;
    maps[table] = fs.map;
    Transform t;
    t.kind = Transform::Kind::map;
    t.text = table;
    t.spec = "map";
    out.transforms.push_back(std::move(t));
  }
  if (!fs.each.empty()) {
    out.has_each = true;
    std::set<std::string> seen;
    for (const auto& sub : fs.each) {
      if (!seen.insert(sub.target).second) {
        errors.push_back("field '" + name + "." + sub.target + "'" + where(sub.line) + ": mapped twice");
        ok = false;
      }
      Field f;
      ok = compile_field(sub, fmt, maps, name + "[].", f, errors) && ok;
      out.each.push_back(std::move(f));
    }
  }
  return ok;
}

// Record access: a JSON value (record or array element) or a CSV record.
struct View {
  const json* obj = nullptr;
  const CsvRecord* csv = nullptr;

  std::optional<json> get(const Source& s) const {
    if (s.kind == ValueSource::Kind::constant) return s.value;
    if (csv) {
      auto v = csv->field(s.column);
      if (!v) return std::nullopt;
      return json(std::string(*v));
    }
    if (!obj) return std::nullopt;
    const json* p = find_pointer(*obj, s.pointer);
    if (!p) return std::nullopt;
    return *p;
  }
};

bool is_missing(const json& v) {
  if (v.is_null()) return true;
  if (v.is_string()) return util::trim(v.get_ref<const std::string&>()).empty();
  return false;
}

enum class FieldOutcome { set, absent, rejected };

FieldOutcome eval_field(const Field& f, const View& view, SourceFormat fmt, const MapTables& maps,
                        const std::string& ctx, json& out_value, std::string& reason,
                        std::vector<std::string>& notes);

FieldOutcome eval_each(const Field& f, const View& view, SourceFormat fmt, const MapTables& maps,
                       const std::string& name, json& out_value, std::string& reason,
                       std::vector<std::string>& notes) {
  std::vector<View> elements;
  json holder;  // keeps a copied array alive
  const Source* used = nullptr;
  if (f.sources.empty() || fmt == SourceFormat::csv) {
    elements.push_back(view);
  } else {
    for (const auto& s : f.sources) {
      if (s.kind == ValueSource::Kind::constant) {
        holder = s.value;
      } else {
        const json* p = view.obj ? find_pointer(*view.obj, s.pointer) : nullptr;
        if (!p || p->is_null()) continue;
        if (!p->is_array()) {
          reason = "field '" + name + "' from " + describe(s, fmt) + ": expected an array, got " + p->type_name();
          return f.on_error == FieldSpec::OnError::drop ? (notes.push_back(reason), FieldOutcome::absent)
                                                        : FieldOutcome::rejected;
        }
        used = &s;
        for (const auto& el : *p) elements.push_back(View{&el, nullptr});
        break;
      }
      if (holder.is_array()) {
        for (const auto& el : holder) elements.push_back(View{&el, nullptr});
        break;
      }
    }
    (void)used;
  }
  if (elements.empty()) {
    if (f.required) {
      reason = "field '" + name + "': no value (required)";
      return FieldOutcome::rejected;
    }
    return FieldOutcome::absent;
  }
  json arr = json::array();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    json item = json::object();
    const std::string ictx = name + "[" + std::to_string(i) + "].";
    for (const auto& sub : f.each) {
      json v;
      auto o = eval_field(sub, elements[i], fmt, maps, ictx, v, reason, notes);
      if (o == FieldOutcome::rejected) return FieldOutcome::rejected;
      if (o == FieldOutcome::set) set_dotted(item, sub.target, std::move(v));
    }
    if (!item.empty()) arr.push_back(std::move(item));
  }
  if (arr.empty()) return FieldOutcome::absent;
  out_value = std::move(arr);
  return FieldOutcome::set;
}

FieldOutcome eval_field(const Field& f, const View& view, SourceFormat fmt, const MapTables& maps,
                        const std::string& ctx, json& out_value, std::string& reason,
                        std::vector<std::string>& notes) {
  const std::string name = ctx + f.target;
  if (f.has_each) return eval_each(f, view, fmt, maps, name, out_value, reason, notes);
  const Source* chosen = nullptr;
  json v;
  for (const auto& s : f.sources) {
    auto got = view.get(s);
    if (got && !is_missing(*got)) {
      v = std::move(*got);
      chosen = &s;
      break;
    }
  }
  if (!chosen) {
    if (!f.required) return FieldOutcome::absent;
    std::string tried;
    for (const auto& s : f.sources) tried += (tried.empty() ? "" : ", ") + describe(s, fmt);
    reason = "field '" + name + "': no value (required; tried " + tried + ")";
    return FieldOutcome::rejected;
  }
  for (const auto& t : f.transforms) {
    std::string err;
    if (!apply_transform(t, v, maps, err)) {
      std::string msg = "field '" + name + "' from " + describe(*chosen, fmt) + ": " + err;
      if (f.on_error == FieldSpec::OnError::drop && !f.required) {
        notes.push_back(msg + " (dropped)");
        return FieldOutcome::absent;
      }
      reason = std::move(msg);
      return FieldOutcome::rejected;
    }
  }
  out_value = std::move(v);
  return FieldOutcome::set;
}

std::string location(std::size_t index, std::size_t line) {
  return line > 0 ? "line " + std::to_string(line) : "record " + std::to_string(index);
}

RecordResult map_view(const Mapper::Impl& im, const MappingSpec& spec, const View& view, std::size_t index,
                      std::size_t line) {
  RecordResult r;
  r.index = index;
  r.line = line;
  const std::string loc = location(index, line);
  json data = json::object();
  for (const auto& f : im.fields) {
    json v;
    std::string reason;
    auto o = eval_field(f, view, im.format, im.maps, "", v, reason, r.notes);
    if (o == FieldOutcome::rejected) {
      r.reason = loc + ": " + reason;
      return r;
    }
    if (o != FieldOutcome::set) continue;
    if (f.target == "event_time") {
      if (v.is_number_float()) v = static_cast<std::int64_t>(std::floor(v.get<double>()));
      if (!v.is_number_integer()) {
        r.reason = loc + ": field 'event_time': expected Unix seconds (an integer), got " +
                   (v.is_string() ? "'" + v.get<std::string>() + "'" : std::string(v.type_name())) +
                   " (add a date:<format> transform)";
        return r;
      }
    } else if (f.target == "event_name" && !v.is_string()) {
      auto s = scalar_text(v);
      if (!s) {
        r.reason = loc + ": field 'event_name': expected a string, got " + v.type_name();
        return r;
      }
      v = *s;
    }
    set_dotted(data, f.target, std::move(v));
  }
  if (!im.has_action_source_field && !spec.action_source.empty()) data["action_source"] = spec.action_source;
  if (!im.has_event_time) data["event_time"] = im.clock ? im.clock() : util::system_clock_seconds()();
  // event_id
  auto id_value = [&](const Source& s, std::string& out) -> bool {
    auto got = view.get(s);
    std::optional<std::string> text;
    if (got && !is_missing(*got)) text = scalar_text(*got);
    if (!text) {
      r.reason = loc + ": event_id: no value at " + describe(s, im.format);
      return false;
    }
    out = std::move(*text);
    return true;
  };
  if (!im.id_sources.empty()) {
    std::string joined;
    for (std::size_t i = 0; i < im.id_sources.size(); ++i) {
      std::string part;
      if (!id_value(im.id_sources[i], part)) return r;
      if (i) joined += '|';
      joined += part;
    }
    data["event_id"] = util::sha256_hex(joined).substr(0, im.id_length);
  } else if (!im.id_template.empty()) {
    std::string id;
    for (const auto& [lit, src] : im.id_template) {
      if (!src) {
        id += lit;
        continue;
      }
      std::string part;
      if (!id_value(*src, part)) return r;
      id += part;
    }
    data["event_id"] = std::move(id);
  }
  r.accepted = true;
  r.event_data = std::move(data);
  return r;
}

}  // namespace

std::optional<Mapper> Mapper::compile(const MappingSpec& spec, std::vector<std::string>& errors,
                                      util::WallClock clock) {
  const std::size_t errors_before = errors.size();
  auto impl = std::make_shared<Impl>();
  impl->format = spec.format;
  impl->maps = spec.maps;
  impl->clock = clock ? std::move(clock) : util::system_clock_seconds();
  impl->id_length = spec.event_id.length;

  std::vector<FieldSpec> all;
  if (spec.event_name) {
    FieldSpec en = *spec.event_name;
    en.target = "event_name";
    all.push_back(std::move(en));
  }
  for (const auto& f : spec.fields) all.push_back(f);

  std::set<std::string> targets;
  for (auto& fs : all) {
    if (fs.target == "event_name" || fs.target == "event_time") fs.required = true;
    if (!targets.insert(fs.target).second) {
      errors.push_back("field '" + fs.target + "'" + where(fs.line) + ": mapped twice");
    }
    Field f;
    compile_field(fs, spec.format, impl->maps, "", f, errors);
    if (f.target == "event_time") impl->has_event_time = true;
    if (f.target == "action_source") impl->has_action_source_field = true;
    impl->fields.push_back(std::move(f));
  }
  // A target that is a prefix of another ("user_data" and "user_data.email_address") would clobber it.
  for (const auto& a : targets) {
    for (const auto& b : targets) {
      if (a != b && b.size() > a.size() && b.compare(0, a.size(), a) == 0 && b[a.size()] == '.') {
        errors.push_back("fields '" + a + "' and '" + b + "' conflict: '" + a + "' would replace the object");
      }
    }
  }
  if (!targets.count("event_name")) errors.push_back("event_name: no mapping (set event_name)");
  if (!spec.action_source.empty()) {
    static const std::set<std::string> kActionSources = {"email", "website", "app", "phone_call", "chat",
                                                         "physical_store", "system_generated",
                                                         "business_messaging", "other"};
    if (!kActionSources.count(spec.action_source)) {
      errors.push_back("action_source: '" + spec.action_source +
                       "' is not one of email, website, app, phone_call, chat, physical_store, system_generated, "
                       "business_messaging, other");
    }
  }
  if (spec.action_source.empty() && !impl->has_action_source_field) {
    errors.push_back("action_source: not set (e.g. system_generated, physical_store, phone_call, website)");
  }
  if (spec.event_id.enabled()) {
    if (targets.count("event_id")) errors.push_back("event_id: set both as event_id and as a field");
    if (!spec.event_id.from.empty() && !spec.event_id.templ.empty()) {
      errors.push_back("event_id: use either `from` or `template`, not both");
    }
    if (spec.event_id.length < 8 || spec.event_id.length > 64) errors.push_back("event_id: length must be 8..64");
    for (const auto& p : spec.event_id.from) {
      Source s;
      std::string err;
      if (!compile_source(ValueSource::at(p), spec.format, s, err)) {
        errors.push_back("event_id: " + err);
      } else {
        impl->id_sources.push_back(std::move(s));
      }
    }
    const std::string& t = spec.event_id.templ;
    std::size_t i = 0;
    while (i < t.size()) {
      auto open = t.find('{', i);
      if (open == std::string::npos) {
        impl->id_template.emplace_back(t.substr(i), std::nullopt);
        break;
      }
      if (open > i) impl->id_template.emplace_back(t.substr(i, open - i), std::nullopt);
      auto close = t.find('}', open);
      if (close == std::string::npos) {
        errors.push_back("event_id: template has '{' without '}'");
        break;
      }
      Source s;
      std::string err;
      if (!compile_source(ValueSource::at(t.substr(open + 1, close - open - 1)), spec.format, s, err)) {
        errors.push_back("event_id: template: " + err);
      } else {
        impl->id_template.emplace_back(std::string(), std::move(s));
      }
      i = close + 1;
    }
    if (!t.empty()) {
      bool any = false;
      for (const auto& part : impl->id_template) any |= part.second.has_value();
      if (!any) errors.push_back("event_id: template has no {field} placeholder (every event would share one id)");
    }
  }
  if (spec.format == SourceFormat::csv) {
    const char d = spec.delimiter;
    if (d == '"' || d == '\r' || d == '\n' || d == '\0') errors.push_back("delimiter: invalid");
  }
  if (errors.size() != errors_before) return std::nullopt;
  Mapper m;
  m.spec_ = spec;
  m.impl_ = std::move(impl);
  return m;
}

RecordResult Mapper::map_json(const json& record, std::size_t index, std::size_t line) const {
  try {
    if (!record.is_object()) {
      RecordResult r;
      r.index = index;
      r.line = line;
      r.reason = location(index, line) + ": expected a JSON object, got " + record.type_name();
      return r;
    }
    return map_view(*impl_, spec_, View{&record, nullptr}, index, line);
  } catch (const std::exception& e) {
    RecordResult r;
    r.index = index;
    r.line = line;
    r.reason = location(index, line) + ": internal error: " + e.what();
    return r;
  }
}

RecordResult Mapper::map_csv(const CsvRecord& record) const {
  if (!record.ok()) {
    RecordResult r;
    r.index = record.index;
    r.line = record.line;
    r.reason = "line " + std::to_string(record.line) + ": " + record.error;
    return r;
  }
  try {
    return map_view(*impl_, spec_, View{nullptr, &record}, record.index, record.line);
  } catch (const std::exception& e) {
    RecordResult r;
    r.index = record.index;
    r.line = record.line;
    r.reason = "line " + std::to_string(record.line) + ": internal error: " + e.what();
    return r;
  }
}

BatchResult Mapper::map_body(std::string_view body) const {
  BatchResult b;
  if (spec_.format == SourceFormat::csv) {
    std::istringstream in{std::string(body)};
    b.error = map_csv_stream(in, [&](RecordResult&& r) { b.records.push_back(std::move(r)); });
    b.ok = b.error.empty();
    if (!b.ok) b.records.clear();
    return b;
  }
  JsonRecordsOptions o;
  o.records_pointer = spec_.records;
  o.max_depth = spec_.max_depth;
  auto recs = extract_json_records(
      body, spec_.format == SourceFormat::ndjson ? JsonFormat::ndjson : JsonFormat::json, o);
  if (!recs.ok) {
    b.error = recs.error;
    return b;
  }
  b.ok = true;
  b.records.reserve(recs.records.size());
  for (const auto& rec : recs.records) {
    if (!rec.ok()) {
      RecordResult r;
      r.index = rec.index;
      r.line = rec.line;
      r.reason = location(rec.index, rec.line) + ": " + rec.error;
      b.records.push_back(std::move(r));
      continue;
    }
    b.records.push_back(map_json(rec.value, rec.index, rec.line));
  }
  return b;
}

std::vector<std::string> Mapper::missing_csv_columns(const CsvHeader& header) const {
  std::vector<std::string> out;
  if (impl_->format != SourceFormat::csv) return out;
  auto check = [&](const std::vector<Source>& sources, const std::string& what) {
    if (sources.empty()) return;
    std::string names;
    for (const auto& s : sources) {
      if (s.kind == ValueSource::Kind::constant || header.find(s.column)) return;  // something can supply it
      names += (names.empty() ? "'" : ", '") + s.column + "'";
    }
    out.push_back(what + ": column " + names + " not in the header");
  };
  for (const auto& f : impl_->fields) {
    if (f.required) check(f.sources, "field '" + f.target + "'");
  }
  for (const auto& s : impl_->id_sources) check({s}, "event_id");
  for (const auto& part : impl_->id_template) {
    if (part.second) check({*part.second}, "event_id");
  }
  return out;
}

std::string Mapper::map_csv_stream(std::istream& in, const std::function<void(RecordResult&&)>& sink,
                                   std::size_t chunk_size) const {
  CsvOptions o;
  o.delimiter = spec_.delimiter;
  o.chunk_size = chunk_size;
  CsvReader reader(in, o);
  auto rec = reader.next();
  if (!reader.header_error().empty()) return reader.header_error();
  // Required columns missing from the header would reject every row with the same reason: fail once instead.
  auto missing = missing_csv_columns(reader.header());
  if (!missing.empty()) {
    std::string msg = "header (line 1): ";
    for (std::size_t i = 0; i < missing.size(); ++i) msg += (i ? "; " : "") + missing[i];
    return msg;
  }
  for (; rec; rec = reader.next()) sink(map_csv(*rec));
  return {};
}

}  // namespace sidetag::sources::mapped
