#include "sidetag/sources/capi_json/parse.hpp"

#include "sidetag/util/json_read.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::capi_json {

using nlohmann::json;

namespace {

// user_data keys that are raw identifiers with their own event-data names.
struct Rename {
  const char* from;
  const char* to;
};
constexpr Rename kUserDataRenames[] = {
    {"client_ip_address", "ip_override"},
    {"client_user_agent", "user_agent"},
    {"fbc", "x-fb-ck-fbc"},
    {"fbp", "x-fb-ck-fbp"},
};

bool string_or_string_list(const json& v) {
  if (v.is_string()) return true;
  if (!v.is_array()) return false;
  for (const auto& e : v) {
    if (!e.is_string()) return false;
  }
  return true;
}

// Moves the values out of `in` (the request's DOM, dropped afterwards): copying them cost a fifth of parsing.
bool convert_record(json& in, json& out, std::string& error) {
  if (!in.is_object()) {
    error = "event must be a JSON object";
    return false;
  }
  out = json::object();
  for (auto& [key, value] : in.get_ref<json::object_t&>()) {
    if (key == "user_data") {
      if (!value.is_object()) {
        error = "user_data must be an object";
        return false;
      }
      for (auto& [uk, uv] : value.get_ref<json::object_t&>()) {
        if (uv.is_null()) continue;
        const char* renamed = nullptr;
        for (const auto& r : kUserDataRenames) {
          if (uk == r.from) renamed = r.to;
        }
        if (!string_or_string_list(uv)) {
          // Numbers are common for phone numbers and zip codes from CRMs: accept them as text.
          if (uv.is_number_integer() || uv.is_number_unsigned()) {
            out[renamed ? std::string(renamed) : "x-fb-ud-" + uk] = uv.dump();
            continue;
          }
          error = "user_data." + uk + " must be a string or a list of strings";
          return false;
        }
        out[renamed ? std::string(renamed) : "x-fb-ud-" + uk] = std::move(uv);
      }
    } else if (key == "custom_data") {
      if (!value.is_object()) {
        error = "custom_data must be an object";
        return false;
      }
      out["custom_data"] = std::move(value);
    } else if (key == "event_source_url") {
      if (!value.is_string()) {
        error = "event_source_url must be a string";
        return false;
      }
      out["page_location"] = std::move(value);
    } else if (key == "referrer_url") {
      if (!value.is_string()) {
        error = "referrer_url must be a string";
        return false;
      }
      out["page_referrer"] = std::move(value);
    } else if (key == "event_name" || key == "event_id" || key == "action_source") {
      if (!value.is_string()) {
        error = key + " must be a string";
        return false;
      }
      out[key] = std::move(value);
    } else if (key == "event_time") {
      if (!value.is_number() && !value.is_string()) {
        error = "event_time must be a number (Unix seconds) or a string";
        return false;
      }
      out[key] = std::move(value);
    } else if (key == "opt_out") {
      if (!value.is_boolean()) {
        error = "opt_out must be true or false";
        return false;
      }
      out[key] = std::move(value);
    } else if (key == "data_processing_options" || key == "data_processing_options_country" ||
               key == "data_processing_options_state") {
      out["x-fb-dpo" + key.substr(23)] = std::move(value);
    } else {
      // Other CAPI fields (app_data, original_event_data, attribution_data, messaging_channel, ...) travel as is.
      out["x-fb-" + key] = std::move(value);
    }
  }
  return true;
}

}  // namespace

ParseResult parse(std::string_view body, const ParseLimits& limits) {
  ParseResult r;
  if (util::trim(body).empty()) {
    r.error = "empty body: expected {\"data\":[...]}";
    return r;
  }
  json doc;
  switch (util::read_json_limited(body, limits.max_depth, doc)) {
    case util::JsonReadError::none: break;
    case util::JsonReadError::invalid_utf8: r.error = "body is not valid UTF-8"; return r;
    case util::JsonReadError::too_deep:
      r.error = "JSON nested deeper than " + std::to_string(limits.max_depth) + " levels";
      return r;
    case util::JsonReadError::invalid_json: r.error = "body is not valid JSON"; return r;
  }
  if (!doc.is_object()) {
    r.error = "expected a JSON object {\"data\":[...]}";
    return r;
  }
  auto data = doc.find("data");
  if (data == doc.end() || !data->is_array()) {
    r.error = "missing \"data\" array";
    return r;
  }
  if (data->empty()) {
    r.error = "\"data\" is empty";
    return r;
  }
  if (data->size() > limits.max_events) {
    r.error = "too many events: " + std::to_string(data->size()) + " > " + std::to_string(limits.max_events);
    return r;
  }
  if (auto tec = doc.find("test_event_code"); tec != doc.end() && tec->is_string()) {
    r.test_event_code = tec->get<std::string>();
  }
  r.records.reserve(data->size());
  std::size_t i = 0;
  for (auto& item : *data) {
    ParsedRecord rec;
    rec.index = i++;
    rec.ok = convert_record(item, rec.event_data, rec.error);
    if (!rec.ok) rec.event_data = nullptr;
    r.records.push_back(std::move(rec));
  }
  r.ok = true;
  return r;
}

}  // namespace sidetag::sources::capi_json
