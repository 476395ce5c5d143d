#include "sidetag/destinations/meta/graph.hpp"

#include "sidetag/util/crypto.hpp"
#include "sidetag/util/json_write.hpp"

namespace sidetag::destinations::meta {

using nlohmann::json;

const char* to_string(ResultClass c) {
  switch (c) {
    case ResultClass::ok: return "ok";
    case ResultClass::transient: return "transient";
    case ResultClass::throttle: return "throttle";
    case ResultClass::config: return "config";
    case ResultClass::data: return "data";
  }
  return "unknown";
}

GraphResult classify_response(int http_status, std::string_view body) {
  GraphResult r;
  r.http_status = http_status;
  if (http_status == 0) {
    r.cls = ResultClass::transient;
    r.message = "no response (connection failed, reset or timed out)";
    return r;
  }
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (http_status >= 200 && http_status < 300) {
    r.cls = ResultClass::ok;
    if (doc.is_object()) {
      if (auto it = doc.find("events_received"); it != doc.end() && it->is_number_integer()) r.events_received = it->get<int>();
      if (auto it = doc.find("fbtrace_id"); it != doc.end() && it->is_string()) r.fbtrace_id = it->get<std::string>();
      if (auto it = doc.find("messages"); it != doc.end() && it->is_array()) {
        for (const auto& m : *it) {
          if (m.is_string()) r.messages.push_back(m.get<std::string>());
        }
      }
    }
    return r;
  }
  bool is_transient = false;
  if (doc.is_object()) {
    if (auto e = doc.find("error"); e != doc.end() && e->is_object()) {
      auto get_int = [&](const char* k) {
        auto it = e->find(k);
        return (it != e->end() && it->is_number_integer()) ? it->get<int>() : 0;
      };
      auto get_str = [&](const char* k) {
        auto it = e->find(k);
        return (it != e->end() && it->is_string()) ? it->get<std::string>() : std::string();
      };
      r.code = get_int("code");
      r.subcode = get_int("error_subcode");
      r.message = get_str("error_user_msg");
      if (r.message.empty()) r.message = get_str("message");
      r.fbtrace_id = get_str("fbtrace_id");
      if (auto it = e->find("is_transient"); it != e->end() && it->is_boolean()) is_transient = it->get<bool>();
    }
  }
  if (r.message.empty()) r.message = "HTTP " + std::to_string(http_status);
  const int c = r.code;
  if (c == 4 || c == 341) {
    r.cls = ResultClass::throttle;
    r.throttle_scope = "app";
  } else if (c == 17) {
    r.cls = ResultClass::throttle;
    r.throttle_scope = "user";
  } else if (c == 32) {
    r.cls = ResultClass::throttle;
    r.throttle_scope = "page";
  } else if (c == 613) {
    r.cls = ResultClass::throttle;
    r.throttle_scope = "pixel";
  } else if (c >= 80000 && c <= 80014) {
    r.cls = ResultClass::throttle;
    r.throttle_scope = "business";
  } else if (http_status == 429) {
    r.cls = ResultClass::throttle;
    r.throttle_scope = "pixel";
  } else if (is_transient || c == 1 || c == 2 || c == 368 || http_status >= 500) {
    r.cls = ResultClass::transient;
  } else if (c == 102 || c == 190 || c == 3 || c == 10 || (c >= 200 && c <= 299) || c == 2635 ||
             (c == 100 && r.subcode == 33) || http_status == 401 || http_status == 403) {
    r.cls = ResultClass::config;
  } else {
    r.cls = ResultClass::data;
  }
  return r;
}

std::string build_body(const std::vector<const json*>& events, const BatchRequest& req, bool redact_token) {
  json body = json::object();
  json data = json::array();
  for (const auto* e : events) data.push_back(*e);
  body["data"] = std::move(data);
  if (!req.access_token.empty()) body["access_token"] = redact_token ? "[redacted]" : req.access_token;
  if (!req.app_secret.empty() && !req.access_token.empty()) {
    body["appsecret_proof"] = redact_token ? "[redacted]" : util::hmac_sha256_hex(req.app_secret, req.access_token);
  }
  if (!req.test_event_code.empty()) body["test_event_code"] = req.test_event_code;
  if (!req.partner_agent.empty()) body["partner_agent"] = req.partner_agent;
  return util::to_json_text(body);
}

std::string build_body_from_text(const std::vector<const std::string*>& event_texts, const BatchRequest& req) {
  // The envelope's other members serialized once; "data" is spliced in front from the events' own texts, so a
  // 1000-event batch never becomes a DOM again.
  json envelope = json::object();
  if (!req.access_token.empty()) envelope["access_token"] = req.access_token;
  if (!req.app_secret.empty() && !req.access_token.empty()) {
    envelope["appsecret_proof"] = util::hmac_sha256_hex(req.app_secret, req.access_token);
  }
  if (!req.test_event_code.empty()) envelope["test_event_code"] = req.test_event_code;
  if (!req.partner_agent.empty()) envelope["partner_agent"] = req.partner_agent;
  const std::string rest = util::to_json_text(envelope);  // {...} or {}
  std::size_t total = rest.size() + 16;
  for (const auto* t : event_texts) total += t->size() + 1;
  std::string out;
  out.reserve(total);
  out += "{\"data\":[";
  for (std::size_t i = 0; i < event_texts.size(); ++i) {
    if (i) out += ',';
    out += *event_texts[i];
  }
  out += ']';
  if (rest.size() > 2) {
    out += ',';
    out.append(rest, 1, std::string::npos);  // drops the envelope's '{', keeps its '}'
  } else {
    out += '}';
  }
  return out;
}

std::string events_url(const std::string& graph_url, const std::string& version, const std::string& pixel_id) {
  return graph_url + "/" + version + "/" + pixel_id + "/events";
}

}  // namespace sidetag::destinations::meta
