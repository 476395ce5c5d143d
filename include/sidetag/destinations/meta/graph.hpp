#pragma once
// The Graph API edge: request bodies and the classification of answers. Pure: no Asio, fuzzable.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidetag::destinations::meta {

// What to do with an answer (classified by code/error_subcode, never by `type`:
// developers.facebook.com/docs/graph-api/guides/error-handling).
enum class ResultClass {
  ok,         // 2xx: delivered
  transient,  // 5xx, timeouts, resets, is_transient, codes 1, 2, 368: retry with backoff, same event_ids
  throttle,   // 429, codes 4, 17, 32, 341, 613, 80000-80014: back off at the named scope
  config,     // bad/expired token, missing permission, unknown pixel, retired version: pause the pixel
  data,       // invalid parameter in the payload (code 100 and others): bisect, dead-letter the bad events
};
const char* to_string(ResultClass c);

struct GraphResult {
  ResultClass cls = ResultClass::transient;
  int http_status = 0;
  int code = 0;
  int subcode = 0;
  int events_received = 0;
  std::string message;     // Meta's message (error_user_msg preferred when present)
  std::string fbtrace_id;
  std::string throttle_scope;  // app, user, page, business, pixel
  std::vector<std::string> messages;  // non-fatal warnings on success
};

// http_status 0 means no HTTP answer (connect failure, timeout, reset): transient.
GraphResult classify_response(int http_status, std::string_view body);

struct BatchRequest {
  std::string access_token;
  std::string app_secret;
  std::string test_event_code;
  std::string partner_agent;
};
// {"data":[...],"access_token":...,"appsecret_proof":...,"test_event_code":...,"partner_agent":...}
// The token travels in the body, never in the URL.
std::string build_body(const std::vector<const nlohmann::json*>& events, const BatchRequest& req, bool redact_token);
// The same body from events already serialized as JSON text (each must be one valid JSON object).
std::string build_body_from_text(const std::vector<const std::string*>& event_texts, const BatchRequest& req);
// {graph_url}/{version}/{pixel}/events
std::string events_url(const std::string& graph_url, const std::string& version, const std::string& pixel_id);

}  // namespace sidetag::destinations::meta
