#include "app/observer.hpp"

#include <array>
#include <iterator>
#include <map>
#include <mutex>

#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"

namespace sidetag::app {

using nlohmann::json;
using observe::Level;

namespace {
std::string event_name_of(const pipeline::Event& ev) {
  if (ev.payload.is_object() && ev.payload.contains("event_name")) return ev.payload["event_name"].get<std::string>();
  if (auto it = ev.data.find("event_name"); it != ev.data.end() && it->is_string()) return it->get<std::string>();
  return "";
}

// The counters and histogram of every stage, resolved once. The stage names are the product's fixed list; a name
// outside it (a new stage not added here yet) is resolved under a lock once and kept.
struct StageMetrics {
  std::string_view stage;
  observe::Counter* by_outcome[4] = {};
  observe::Histogram* duration = nullptr;
};

StageMetrics resolve_stage(std::string_view stage) {
  StageMetrics m;
  m.stage = stage;
  auto& s = observe::stats();
  for (int o = 0; o < 4; ++o) {
    m.by_outcome[o] = &s.stage_events_total.with(stage, pipeline::to_string(static_cast<pipeline::Outcome>(o)));
  }
  m.duration = &s.stage_duration_seconds.with(stage);
  return m;
}

const StageMetrics& stage_metrics(std::string_view stage) {
  static const std::array<StageMetrics, 7> known = [] {
    constexpr std::string_view names[] = {"ingest", "consent", "prep", "assemble", "enrich", "validate", "dispatch"};
    std::array<StageMetrics, 7> out;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = resolve_stage(names[i]);
    return out;
  }();
  for (const auto& m : known) {
    if (m.stage == stage) return m;
  }
  static std::mutex mu;
  static std::map<std::string, StageMetrics, std::less<>> others;
  std::lock_guard lock(mu);
  auto it = others.find(stage);
  if (it == others.end()) {
    it = others.emplace(std::string(stage), StageMetrics{}).first;
    it->second = resolve_stage(it->first);
  }
  return it->second;
}

void count_stage(const pipeline::StageRecord& rec) {
  const StageMetrics& m = stage_metrics(rec.stage);
  const auto o = static_cast<std::size_t>(rec.outcome);
  if (o < std::size(m.by_outcome)) m.by_outcome[o]->inc();
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
