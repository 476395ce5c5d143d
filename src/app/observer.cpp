#include "app/observer.hpp"

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

void count_stage(const pipeline::StageRecord& rec) {
  observe::metrics()
      .counter("sidetag_stage_events_total", observe::label("stage", rec.stage) + "," + observe::label("outcome", pipeline::to_string(rec.outcome)))
      .inc();
  observe::metrics().histogram("sidetag_stage_duration_seconds", observe::label("stage", rec.stage)).observe(rec.duration_us / 1e6);
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
  if (!observe::log_enabled(Level::info)) return;
  json stages = json::object();
  std::int64_t total = 0;
  for (const auto& s : ev.trace.stages) {
    stages[s.stage] = {{"us", s.duration_us}, {"outcome", pipeline::to_string(s.outcome)}};
    total += s.duration_us;
  }
  json line = {{"msg", "event"},
               {"trace_id", ev.trace.trace_id},
               {"source", ev.trace.source},
               {"site", ev.trace.site},
               {"stage", ev.stopped ? ev.stop_stage : "dispatch"},
               {"event_name", event_name_of(ev)},
               {"outcome", ev.stopped ? "stopped" : "ok"},
               {"duration_us", total},
               {"stages", std::move(stages)}};
  if (ev.stopped) line["reason"] = ev.stop_reason;
  if (!ev.trace.notes.empty()) line["notes"] = ev.trace.notes;
  if (!ev.pixel_id.empty()) line["pixel_id"] = ev.pixel_id;
  observe::log(ev.stopped ? Level::warn : Level::info, std::move(line));
}

}  // namespace sidetag::app
