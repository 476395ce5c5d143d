#pragma once
// What every server-to-server source does after parsing: backpressure check, one pipeline run per record, a
// per-record result, and the answer once the accepted events are durable (disk) or at once (memory).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/routes.hpp"
#include "sidetag/config/config.hpp"
#include "sidetag/server/http_types.hpp"

namespace sidetag::app {

struct IngestRecord {
  std::size_t index = 0;
  std::size_t line = 0;          // CSV/NDJSON line, 0 when not line-based
  bool ok = false;
  std::string error;             // why ingest rejected it
  nlohmann::json event_data;     // accepted records
  std::vector<std::string> notes;
};

struct IngestRequest {
  std::string request_trace;
  std::string parent_span;
  bool continued = false;        // the trace id came from a traceparent header
  std::int64_t t0_wall_us = 0;
  std::int64_t ingest_us = 0;
  std::size_t body_bytes = 0;
  std::string test_event_code;   // request-level override
  std::string detail;            // ingest stage detail (source type)
};

// Starts the ingest of a server-to-server request: receive time, trace id (continued from traceparent), size.
IngestRequest begin_ingest(const server::HttpRequest& req, std::string detail);
// The request's single answer path: adds X-Trace-Id, counts the route and status. Safe to call from any thread.
std::function<void(server::HttpResponse)> make_finish(server::Respond respond, std::string trace, std::string route);

// A request refused before any record is processed: counted (sidetag_events_rejected_total{source,reason}),
// logged at warn with the trace id, answered with a JSON error.
server::HttpResponse refuse_request(const std::string& source, const std::string& trace, int status,
                                    const std::string& metric_reason, const std::string& log_msg,
                                    const std::string& reason, const std::string& client_message);

server::HttpResponse json_response(int status, const nlohmann::json& body);
server::HttpResponse error_response(int status, const std::string& message);

// Calls finish exactly once (possibly later, from the spool's thread).
void process_records(AppState& state, const std::shared_ptr<const config::Config>& cfg, const config::SourceConfig& src,
                     IngestRequest req, std::vector<IngestRecord> records,
                     std::function<void(server::HttpResponse)> finish);

}  // namespace sidetag::app
