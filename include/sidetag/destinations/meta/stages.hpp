#pragma once
// The Meta destination's pipeline stages: prep (normalize + hash user data), assemble (Meta server event),
// validate (everything Meta would reject, checked before batching: one bad event rejects a whole batch), and
// dispatch (hand the event to the delivery queue). Pure: no Asio.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidetag/pipeline/stage.hpp"

namespace sidetag::destinations::meta {

// One event ready for a Graph API batch.
struct DispatchItem {
  std::string pixel_id;
  std::string access_token;  // secret
  std::string app_secret;    // secret, optional
  std::string test_event_code;
  nlohmann::json event;      // the Meta server event
  std::string trace_id;
  std::int64_t accepted_us = 0;
};

// Where dispatch hands events: the delivery queue (server) or a collector (tests, `sidetag send`).
class DispatchSink {
 public:
  virtual ~DispatchSink() = default;
  // Returns false (with a reason) when the event cannot be accepted (queue full, shutting down).
  virtual bool submit(DispatchItem item, std::string& reason) = 0;
};

std::unique_ptr<pipeline::Stage> make_prep_stage();
std::unique_ptr<pipeline::Stage> make_assemble_stage();
std::unique_ptr<pipeline::Stage> make_validate_stage();
std::unique_ptr<pipeline::Stage> make_dispatch_stage(DispatchSink& sink);

// GA4 / lowercase names -> Meta standard events (page_view -> PageView, purchase -> Purchase, ...); Meta standard
// names pass unchanged; anything else is returned as is (a custom event).
std::string map_event_name(const std::string& name);
bool is_standard_event(const std::string& meta_name);

// Reads a value by event-data key: the flat key first ("x-fb-ud-em"), then a dotted path into nested objects
// ("user_data.address.city"). Returns nullptr when absent.
const nlohmann::json* lookup(const nlohmann::json& data, const std::string& key);

// event_time in seconds from seconds, milliseconds, numeric strings or ISO 8601 text; false when unreadable.
bool to_unix_seconds(const nlohmann::json& v, std::int64_t& out);

}  // namespace sidetag::destinations::meta
