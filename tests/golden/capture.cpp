// Captures the golden outputs of tests/fixtures/golden/cases.ndjson from the code before the typed event (the
// nlohmann DOM path of commit 86791a6): every case is replayed in-process through app::handle() with the real
// sources, the real Meta stages and a collecting dispatch sink, at the case's recorded time and with counter trace
// ids (the wall clock and the random hex are redirected with the linker's --wrap, see CMakeLists.txt).
//
//   golden_capture <(zcat cases.ndjson.gz) configs.json expected.ndjson && gzip -9 -n expected.ndjson
//
// One output line per case: the answer (status, headers, body) and, per event, how it ended (stage, reason,
// notes, stage records), its event data after ingest, its Meta payload, and the text each pixel was handed.
// Trace ids are written as <t:N> (N: order of first appearance), so the comparison does not depend on the order in
// which an implementation draws them.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/observer.hpp"
#include "app/routes.hpp"
#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/dispatcher.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/identity/enrich.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/util/crypto.hpp"
#include "sidetag/util/json_write.hpp"

using nlohmann::json;
using namespace sidetag;

namespace {
std::int64_t g_now_us = 0;
std::uint64_t g_random = 0;
const std::map<std::string, std::string>* g_vars = nullptr;

std::vector<json> g_events;
std::vector<destinations::meta::DispatchItem> g_items;

json stage_list(const pipeline::Event& ev) {
  json out = json::array();
  for (const auto& s : ev.trace.stages) out.push_back({s.stage, pipeline::to_string(s.outcome), s.detail});
  return out;
}

void record_event(const pipeline::Event& ev) {
  json e = {{"index", ev.index},
            {"trace", ev.trace.trace_id},
            {"stopped", ev.stopped},
            {"stage", ev.stop_stage},
            {"reason", ev.stop_reason},
            {"notes", ev.trace.notes},
            {"stages", stage_list(ev)},
            {"source", ev.trace.source},
            {"site", ev.trace.site},
            {"data", util::to_json_text(ev.data)}};
  if (ev.payload.is_object() && !ev.payload.empty()) e["payload"] = util::to_json_text(ev.payload);
  g_events.push_back(std::move(e));
}

struct Observer final : pipeline::RunnerObserver {
  void on_event_done(const pipeline::Event& ev) override { record_event(ev); }
};

struct Sink final : destinations::meta::DispatchSink {
  bool submit(destinations::meta::DispatchItem item, std::string&) override {
    g_items.push_back(std::move(item));
    return true;
  }
};

std::optional<std::string> lookup_env(const std::string& name) {
  if (name == "META_TOKEN") return std::string("EAAtesttoken") + std::string(40, 'x');
  if (g_vars) {
    if (auto it = g_vars->find(name); it != g_vars->end()) return it->second;
  }
  return std::nullopt;
}

std::string b64decode(const std::string& in) {
  std::string out;
  util::base64_decode(in, out);
  return out;
}

// <t:N> placeholders for every trace id, in order of first appearance in the events, then the request's.
struct Traces {
  std::vector<std::pair<std::string, std::string>> map;
  void add(const std::string& id) {
    if (id.empty()) return;
    for (auto& [k, v] : map)
      if (k == id) return;
    map.emplace_back(id, "<t:" + std::to_string(map.size()) + ">");
  }
  std::string apply(std::string s) const {
    for (const auto& [k, v] : map) {
      for (std::size_t p = s.find(k); p != std::string::npos; p = s.find(k, p + v.size())) s.replace(p, k.size(), v);
    }
    return s;
  }
  void apply(json& j) const {
    if (j.is_string()) {
      j = apply(j.get<std::string>());
    } else if (j.is_structured()) {
      for (auto& e : j) apply(e);
    }
  }
};

}  // namespace

