#include "sidetag/sources/mp/parse.hpp"

#include <set>

#include "sidetag/util/json_read.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::mp {

using nlohmann::json;

namespace {

// Params that must not overwrite the keys sidetag derives itself.
const std::set<std::string> kProtected = {"event_name", "client_id", "user_id", "user_data", "ip_override", "event_time",
                                          "x-ga-mp2-user_properties"};

bool is_hex64(const std::string& s) { return s.size() == 64 && util::is_hex(s); }

// sha256_* values: one string or a list of strings (GA4 takes up to 3). A value that is not a SHA-256 digest is
// dropped with a note (never forwarded, never the reason to refuse the whole request).
void hex_list(const json& v, std::vector<std::string>& out, std::vector<std::string>& notes, const std::string& key) {
  const json& list = v.is_array() ? v : json::array({v});
  std::size_t i = 0;
  for (const auto& e : list) {
    if (e.is_string() && is_hex64(util::ascii_lower(e.get<std::string>()))) {
      out.push_back(util::ascii_lower(e.get<std::string>()));
    } else {
      notes.push_back("user_data." + key + "[" + std::to_string(i) + "] dropped: not a 64-character hex SHA-256 digest");
    }
    ++i;
  }
}

bool convert_user_data(const json& ud, json& data, std::vector<std::string>& notes, std::string& error) {
  if (!ud.is_object()) {
    error = "user_data must be an object";
    return false;
  }
  json not_forwardable = json::object();
  for (const auto& [k, v] : ud.items()) {
    std::vector<std::string> hashes;
    if (k == "sha256_email_address") {
      hex_list(v, hashes, notes, k);
      if (!hashes.empty()) data["user_data"]["sha256_email_address"] = hashes;
    } else if (k == "sha256_phone_number") {
      hex_list(v, hashes, notes, k);
      if (!hashes.empty()) not_forwardable[k] = hashes;  // E.164 with "+": not Meta's phone normalization
    } else if (k == "address") {
      const json& list = v.is_array() ? v : json::array({v});
      for (const auto& a : list) {
        if (!a.is_object()) {
          error = "user_data.address must be an object or a list of objects";
          return false;
        }
        for (const auto& [ak, av] : a.items()) {
          if (!av.is_string()) continue;
          if (ak == "city" || ak == "region" || ak == "postal_code" || ak == "country") {
            // Plain text: sidetag normalizes it the Meta way. With several addresses the first one wins.
            if (!data["user_data"]["address"].contains(ak)) data["user_data"]["address"][ak] = av;
          } else if (ak.rfind("sha256_", 0) == 0) {
            not_forwardable["address." + ak] = av;
          }
        }
      }
    }
  }
  if (!not_forwardable.empty()) data["x-sidetag-ud_not_forwardable"] = std::move(not_forwardable);
  return true;
}

}  // namespace

