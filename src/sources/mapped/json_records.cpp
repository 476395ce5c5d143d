#include "sidetag/sources/mapped/json_records.hpp"

#include <string>

#include "sidetag/util/json_read.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::mapped {

using nlohmann::json;

bool parse_json_limited(std::string_view text, std::size_t max_depth, json& out, std::string& error) {
  std::string message;
  switch (util::read_json_limited(text, max_depth, out, &message)) {
    case util::JsonReadError::none: return true;
    case util::JsonReadError::invalid_utf8: error = "invalid UTF-8"; return false;
    case util::JsonReadError::too_deep: error = "nesting deeper than " + std::to_string(max_depth); return false;
    case util::JsonReadError::invalid_json: error = "invalid JSON: " + message; return false;
  }
  return false;
}

bool compile_json_pointer(std::string_view text, json::json_pointer& out, std::string& error) {
  if (text.empty() || text == "/") {
    out = json::json_pointer();
    return true;
  }
  if (text.front() != '/') {
    error = "JSON pointer must start with '/': '" + std::string(text) + "'";
    return false;
  }
  try {
    out = json::json_pointer(std::string(text));
  } catch (const std::exception& e) {
    error = "invalid JSON pointer '" + std::string(text) + "'";
    return false;
  }
  return true;
}

const json* find_pointer(const json& doc, const json::json_pointer& ptr) {
  // Walk token by token so that nothing throws (json::contains still throws on some malformed array indexes).
  const json* cur = &doc;
  json::json_pointer walk = ptr;
  std::vector<std::string> tokens;
  while (!walk.empty()) {
    tokens.push_back(walk.back());
    walk.pop_back();
  }
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) {
    const std::string& t = *it;
    if (cur->is_object()) {
      auto f = cur->find(t);
      if (f == cur->end()) return nullptr;
      cur = &*f;
    } else if (cur->is_array()) {
      if (t.empty() || t.size() > 9 || (t.size() > 1 && t[0] == '0')) return nullptr;
      std::size_t idx = 0;
      for (char c : t) {
        if (c < '0' || c > '9') return nullptr;
        idx = idx * 10 + static_cast<std::size_t>(c - '0');
      }
      if (idx >= cur->size()) return nullptr;
      cur = &(*cur)[idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

namespace {

const char* type_name(const json& j) { return j.type_name(); }

void add_record(JsonRecords& r, json&& v, std::size_t line) {
  JsonRecord rec;
  rec.index = r.records.size();
  rec.line = line;
  if (!v.is_object()) {
    rec.error = std::string("expected a JSON object, got ") + type_name(v);
  } else {
    rec.value = std::move(v);
  }
  r.records.push_back(std::move(rec));
}

}  // namespace

JsonRecords extract_json_records(std::string_view body, JsonFormat format, const JsonRecordsOptions& opts) {
  JsonRecords r;
  try {
    if (format == JsonFormat::ndjson) {
      std::size_t line = 0;
      std::size_t pos = 0;
      while (pos <= body.size()) {
        auto nl = body.find('\n', pos);
        std::string_view text = body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        ++line;
        pos = nl == std::string_view::npos ? body.size() + 1 : nl + 1;
        if (util::trim(text).empty()) continue;
        if (r.records.size() >= opts.max_records) {
          r.error = "more than " + std::to_string(opts.max_records) + " records";
          r.records.clear();
          return r;
        }
        json v;
        std::string err;
        if (!parse_json_limited(text, opts.max_depth, v, err)) {
          JsonRecord rec;
          rec.index = r.records.size();
          rec.line = line;
          rec.error = err;
          r.records.push_back(std::move(rec));
          continue;
        }
        add_record(r, std::move(v), line);
      }
      if (r.records.empty()) {
        r.error = "empty body: no records";
        return r;
      }
      r.ok = true;
      return r;
    }

    json doc;
    std::string err;
    if (util::trim(body).empty()) {
      r.error = "empty body";
      return r;
    }
    if (!parse_json_limited(body, opts.max_depth, doc, err)) {
      r.error = err;
      return r;
    }
    json::json_pointer ptr;
    if (!compile_json_pointer(opts.records_pointer, ptr, err)) {
      r.error = err;
      return r;
    }
    // `doc` is ours: move the records out of it instead of copying.
    json* sel = const_cast<json*>(find_pointer(doc, ptr));
    if (!sel) {
      r.error = "records pointer '" + opts.records_pointer + "' not found in body";
      return r;
    }
    if (sel->is_array()) {
      if (sel->size() > opts.max_records) {
        r.error = "more than " + std::to_string(opts.max_records) + " records";
        return r;
      }
      r.records.reserve(sel->size());
      for (auto& el : *sel) add_record(r, std::move(el), 0);
    } else if (sel->is_object()) {
      add_record(r, std::move(*sel), 0);
    } else {
      r.error = "records pointer '" + opts.records_pointer + "' selects a " + type_name(*sel) +
                ", expected an array of objects or an object";
      return r;
    }
    r.ok = true;
  } catch (const std::exception& e) {
    r.ok = false;
    r.records.clear();
    r.error = std::string("internal error: ") + e.what();
  }
  return r;
}

}  // namespace sidetag::sources::mapped
