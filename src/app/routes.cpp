#include "app/routes.hpp"

#include "app/observer.hpp"
#include "app/routes_ga4.hpp"
#include "app/routes_mapped.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/metrics.hpp"
#include "sidetag/sources/capi_json/parse.hpp"
#include "sidetag/util/clock.hpp"
#include "sidetag/util/crypto.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::app {

using nlohmann::json;
using server::HttpRequest;
using server::HttpResponse;
using server::Respond;

namespace {

HttpResponse json_response(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.set("Content-Type", "application/json");
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

HttpResponse error_response(int status, const std::string& message) {
  return json_response(status, {{"error", {{"status", status}, {"message", message}}}});
}

void count(const std::string& route, int status) {
  observe::metrics().counter("sidetag_http_requests_total", observe::label("route", route) + ",status=\"" + std::to_string(status) + "\"").inc();
}

bool authorized(const config::SourceConfig& src, const HttpRequest& req) {
  auto auth = req.header("authorization");
  if (auth.size() < 7 || !util::iequals(auth.substr(0, 7), "bearer ")) return false;
  auto key = util::trim(auth.substr(7));
  bool ok = false;
  for (const auto& k : src.api_keys) ok |= util::constant_time_equal(key, k);  // no early exit: constant time
  return ok;
}

void handle_capi_json(AppState& state, const std::shared_ptr<const config::Config>& cfg, const config::SourceConfig& src,
                      HttpRequest& req, Respond& respond) {
  const auto t0_wall = util::now_unix_us();
  const auto t0 = util::mono_us();
  std::string parent_trace, parent_span;
  const bool continued = pipeline::parse_traceparent(req.header("traceparent"), parent_trace, parent_span);
  const std::string request_trace = continued ? parent_trace : pipeline::new_trace_id();

  // May run later on the spool's writer thread (disk durability): captures copies only.
  auto finish = [respond, request_trace, route = src.path](HttpResponse r) {
    r.set("X-Trace-Id", request_trace);
    count(route, r.status);
    respond(std::move(r));
  };
  if (!authorized(src, req)) {
    HttpResponse r = error_response(401, "missing or invalid API key (Authorization: Bearer <key>)");
    r.set("WWW-Authenticate", "Bearer");
    return finish(std::move(r));
  }
  auto parsed = sources::capi_json::parse(req.body);
  if (!parsed.ok) {
    observe::metrics().counter("sidetag_events_rejected_total", observe::label("source", src.name) + ",reason=\"malformed_request\"").inc();
    observe::log(observe::Level::warn, {{"msg", "request rejected at ingest"}, {"trace_id", request_trace},
                                        {"source", src.name}, {"stage", "ingest"}, {"reason", parsed.error}});
    return finish(error_response(400, parsed.error));
  }
  // Backpressure before anything is processed, so a request is taken whole or not at all: the global byte budget
  // across every queue, and a spool that cannot write (disk full; stored events keep being delivered).
  {
    std::string spool_error;
    const bool over_budget = state.dispatcher->queued_bytes() + req.body.size() > cfg->delivery.max_queue_bytes;
    if (over_budget || !state.dispatcher->spool_ok(&spool_error)) {
      const std::string why = over_budget ? "delivery queue full (delivery.max_queue_bytes)" : "spool cannot store events: " + spool_error;
      observe::metrics().counter("sidetag_events_rejected_total", observe::label("source", src.name) +
                                 (over_budget ? ",reason=\"backpressure\"" : ",reason=\"spool_unavailable\"")).inc(parsed.records.size());
      observe::log(observe::Level::warn, {{"msg", "request refused: try again later"}, {"trace_id", request_trace},
                                          {"source", src.name}, {"stage", "ingest"}, {"reason", why},
                                          {"events", parsed.records.size()}});
      HttpResponse r = error_response(503, why + "; nothing from this request was accepted");
      r.set("Retry-After", over_budget ? "5" : "10");
      return finish(std::move(r));
    }
  }
  const auto ingest_us = util::mono_us() - t0;
  const config::SiteConfig* site = cfg->find_site(src.site);
  pipeline::StageContext ctx;
  ctx.config = cfg;
  ctx.site = site;
  ctx.now_s = util::now_unix_us() / 1'000'000;
  ctx.debug_pii = cfg->logging.debug_pii && !cfg->is_prod;

  json results = json::array();
  std::size_t accepted = 0;
  const bool single = parsed.records.size() == 1;
  // Every event the dispatch stage hands over joins this group; with disk durability the 2xx waits for the fsync.
  auto commit = std::make_shared<destinations::meta::CommitGroup>();
  destinations::meta::CommitScope commit_scope(commit);
  for (auto& rec : parsed.records) {
    pipeline::Event ev;
    ev.index = rec.index;
    ev.trace.trace_id = (continued || single) ? request_trace : pipeline::new_trace_id();
    ev.trace.parent_span_id = parent_span;
    ev.trace.env = cfg->env;
    ev.trace.source = src.name;
    ev.trace.site = src.site;
    ev.trace.received_us = t0_wall;
    if (rec.ok) {
      ev.data = std::move(rec.event_data);
      if (!src.action_source.empty() && !ev.data.contains("action_source")) ev.data["action_source"] = src.action_source;
      if (!parsed.test_event_code.empty()) ev.data["x-sidetag-test_event_code"] = parsed.test_event_code;
      pipeline::record_stage(ev, "ingest", t0_wall, ingest_us, pipeline::Outcome::ok, "capi_json");
    } else {
      pipeline::record_stage(ev, "ingest", t0_wall, ingest_us, pipeline::Outcome::stopped, rec.error);
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
  const std::size_t rejected = parsed.records.size() - accepted;
  // 200 when anything was accepted (the body says which were not); 422 when nothing was. With disk durability
  // only once the accepted events are committed to the spool; 503 when that failed (the client retries with the
  // same event_ids, so anything that still reaches Meta is deduplicated).
  json body = {{"received", parsed.records.size()}, {"accepted", accepted}, {"rejected", rejected},
               {"trace_id", request_trace}, {"events", std::move(results)}};
  const std::string source = src.name;
  commit->seal([finish, body = std::move(body), accepted, request_trace, source](bool ok, const std::string& error) mutable {
    if (ok) return finish(json_response(accepted > 0 ? 200 : 422, body));
    observe::log(observe::Level::error, {{"msg", "events not committed to the spool: request answered 503"},
                                         {"trace_id", request_trace}, {"source", source}, {"stage", "dispatch"},
                                         {"error", error}});
    HttpResponse r = error_response(503, "events could not be stored durably (" + error + "); retry the request");
    r.set("Retry-After", "10");
    finish(std::move(r));
  });
}

}  // namespace

void handle(AppState& state, HttpRequest&& req, Respond respond) {
  auto cfg = state.config();
  const std::string& path = req.path;
  if (path == "/healthz") {
    if (req.method != "GET" && req.method != "HEAD") {
      auto r = error_response(405, "method not allowed");
      r.set("Allow", "GET, HEAD");
      count(path, 405);
      return respond(std::move(r));
    }
    count(path, 200);
    return respond(json_response(200, {{"status", "alive"}}));
  }
  if (path == "/readyz") {
    json reasons = json::array();
    if (!cfg) reasons.push_back("configuration not loaded");
    if (!state.dispatcher || !state.dispatcher->running()) reasons.push_back("dispatcher not running");
    if (state.draining.load()) reasons.push_back("draining");
    if (!state.listening.load()) reasons.push_back("not listening yet");
    std::string spool_error;
    if (state.dispatcher && !state.dispatcher->spool_ok(&spool_error)) reasons.push_back("spool cannot store events: " + spool_error);
    const int status = reasons.empty() ? 200 : 503;
    count(path, status);
    json body = {{"ready", reasons.empty()}, {"reasons", reasons}};
    // Paused pixels do not make the instance unready (every replica would be), but they are reported.
    if (state.dispatcher) {
      json paused = json::array();
      for (const auto& p : state.dispatcher->paused_pixels()) {
        paused.push_back({{"pixel_id", p.pixel_id}, {"since", p.since_s}, {"code", p.code}, {"message", p.message}});
      }
      body["detail"] = {{"paused_pixels", paused},
                        {"queued_events", state.dispatcher->pending()},
                        {"queued_bytes", state.dispatcher->queued_bytes()},
                        {"durability", state.dispatcher->durable() ? "disk" : "memory"}};
    }
    if (cfg) body["env"] = cfg->env;
    return respond(json_response(status, body));
  }
  if (path == "/metrics") {
    HttpResponse r;
    r.status = 200;
    r.set("Content-Type", "text/plain; version=0.0.4");
    r.body = observe::metrics().render();
    count(path, 200);
    return respond(std::move(r));
  }
  if (cfg) {
    if (const auto* src = cfg->find_source_by_path(path)) {
      if (req.method != "POST") {
        auto r = error_response(405, "method not allowed: use POST");
        r.set("Allow", "POST");
        count(path, 405);
        return respond(std::move(r));
      }
      if (src->type == "mapped") return handle_mapped(state, cfg, *src, req, respond);
      return handle_capi_json(state, cfg, *src, req, respond);
    }
  }
  // GA4 web hits (/g/collect, <prefix>/g/collect) and the reverse proxy for paths sidetag does not serve.
  if (handle_ga4_collect(state, cfg, req, respond)) return;
  if (handle_ga4_proxy(state, cfg, req, respond)) return;
  count("(unknown)", 404);
  respond(error_response(404, "no route for " + req.method + " " + path));
}

}  // namespace sidetag::app
