#include "app/routes_mapped.hpp"

#include "app/ingest.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/sources/mapped/mapping.hpp"
#include "sidetag/util/clock.hpp"

namespace sidetag::app {

using nlohmann::json;
using server::HttpResponse;

void handle_mapped(AppState& state, const std::shared_ptr<const config::Config>& cfg, const config::SourceConfig& src,
                   server::HttpRequest& req, server::Respond& respond) {
  IngestRequest ir = begin_ingest(req, "mapped");
  const auto t0 = util::mono_us();
  auto finish = make_finish(respond, ir.request_trace, src.path);
  const auto& mapper = *src.mapper;
  // The signature covers the raw bytes: verify before parsing anything.
  sources::mapped::WebhookRequest wr;
  wr.method = req.method;
  wr.uri = req.target;
  wr.headers = req.headers;
  wr.body = req.body;
  auto auth = sources::mapped::verify_webhook(mapper.spec().auth, wr, util::now_unix_us() / 1'000'000);
  if (!auth.ok) {
    return finish(refuse_request(src.name, ir.request_trace, 401, "unauthorized", "webhook rejected: authentication failed",
                                 auth.reason, "authentication failed: " + auth.reason));
  }
  auto batch = mapper.map_body(req.body);
  if (!batch.ok) {
    return finish(refuse_request(src.name, ir.request_trace, 400, "malformed_request", "request rejected at ingest",
                                 batch.error, batch.error));
  }
  ir.ingest_us = util::mono_us() - t0;
  std::vector<IngestRecord> records;
  records.reserve(batch.records.size());
  for (auto& r : batch.records) {
    IngestRecord rec;
    rec.index = r.index;
    rec.line = r.line;
    rec.ok = r.accepted;
    rec.error = std::move(r.reason);
    rec.event_data = std::move(r.event_data);
    rec.notes = std::move(r.notes);
    records.push_back(std::move(rec));
  }
  process_records(state, cfg, src, std::move(ir), std::move(records), std::move(finish));
}

}  // namespace sidetag::app
