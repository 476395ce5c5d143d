#pragma once
// The event that flows through every stage, and its trace context.
//
// Ingest (a source) fills `data` with *event data*: the same flat key space sGTM's GA4 client produces
// (event_name, client_id, ip_override, user_agent, page_location, page_referrer, currency, value, items,
// user_id, user_data.email_address, x-ga-*, x-fb-ud-*, x-fb-ck-fbp, ...), so every source speaks one model and
// field sources are configurable by key (see docs/ARCHITECTURE.md). Later stages add their outputs to the other
// members; none of them rewrites `data`.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidetag::pipeline {

enum class Outcome {
  ok,       // the stage did its work
  skipped,  // the stage had nothing to do (e.g. identity enrichment disabled)
  stopped,  // the stage stopped the event on purpose (consent, validation): a reason is recorded
  error,    // the stage failed unexpectedly: a reason is recorded, the event stops
};
const char* to_string(Outcome o);

struct StageRecord {
  std::string stage;
  std::int64_t start_us = 0;     // wall clock, Unix microseconds
  std::int64_t duration_us = 0;  // monotonic
  Outcome outcome = Outcome::ok;
  std::string detail;            // reason or stage-specific summary; never secrets, never raw PII
};

struct TraceContext {
  std::string trace_id;        // 32 lowercase hex; continued from a W3C traceparent when one arrives
  std::string parent_span_id;  // 16 hex from traceparent, empty otherwise
  std::string env;             // environment name (dev, staging, prod)
  std::string source;          // source name (capi_json, ga4, ...)
  std::string site;            // site id from configuration
  std::int64_t received_us = 0;
  std::vector<StageRecord> stages;
  // Per-field notes from prep/validate ("ph[0] dropped: not a possible number"): shown in traces.
  std::vector<std::string> notes;
};

// A destination's own state of one event (the Meta chain keeps its server event here): attached to the Event,
// created by the first stage that asks for it, destroyed with the event. A type W declares
// `static constexpr pipeline::WorkTag kTag{"name"}`; Event::work<W>() finds it by the tag's address.
struct WorkTag {
  const char* name;
};
class WorkState {
 public:
  virtual ~WorkState() = default;
};

struct Event {
  TraceContext trace;
  nlohmann::json data = nlohmann::json::object();  // ingest output: event data (see header comment)
  // prep output: Meta user_data key -> normalized, SHA-256-hashed values (em, ph, fn, ...), de-duplicated.
  std::map<std::string, std::vector<std::string>> hashed_user_data;
  // assemble output: one Meta server event (element of the Graph API `data` array).
  nlohmann::json payload = nlohmann::json::object();
  std::string pixel_id;  // chosen destination pixel
  // Set by the runner when a stage stops the event.
  bool stopped = false;
  std::string stop_stage;
  std::string stop_reason;
  // Index of this event within its request (for per-record responses).
  std::size_t index = 0;

  // The work state of destination type W (created on first use).
  template <typename W>
  W& work() {
    for (auto& s : work_) {
      if (s.tag == &W::kTag) return static_cast<W&>(*s.state);
      if (!s.tag) {
        s.tag = &W::kTag;
        s.state = std::make_unique<W>();
        return static_cast<W&>(*s.state);
      }
    }
    throw std::logic_error("pipeline::Event: more destinations than work slots");
  }
  template <typename W>
  const W* find_work() const {
    for (const auto& s : work_) {
      if (s.tag == &W::kTag) return static_cast<const W*>(s.state.get());
    }
    return nullptr;
  }

 private:
  struct WorkSlot {
    const WorkTag* tag = nullptr;
    std::unique_ptr<WorkState> state;
  };
  std::array<WorkSlot, 2> work_;  // one per destination an event can reach
};

// W3C traceparent: "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>". Returns false when malformed or
// when the trace id is all zeros (the spec says to restart the trace then).
bool parse_traceparent(std::string_view header, std::string& trace_id, std::string& parent_id);
// New random 128-bit trace id (32 lowercase hex).
std::string new_trace_id();

}  // namespace sidetag::pipeline
