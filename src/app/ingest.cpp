#include "app/ingest.hpp"

#include "app/observer.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/util/clock.hpp"
#include "sidetag/util/json_write.hpp"

namespace sidetag::app {

using nlohmann::json;
using server::HttpResponse;

IngestRequest begin_ingest(const server::HttpRequest& req, std::string detail) {
  IngestRequest ir;
  ir.t0_wall_us = util::now_unix_us();
  std::string parent_trace;
  ir.continued = pipeline::parse_traceparent(req.header("traceparent"), parent_trace, ir.parent_span);
  ir.request_trace = ir.continued ? parent_trace : pipeline::new_trace_id();
  ir.body_bytes = req.body.size();
  ir.detail = std::move(detail);
  return ir;
}

std::function<void(HttpResponse)> make_finish(server::Respond respond, std::string trace, std::string route) {
  return [respond = std::move(respond), trace = std::move(trace), route = std::move(route)](HttpResponse r) {
    r.set("X-Trace-Id", trace);
    observe::metrics().counter("sidetag_http_requests_total", observe::label("route", route) + ",status=\"" +
                               std::to_string(r.status) + "\"").inc();
    respond(std::move(r));
  };
}

HttpResponse refuse_request(const std::string& source, const std::string& trace, int status,
                            const std::string& metric_reason, const std::string& log_msg, const std::string& reason,
                            const std::string& client_message) {
  observe::metrics().counter("sidetag_events_rejected_total",
                             observe::label("source", source) + "," + observe::label("reason", metric_reason)).inc();
  observe::log(observe::Level::warn, {{"msg", log_msg}, {"trace_id", trace}, {"source", source}, {"stage", "ingest"},
                                      {"reason", reason}});
  return error_response(status, client_message);
}

HttpResponse json_response(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.set("Content-Type", "application/json");
  r.body = util::to_json_text(body);
  return r;
}

HttpResponse error_response(int status, const std::string& message) {
  return json_response(status, {{"error", {{"status", status}, {"message", message}}}});
}

void process_records(AppState& state, const std::shared_ptr<const config::Config>& cfg, const config::SourceConfig& src,
                     IngestRequest req, std::vector<IngestRecord> records, std::function<void(HttpResponse)> finish) {
  // Backpressure before anything is processed, so a request is taken whole or not at all: the global byte budget
  // across every queue, and a spool that cannot write (disk full; stored events keep being delivered).
  {
    std::string spool_error;
    const bool over_budget = state.dispatcher->queued_bytes() + req.body_bytes > cfg->delivery.max_queue_bytes;
    if (over_budget || !state.dispatcher->spool_ok(&spool_error)) {
      const std::string why = over_budget ? "delivery queue full (delivery.max_queue_bytes)" : "spool cannot store events: " + spool_error;
      observe::metrics().counter("sidetag_events_rejected_total", observe::label("source", src.name) +
                                 (over_budget ? ",reason=\"backpressure\"" : ",reason=\"spool_unavailable\"")).inc(records.size());
      observe::log(observe::Level::warn, {{"msg", "request refused: try again later"}, {"trace_id", req.request_trace},
                                          {"source", src.name}, {"stage", "ingest"}, {"reason", why},
                                          {"events", records.size()}});
      HttpResponse r = error_response(503, why + "; nothing from this request was accepted");
      r.set("Retry-After", over_budget ? "5" : "10");
      return finish(std::move(r));
    }
  }
  const config::SiteConfig* site = cfg->find_site(src.site);
  pipeline::StageContext ctx;
  ctx.config = cfg;
  ctx.site = site;
  ctx.now_s = util::now_unix_us() / 1'000'000;
  ctx.debug_pii = cfg->logging.debug_pii && !cfg->is_prod;

  json results = json::array();
  std::size_t accepted = 0;
  const bool single = records.size() == 1;
  // Every event the dispatch stage hands over joins this group; with disk durability the 2xx waits for the fsync.
  auto commit = std::make_shared<destinations::meta::CommitGroup>();
  destinations::meta::CommitScope commit_scope(commit);
  for (auto& rec : records) {
    pipeline::Event ev;
    ev.index = rec.index;
    ev.trace.trace_id = (req.continued || single) ? req.request_trace : pipeline::new_trace_id();
    ev.trace.parent_span_id = req.parent_span;
    ev.trace.env = cfg->env;
    ev.trace.source = src.name;
    ev.trace.site = src.site;
    ev.trace.received_us = req.t0_wall_us;
    ev.trace.notes = std::move(rec.notes);
    if (rec.ok) {
      ev.data = std::move(rec.event_data);
      if (!src.action_source.empty() && !ev.data.contains("action_source")) ev.data["action_source"] = src.action_source;
      if (!req.test_event_code.empty()) ev.data["x-sidetag-test_event_code"] = req.test_event_code;
      pipeline::record_stage(ev, "ingest", req.t0_wall_us, req.ingest_us, pipeline::Outcome::ok, req.detail);
    } else {
      pipeline::record_stage(ev, "ingest", req.t0_wall_us, req.ingest_us, pipeline::Outcome::stopped, rec.error);
    }
    observe_ingest(ev);
    if (ctx.debug_pii && observe::log_enabled(observe::Level::debug)) {
      observe::log(observe::Level::debug, {{"msg", "ingested event data (raw PII, non-prod debug only)"},
                                           {"trace_id", ev.trace.trace_id}, {"stage", "ingest"}, {"data", ev.data}});
    }
    if (!ev.stopped) {
      state.runner->run(ev, ctx);
    } else {
      PipelineObserver().on_event_done(ev);
    }
    json item = {{"index", ev.index}, {"trace_id", ev.trace.trace_id}};
    if (rec.line > 0) item["line"] = rec.line;
    if (ev.stopped) {
      item["status"] = "rejected";
      item["stage"] = ev.stop_stage;
      item["reason"] = ev.stop_reason;
      observe::metrics().counter("sidetag_events_rejected_total", observe::label("source", src.name) + "," + observe::label("reason", ev.stop_stage)).inc();
    } else {
      item["status"] = "accepted";
      item["event_id"] = ev.payload.value("event_id", "");
      ++accepted;
      observe::metrics().counter("sidetag_events_received_total", observe::label("source", src.name)).inc();
    }
    if (!ev.trace.notes.empty()) item["notes"] = ev.trace.notes;
    results.push_back(std::move(item));
  }
  const std::size_t rejected = records.size() - accepted;
  // 200 when anything was accepted (the body says which were not); 422 when nothing was. With disk durability
  // only once the accepted events are committed to the spool; 503 when that failed (the client retries with the
  // same event_ids, so anything that still reaches Meta is deduplicated).
  json body = {{"received", records.size()}, {"accepted", accepted}, {"rejected", rejected},
               {"trace_id", req.request_trace}, {"events", std::move(results)}};
  commit->seal([finish, body = std::move(body), accepted, trace = req.request_trace, source = src.name](
                   bool ok, const std::string& error) mutable {
    if (ok) return finish(json_response(accepted > 0 ? 200 : 422, body));
    observe::log(observe::Level::error, {{"msg", "events not committed to the spool: request answered 503"},
                                         {"trace_id", trace}, {"source", source}, {"stage", "dispatch"},
                                         {"error", error}});
    HttpResponse r = error_response(503, "events could not be stored durably (" + error + "); retry the request");
    r.set("Retry-After", "10");
    finish(std::move(r));
  });
}

}  // namespace sidetag::app