// The redirected symbols (see CMakeLists.txt: -Wl,--wrap=...), defined under their assembler names.
std::int64_t wrap_now_unix_us() __asm__("__wrap__ZN7sidetag4util11now_unix_usEv");
std::int64_t wrap_now_unix_us() { return g_now_us; }
std::string wrap_random_hex(std::size_t n_bytes) __asm__("__wrap__ZN7sidetag4util10random_hexB5cxx11Em");
std::string wrap_random_hex(std::size_t n_bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(++g_random));
  std::string s(n_bytes * 2, 'a');
  const std::string tail(buf);
  s.replace(s.size() - tail.size(), tail.size(), tail);
  return s;
}
namespace sidetag::app {
void real_on_event_done(PipelineObserver*, const pipeline::Event&) __asm__(
    "__real__ZN7sidetag3app16PipelineObserver13on_event_doneERKNS_8pipeline5EventE");
void wrap_on_event_done(PipelineObserver*, const pipeline::Event&) __asm__(
    "__wrap__ZN7sidetag3app16PipelineObserver13on_event_doneERKNS_8pipeline5EventE");
void wrap_on_event_done(PipelineObserver* self, const pipeline::Event& ev) {
  record_event(ev);
  real_on_event_done(self, ev);
}
}  // namespace sidetag::app

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: golden_capture <cases.ndjson> <configs.json> <expected.ndjson>\n";
    return 2;
  }
  std::ofstream result(argv[3], std::ios::binary | std::ios::trunc);
  std::ifstream cf(argv[2]);
  const json configs = json::parse(cf);
  std::map<std::string, std::shared_ptr<const config::Config>> loaded;
  std::map<std::string, std::map<std::string, std::string>> vars;
  std::ifstream in(argv[1]);
  std::string line;
  Observer observer;
  Sink sink;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    const json c = json::parse(line);
    const std::string cid = c["config"];
    if (!loaded.count(cid)) {
      const json& spec = configs.at(cid);
      auto& v = vars[cid];
      if (spec.contains("vars")) v = spec["vars"].get<std::map<std::string, std::string>>();
      g_vars = &v;
      auto r = config::load_string(spec["text"].get<std::string>(), spec["env"].get<std::string>(), &lookup_env, cid);
      if (!r.config) {
        std::cerr << "config " << cid << " does not load:\n";
        for (const auto& e : r.errors) std::cerr << "  " << e << "\n";
        return 1;
      }
      auto copy = std::make_shared<config::Config>(*r.config);
      copy->meta.ca_file.clear();  // the dispatcher is never started; a test CA file need not exist any more
      loaded[cid] = copy;
    }
    g_vars = &vars[cid];
    const auto cfg = loaded[cid];
    g_now_us = c["t_us"].get<std::int64_t>();
    g_random = 0;
    g_events.clear();
    g_items.clear();

    app::AppState state;
    state.set_config(cfg);
    state.dispatcher = std::make_unique<destinations::meta::Dispatcher>(cfg);
    std::vector<std::unique_ptr<pipeline::Stage>> stages;
    stages.push_back(destinations::meta::make_prep_stage());
    stages.push_back(destinations::meta::make_assemble_stage());
    stages.push_back(identity::make_enrich_stage());
    stages.push_back(destinations::meta::make_validate_stage());
    stages.push_back(destinations::meta::make_dispatch_stage(sink));
    state.runner = std::make_unique<pipeline::Runner>(std::move(stages), &observer);
    state.listening = true;

    server::HttpRequest req;
    req.method = c["method"];
    req.target = c["target"];
    const auto qm = req.target.find('?');
    req.path = req.target.substr(0, qm);
    req.query = qm == std::string::npos ? "" : req.target.substr(qm + 1);
    for (const auto& h : c["headers"]) req.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
    req.body = b64decode(c["body_b64"].get<std::string>());
    req.remote_ip = c["remote_ip"];
    bool answered = false;
    server::HttpResponse resp;
    app::handle(state, std::move(req), [&](server::HttpResponse r) {
      answered = true;
      resp = std::move(r);
    });

    Traces traces;
    for (const auto& e : g_events) traces.add(e["trace"].get<std::string>());
    for (const auto& [k, v] : resp.headers)
      if (k == "X-Trace-Id") traces.add(v);
    json events = json::array();
    for (auto e : g_events) {
      json dispatched = json::array();
      for (const auto& item : g_items) {
        if (item.trace_id != e["trace"].get<std::string>()) continue;
        dispatched.push_back({{"pixel", item.pixel_id}, {"test_event_code", item.test_event_code},
                              {"text", traces.apply(item.text)}, {"event_time", item.event_time},
                              {"action_source", item.action_source}, {"commit", item.commit != nullptr}});
      }
      e["dispatched"] = std::move(dispatched);
      traces.apply(e);
      events.push_back(std::move(e));
    }
    json headers = json::array();
    for (const auto& [k, v] : resp.headers) headers.push_back({k, traces.apply(v)});
    json out = {{"name", c["name"]},
                {"answered", answered},
                {"status", resp.status},
                {"headers", headers},
                {"body", traces.apply(resp.body)},
                {"events", events}};
    result << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    ++n;
    (void)state.dispatcher.release();  // never started; its destructor would join a thread that never ran
  }
  std::cerr << n << " cases captured\n";
  return 0;
}
