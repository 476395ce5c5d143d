#include "app/routes.hpp"

#include "app/ingest.hpp"
#include "app/observer.hpp"
#include "app/routes_ga4.hpp"
#include "app/routes_mapped.hpp"
#include "app/routes_mp.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"
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
  IngestRequest ir = begin_ingest(req, "capi_json");
  const auto t0 = util::mono_us();
  // May run later on the spool's writer thread (disk durability).
  auto finish = make_finish(respond, ir.request_trace, src.path);
  if (!authorized(src, req)) {
    HttpResponse r = error_response(401, "missing or invalid API key (Authorization: Bearer <key>)");
    r.set("WWW-Authenticate", "Bearer");
    return finish(std::move(r));
  }
  auto parsed = sources::capi_json::parse(req.body);
  if (!parsed.ok) {
    return finish(refuse_request(src.name, ir.request_trace, 400, "malformed_request", "request rejected at ingest",
                                 parsed.error, parsed.error));
  }
  ir.ingest_us = util::mono_us() - t0;
  ir.test_event_code = parsed.test_event_code;
  std::vector<IngestRecord> records;
  records.reserve(parsed.records.size());
  for (auto& r : parsed.records) {
    IngestRecord rec;
    rec.index = r.index;
    rec.ok = r.ok;
    rec.error = std::move(r.error);
    rec.event_data = std::move(r.event_data);
    records.push_back(std::move(rec));
  }
  process_records(state, cfg, src, std::move(ir), std::move(records), std::move(finish));
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
  if (cfg && handle_mp_collect(state, cfg, req, respond)) return;
  // GA4 web hits (/g/collect, <prefix>/g/collect) and the reverse proxy for paths sidetag does not serve.
  if (handle_ga4_collect(state, cfg, req, respond)) return;
  if (handle_ga4_proxy(state, cfg, req, respond)) return;
  count("(unknown)", 404);
  respond(error_response(404, "no route for " + req.method + " " + path));
}

}  // namespace sidetag::app
