#include "app/observer.hpp"

#include <iterator>
#include <unordered_map>

#include "sidetag/observe/log.hpp"
#include "sidetag/observe/metrics.hpp"

namespace sidetag::app {

using nlohmann::json;
using observe::Level;

namespace {
std::string event_name_of(const pipeline::Event& ev) {
  if (ev.payload.is_object() && ev.payload.contains("event_name")) return ev.payload["event_name"].get<std::string>();
  if (auto it = ev.data.find("event_name"); it != ev.data.end() && it->is_string()) return it->get<std::string>();
  return "";
}

// The counters and histogram of one stage, looked up once per thread: building label text and taking the
// registry's lock for every stage of every event cost more than the stage being measured.
struct StageMetrics {
  observe::Counter* by_outcome[4] = {};
  observe::Histogram* duration = nullptr;
};

void count_stage(const pipeline::StageRecord& rec) {
  thread_local std::unordered_map<std::string, StageMetrics> cache;
  auto [it, fresh] = cache.try_emplace(rec.stage);
  StageMetrics& m = it->second;
  if (fresh) {
    m.duration = &observe::metrics().histogram("sidetag_stage_duration_seconds", observe::label("stage", rec.stage));
  }
  const auto o = static_cast<std::size_t>(rec.outcome);
  observe::Counter* c = o < std::size(m.by_outcome) ? m.by_outcome[o] : nullptr;
  if (!c) {
    c = &observe::metrics().counter("sidetag_stage_events_total", observe::label("stage", rec.stage) + "," +
                                                                     observe::label("outcome", pipeline::to_string(rec.outcome)));
    if (o < std::size(m.by_outcome)) m.by_outcome[o] = c;
  }
  c->inc();
  m.duration->observe(static_cast<double>(rec.duration_us) / 1e6);
}

void log_stage(const pipeline::Event& ev, const pipeline::StageRecord& rec) {
  if (!observe::log_enabled(Level::debug)) return;
  observe::log(Level::debug, {{"msg", "stage"},
                              {"trace_id", ev.trace.trace_id},
                              {"source", ev.trace.source},
                              {"stage", rec.stage},
                              {"event_name", event_name_of(ev)},
                              {"outcome", pipeline::to_string(rec.outcome)},
                              {"duration_us", rec.duration_us},
                              {"detail", rec.detail}});
}
}  // namespace

void observe_ingest(const pipeline::Event& ev) {
  if (ev.trace.stages.empty()) return;
  count_stage(ev.trace.stages.front());
  log_stage(ev, ev.trace.stages.front());
}

void PipelineObserver::on_stage(const pipeline::Event& ev, const pipeline::StageRecord& rec) {
  count_stage(rec);
  log_stage(ev, rec);
}

void PipelineObserver::on_event_done(const pipeline::Event& ev) {
  const auto level = ev.stopped ? Level::warn : Level::info;
  if (!observe::log_enabled(level)) return;
  // One preformatted line per event (the hot path): no JSON DOM, values escaped once.
  std::string f;
  f.reserve(512);
  auto str = [&](const char* key, std::string_view value) {
    f += '"';
    f += key;
    f += "\":";
    observe::json_escape(f, value);
    f += ',';
  };
  str("msg", "event");
  str("trace_id", ev.trace.trace_id);
  str("source", ev.trace.source);
  str("site", ev.trace.site);
  str("stage", ev.stopped ? std::string_view(ev.stop_stage) : std::string_view("dispatch"));
  str("event_name", event_name_of(ev));
  str("outcome", ev.stopped ? "stopped" : "ok");
  std::int64_t total = 0;
  std::string stages = "{";
  for (const auto& s : ev.trace.stages) {
    if (stages.size() > 1) stages += ',';
    stages += '"';
    stages += s.stage;
    stages += "\":{\"us\":";
    stages += std::to_string(s.duration_us);
    stages += ",\"outcome\":\"";
    stages += pipeline::to_string(s.outcome);
    stages += "\"}";
    total += s.duration_us;
  }
  stages += '}';
  f += "\"duration_us\":" + std::to_string(total) + ",\"stages\":" + stages;
  if (ev.stopped) {
    f += ',';
    str("reason", ev.stop_reason);
    f.pop_back();
  }
  if (!ev.pixel_id.empty()) {
    f += ',';
    str("pixel_id", ev.pixel_id);
    f.pop_back();
  }
  if (!ev.trace.notes.empty()) {
    f += ",\"notes\":[";
    for (std::size_t i = 0; i < ev.trace.notes.size(); ++i) {
      if (i) f += ',';
      observe::json_escape(f, ev.trace.notes[i]);
    }
    f += ']';
  }
  observe::log_preformatted(level, f);
}

}  // namespace sidetag::app
