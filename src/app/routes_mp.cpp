#include "app/routes_mp.hpp"

#include "app/ingest.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/sources/ga4/query.hpp"
#include "sidetag/sources/mp/parse.hpp"
#include "sidetag/util/clock.hpp"
#include "sidetag/util/crypto.hpp"

namespace sidetag::app {

using server::HttpResponse;

bool handle_mp_collect(AppState& state, const std::shared_ptr<const config::Config>& cfg, server::HttpRequest& req,
                       server::Respond& respond) {
  if (req.path != "/mp/collect" && req.path != "/debug/mp/collect") return false;
  IngestRequest ir = begin_ingest(req, "mp");
  const auto t0 = util::mono_us();
  auto finish = make_finish(respond, ir.request_trace, "/mp/collect");
  if (req.method != "POST") {
    auto r = error_response(405, "method not allowed: use POST");
    r.set("Allow", "POST");
    finish(std::move(r));
    return true;
  }
  auto params = sources::ga4::parse_query(req.query);
  const std::string mid = params.count("measurement_id") ? params.at("measurement_id") : "";
  const std::string secret = params.count("api_secret") ? params.at("api_secret") : "";
  const config::SiteConfig* site = nullptr;
  for (const auto& s : cfg->sites) {
    for (const auto& id : s.ga4.measurement_ids) {
      if (id == mid) site = &s;
    }
  }
  bool authorized = false;
  if (site) {
    for (const auto& k : site->ga4.mp_api_secrets) authorized |= util::constant_time_equal(secret, k);
  }
  if (!authorized) {
    // The same answer for an unknown measurement_id and a wrong secret: no probing of which ids exist.
    observe::metrics().counter("sidetag_events_rejected_total", "source=\"mp\",reason=\"unauthorized\"").inc();
    observe::log(observe::Level::warn, {{"msg", "Measurement Protocol request rejected: unknown measurement_id or api_secret"},
                                        {"trace_id", ir.request_trace}, {"source", "mp"}, {"stage", "ingest"},
                                        {"measurement_id", mid}});
    finish(error_response(401, "unknown measurement_id or api_secret"));
    return true;
  }
  auto parsed = sources::mp::parse(req.body);
  if (!parsed.ok) {
    finish(refuse_request("mp", ir.request_trace, 400, "malformed_request", "request rejected at ingest", parsed.error,
                          parsed.error));
    return true;
  }
  ir.ingest_us = util::mono_us() - t0;
  std::vector<IngestRecord> records;
  for (auto& e : parsed.events) {
    IngestRecord rec;
    rec.index = e.index;
    rec.ok = e.ok;
    rec.error = std::move(e.error);
    rec.event_data = std::move(e.event_data);
    rec.notes = std::move(e.notes);
    if (rec.ok) {
      // Consent Mode v2 signals in the request: denied ad_user_data means no user data may go to Meta.
      if (auto c = rec.event_data.find("x-ga-mp-consent"); c != rec.event_data.end() && c->value("ad_user_data", "") == "denied") {
        rec.ok = false;
        rec.error = "consent: ad_user_data denied";
      } else if (!rec.event_data.contains("action_source")) {
        const bool web = rec.event_data.contains("page_location") && rec.event_data.contains("user_agent");
        rec.event_data["action_source"] = web ? "website" : "system_generated";
      }
    }
    records.push_back(std::move(rec));
  }
  // One pseudo-source per site: the Measurement Protocol shares the GA4 site's pixels.
  config::SourceConfig src;
  src.name = "mp";
  src.type = "mp";
  src.path = "/mp/collect";
  src.site = site->id;
  process_records(state, cfg, src, std::move(ir), std::move(records), std::move(finish));
  return true;
}

}  // namespace sidetag::app