ParseResult parse(std::string_view body, const Limits& limits) {
  ParseResult r;
  if (util::trim(body).empty()) {
    r.error = "empty body: expected a Measurement Protocol JSON object";
    return r;
  }
  json doc;
  switch (util::read_json_limited(body, limits.max_depth, doc)) {
    case util::JsonReadError::none: break;
    case util::JsonReadError::invalid_utf8: r.error = "body is not valid UTF-8"; return r;
    case util::JsonReadError::too_deep:
      r.error = "JSON nested deeper than " + std::to_string(limits.max_depth) + " levels";
      return r;
    case util::JsonReadError::invalid_json: r.error = "body is not a JSON object"; return r;
  }
  if (!doc.is_object()) {
    r.error = "body is not a JSON object";
    return r;
  }
  auto get_string = [&](const char* k, std::string& out) -> bool {
    auto it = doc.find(k);
    if (it == doc.end() || it->is_null()) return true;
    if (!it->is_string()) {
      r.error = std::string(k) + " must be a string";
      return false;
    }
    out = it->get<std::string>();
    return true;
  };
  std::string client_id, user_id, ip_override;
  if (!get_string("client_id", client_id) || !get_string("user_id", user_id) || !get_string("ip_override", ip_override)) return r;
  if (client_id.empty() && user_id.empty()) {
    r.error = "client_id (or user_id) is required";
    return r;
  }
  auto events = doc.find("events");
  if (events == doc.end() || !events->is_array() || events->empty()) {
    r.error = "events must be a non-empty array";
    return r;
  }
  if (events->size() > limits.max_events) {
    r.error = "too many events: " + std::to_string(events->size()) + " > " + std::to_string(limits.max_events);
    return r;
  }
  std::int64_t request_ts_us = 0;
  if (auto it = doc.find("timestamp_micros"); it != doc.end()) {
    if (it->is_number_integer() || it->is_number_unsigned()) {
      request_ts_us = it->get<std::int64_t>();
    } else if (it->is_string() && !it->get<std::string>().empty() && it->get<std::string>().size() < 19 &&
               it->get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
      request_ts_us = std::stoll(it->get<std::string>());
    } else {
      r.error = "timestamp_micros must be an integer";
      return r;
    }
  }
  // Request-level parts shared by every event.
  json shared = json::object();
  std::vector<std::string> shared_notes;
  if (!client_id.empty()) shared["client_id"] = client_id;
  if (!user_id.empty()) shared["user_id"] = user_id;
  if (!ip_override.empty()) shared["ip_override"] = ip_override;
  if (auto up = doc.find("user_properties"); up != doc.end() && up->is_object()) {
    json props = json::object();
    for (const auto& [k, v] : up->items()) {
      if (v.is_object() && v.contains("value")) props[k] = v["value"];
    }
    if (!props.empty()) shared["x-ga-mp2-user_properties"] = std::move(props);
  }
  if (auto ud = doc.find("user_data"); ud != doc.end() && !ud->is_null()) {
    if (user_id.empty()) {
      // GA4's own rule: user_data requires user_id. Kept, since Meta does not need it, but noted.
      shared_notes.push_back("user_data without user_id (GA4 would reject it; Meta does not need it)");
    }
    if (!convert_user_data(*ud, shared, shared_notes, r.error)) return r;
  }
  if (auto c = doc.find("consent"); c != doc.end() && c->is_object()) {
    for (const char* k : {"ad_user_data", "ad_personalization"}) {
      if (auto it = c->find(k); it != c->end() && it->is_string()) shared["x-ga-mp-consent"][k] = util::ascii_lower(it->get<std::string>());
    }
  }
  r.events.reserve(events->size());
  std::size_t index = 0;
  for (const auto& e : *events) {
    ParsedEvent pe;
    pe.index = index++;
    pe.notes = shared_notes;
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || e["name"].get<std::string>().empty()) {
      pe.error = "event needs a non-empty string name";
      r.events.push_back(std::move(pe));
      continue;
    }
    json d = shared;
    d["event_name"] = e["name"];
    std::int64_t ts_us = request_ts_us;
    if (auto it = e.find("timestamp_micros"); it != e.end() && (it->is_number_integer() || it->is_number_unsigned())) {
      ts_us = it->get<std::int64_t>();
    }
    if (ts_us > 0) d["event_time"] = ts_us / 1'000'000;
    if (auto p = e.find("params"); p != e.end()) {
      if (!p->is_object()) {
        pe.error = "params must be an object";
        r.events.push_back(std::move(pe));
        continue;
      }
      for (const auto& [k, v] : p->items()) {
        if (kProtected.count(k) || k.rfind("x-", 0) == 0) continue;
        if (k == "session_id") d["ga_session_id"] = v;
        else if (k == "session_number") d["ga_session_number"] = v;
        else d[k] = v;
      }
    }
    pe.event_data = std::move(d);
    pe.ok = true;
    r.events.push_back(std::move(pe));
  }
  r.ok = true;
  return r;
}

}  // namespace sidetag::sources::mp
