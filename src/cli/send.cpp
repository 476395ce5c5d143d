// `sidetag send`: runs an offline file (CSV or NDJSON) through the same mapping and pipeline as the source's
// webhook, in-process, with the configured dispatch (live or sandbox). Streams in constant memory; re-running the
// same file is safe because event_ids come from the records (Meta deduplicates them).
#include "sidetag/cli/send.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "sidetag/app/app.hpp"
#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/dispatcher.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/pipeline/runner.hpp"
#include "sidetag/sources/mapped/json_records.hpp"
#include "sidetag/sources/mapped/mapping.hpp"
#include "sidetag/util/clock.hpp"

namespace sidetag::cli {

namespace {

using nlohmann::json;
namespace mapped = sources::mapped;

constexpr int kExitUsage = 2;
constexpr int kExitSomeRejected = 3;
constexpr int kExitDataErr = 65;  // EX_DATAERR: the file itself is unusable
constexpr int kExitConfig = 78;
constexpr std::size_t kMaxInFlight = 20'000;  // events queued for dispatch before reading pauses

const char* kUsage =
    "usage: sidetag send --config FILE [--env ENV] --source NAME [--rejects PATH] [--log-level LEVEL]\n"
    "                    [--timeout SECONDS] INPUT\n"
    "  Sends a CSV or NDJSON file through source NAME's mapping and the pipeline. Rejected rows go to\n"
    "  PATH (default INPUT.rejects.csv / .rejects.ndjson) with their line and reason.\n"
    "  Exit: 0 all rows sent, 3 some rows rejected, 1 events left undelivered, 65 unusable file, 78 bad config.\n";

std::string csv_quote(std::string_view v, char delimiter) {
  const char special[] = {delimiter, '"', '\r', '\n', '\0'};
  if (v.find_first_of(special) == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

// "line 12: field 'event_time' ..." -> "field 'event_time' ..." so reasons group across rows.
std::string reason_key(const std::string& stage, std::string reason) {
  if (reason.rfind("line ", 0) == 0) {
    auto colon = reason.find(": ");
    if (colon != std::string::npos) reason = reason.substr(colon + 2);
  }
  if (reason.size() > 120) reason = reason.substr(0, 117) + "...";
  return stage + ": " + reason;
}

// The progress bar (a terminal) or plain progress lines (anything else). On a terminal it is registered with the
// logger, which clears the bar before it writes log lines and redraws it after, so warnings appear above the bar.
struct Progress final : observe::TerminalLine {
  bool tty = isatty(STDERR_FILENO) != 0;
  std::uintmax_t total_bytes = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last;
  int last_decile = -1;
  std::mutex mu;
  std::string bar;  // the bar as last drawn (guarded by mu)

  void clear() override {
    std::lock_guard lock(mu);
    if (!bar.empty()) std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
  void redraw() override {
    std::lock_guard lock(mu);
    if (!bar.empty()) std::fputs(bar.c_str(), stderr);
    std::fflush(stderr);
  }

  void update(std::uintmax_t bytes, std::size_t rows, std::size_t rejected, bool final = false) {
    auto now = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(now - start).count();
    const double frac = total_bytes ? std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_bytes)) : 0.0;
    const double rate = secs > 0 ? rows / secs : 0;
    if (tty) {
      if (!final && now - last < std::chrono::milliseconds(100)) return;
      last = now;
      const int width = 30, filled = static_cast<int>(frac * width);
      char text[256];
      std::snprintf(text, sizeof text, "\r[%s%s] %5.1f%%  %zu rows  %zu rejected  %.0f rows/s ",
                    std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(), frac * 100, rows,
                    rejected, rate);
      std::lock_guard lock(mu);
      bar = text;
      std::fputs(bar.c_str(), stderr);
      if (final) {
        std::fputc('\n', stderr);
        bar.clear();  // the finished bar stays where it is; later lines go below it
      }
      std::fflush(stderr);
    } else {
      // Plain progress lines when not on a terminal (CI logs, cron): one per 10 %.
      const int decile = static_cast<int>(frac * 10);
      if (!final && decile == last_decile) return;
      last_decile = decile;
      std::fprintf(stderr, "progress: %.0f%% %zu rows, %zu rejected, %.0f rows/s\n", frac * 100, rows, rejected, rate);
    }
  }
};

}  // namespace

int send_command(const std::vector<std::string>& args) {
  std::string config_path, env, source_name, rejects_path, input, level = "warn";
  int timeout_s = 300;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--config" || a == "-c") ok = value(config_path);
    else if (a == "--env" || a == "-e") ok = value(env);
    else if (a == "--source") ok = value(source_name);
    else if (a == "--rejects") ok = value(rejects_path);
    else if (a == "--log-level") ok = value(level);
    else if (a == "--timeout") {
      std::string t;
      ok = value(t);
      if (ok) timeout_s = std::atoi(t.c_str());
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "sidetag send: unknown option '" << a << "'\n" << kUsage;
      return kExitUsage;
    } else if (input.empty()) {
      input = a;
    } else {
      std::cerr << "sidetag send: one input file at a time\n" << kUsage;
      return kExitUsage;
    }
    if (!ok) {
      std::cerr << "sidetag send: " << a << " needs a value\n" << kUsage;
      return kExitUsage;
    }
  }
  if (config_path.empty() || source_name.empty() || input.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  if (env.empty()) {
    const char* e = std::getenv("SIDETAG_ENV");
    env = e && *e ? e : "dev";
  }
  auto loaded = config::load_file(config_path, env);
  if (!loaded.config) {
    std::cerr << "sidetag: " << config_path << " (env " << env << "): " << loaded.errors.size() << " errors\n";
    for (const auto& e : loaded.errors) std::cerr << "  " << e << "\n";
    return kExitConfig;
  }
  // The file is the durable copy: in-process delivery keeps events in memory (a rerun resends, idempotently).
  auto cfg_copy = std::make_shared<config::Config>(*loaded.config);
  cfg_copy->delivery.durability = config::Durability::memory;
  std::shared_ptr<const config::Config> cfg = cfg_copy;
  const config::SourceConfig* src = nullptr;
  for (const auto& s : cfg->sources) {
    if (s.name == source_name) src = &s;
  }
  if (!src || !src->mapper) {
    std::cerr << "sidetag send: no source '" << source_name << "' of type mapped in " << config_path << "\n";
    return kExitConfig;
  }
  const auto& mapper = *src->mapper;
  const auto format = mapper.spec().format;
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::cerr << "sidetag send: cannot read " << input << "\n";
    return kExitDataErr;
  }
  observe::init_logging(observe::parse_level(level), cfg->env);
  observe::set_secrets(cfg->secrets());

  destinations::meta::Dispatcher dispatcher(cfg);
  dispatcher.start();
  auto runner = app::make_meta_pipeline(dispatcher);

  if (rejects_path.empty()) rejects_path = input + (format == mapped::SourceFormat::csv ? ".rejects.csv" : ".rejects.ndjson");
  std::ofstream rejects(rejects_path, std::ios::binary | std::ios::trunc);
  bool rejects_header_written = false;

  Progress progress;
  if (progress.tty) observe::set_terminal_line(&progress);
  struct Unregister {
    ~Unregister() { observe::set_terminal_line(nullptr); }
  } unregister;
  in.seekg(0, std::ios::end);
  progress.total_bytes = static_cast<std::uintmax_t>(in.tellg());
  in.seekg(0);

  const config::SiteConfig* site = cfg->find_site(src->site);
  std::size_t rows = 0, sent = 0, rejected = 0;
  std::map<std::string, std::size_t> reasons;
  const auto t_start = std::chrono::steady_clock::now();

  // Runs one mapped record through the pipeline; returns "" when queued, else "<stage>\t<reason>".
  auto process = [&](mapped::RecordResult& r) -> std::pair<std::string, std::string> {
    pipeline::Event ev;
    ev.index = r.index;
    ev.trace.trace_id = pipeline::new_trace_id();
    ev.trace.env = cfg->env;
    ev.trace.source = src->name;
    ev.trace.site = src->site;
    ev.trace.received_us = util::now_unix_us();
    ev.trace.notes = std::move(r.notes);
    if (!r.accepted) {
      pipeline::record_stage(ev, "ingest", ev.trace.received_us, 0, pipeline::Outcome::stopped, r.reason);
      return {"ingest", r.reason};
    }
    ev.data = std::move(r.event_data);
    if (!src->action_source.empty() && !ev.data.contains("action_source")) ev.data["action_source"] = src->action_source;
    pipeline::record_stage(ev, "ingest", ev.trace.received_us, 0, pipeline::Outcome::ok, "send");
    pipeline::StageContext ctx;
    ctx.config = cfg;
    ctx.site = site;
    ctx.now_s = util::now_unix_us() / 1'000'000;
    if (!runner->run(ev, ctx)) return {ev.stop_stage, ev.stop_reason};
    return {};
  };
  auto wait_for_room = [&] {
    while (dispatcher.pending() > kMaxInFlight) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  };
  auto count_reject = [&](const std::string& stage, const std::string& reason) {
    ++rejected;
    ++reasons[reason_key(stage, reason)];
  };

  if (format == mapped::SourceFormat::csv) {
    mapped::CsvOptions opts;
    opts.delimiter = mapper.spec().delimiter;
    mapped::CsvReader reader(in, opts);
    const char d = opts.delimiter;
    bool header_checked = false;
    while (auto rec = reader.next()) {
      if (!header_checked) {
        header_checked = true;
        auto missing = mapper.missing_csv_columns(reader.header());
        if (!missing.empty()) {
          std::cerr << "sidetag send: " << input << " cannot be mapped by source " << source_name << ":\n";
          for (const auto& m : missing) std::cerr << "  " << m << "\n";
          dispatcher.stop();
          return kExitDataErr;
        }
        // Same columns and delimiter as the input, so fixed rows can be sent again as they are.
        for (const auto& n : reader.header().names) rejects << csv_quote(n, d) << d;
        rejects << "_line" << d << "_stage" << d << "_reason\n";
        rejects_header_written = true;
      }
      ++rows;
      wait_for_room();
      auto result = mapper.map_csv(*rec);
      auto [stage, reason] = process(result);
      if (stage.empty()) {
        ++sent;
      } else {
        count_reject(stage, reason);
        for (const auto& v : rec->values) rejects << csv_quote(v, d) << d;
        rejects << rec->line << d << stage << d << csv_quote(reason, d) << '\n';
      }
      if ((rows & 255) == 0) progress.update(static_cast<std::uintmax_t>(in.tellg()), rows, rejected);
    }
    if (!header_checked && !reader.header_error().empty()) {
      std::cerr << "sidetag send: " << input << ": " << reader.header_error() << "\n";
      dispatcher.stop();
      return kExitDataErr;
    }
  } else {
    // NDJSON (one record per line); a `json` source's file is read as NDJSON too, one document per line.
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      ++rows;
      wait_for_room();
      json value;
      std::string err;
      mapped::RecordResult result;
      if (!mapped::parse_json_limited(line, mapper.spec().max_depth, value, err)) {
        result.index = rows - 1;
        result.line = line_no;
        result.reason = "line " + std::to_string(line_no) + ": " + err;
      } else {
        result = mapper.map_json(value, rows - 1, line_no);
      }
      auto [stage, reason] = process(result);
      if (stage.empty()) {
        ++sent;
      } else {
        count_reject(stage, reason);
        json rec = {{"line", line_no}, {"stage", stage}, {"reason", reason}};
        if (value.is_discarded() || value.is_null()) rec["raw"] = line;
        else rec["record"] = value;
        rejects << rec.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
      }
      if ((rows & 255) == 0) progress.update(static_cast<std::uintmax_t>(in.tellg()), rows, rejected);
    }
    rejects_header_written = true;
  }
  progress.update(progress.total_bytes, rows, rejected, true);
  rejects.close();
  if (rejected == 0) std::remove(rejects_path.c_str());

  const auto left = dispatcher.drain(std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s));
  dispatcher.stop();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  auto& m = observe::metrics();
  const auto delivered = m.counter("sidetag_dispatch_events_total", "outcome=\"delivered\"").value();
  const auto recorded = m.counter("sidetag_dispatch_events_total", "outcome=\"sandbox\"").value();
  const auto dead = m.counter("sidetag_dispatch_events_total", "outcome=\"dead_lettered\"").value();
  observe::shutdown_logging();

  json summary = {{"file", input},
                  {"source", source_name},
                  {"rows", rows},
                  {"sent", sent},
                  {"rejected", rejected},
                  {"delivered", delivered},
                  {"sandbox_recorded", recorded},
                  {"dead_lettered", dead},
                  {"undelivered", left},
                  {"seconds", static_cast<double>(static_cast<long long>(secs * 100)) / 100},
                  {"rejected_by_reason", reasons}};
  if (rejected > 0) summary["rejects_file"] = rejects_path;
  std::cout << "sidetag send: " << rows << " rows read, " << sent << " sent, " << rejected << " rejected";
  if (cfg->meta.dispatch == config::DispatchMode::sandbox) std::cout << " (sandbox: recorded to " << cfg->meta.sandbox_file << ")";
  std::cout << " in " << secs << " s\n";
  for (const auto& [reason, n] : reasons) std::cout << "  " << n << " x " << reason << "\n";
  if (rejected > 0) std::cout << "  rejected rows: " << rejects_path << "\n";
  if (left > 0) std::cout << "  " << left << " events could not be delivered before the timeout; rerun the file (event_ids deduplicate)\n";
  std::cout << summary.dump() << "\n";
  (void)rejects_header_written;
  if (left > 0) return 1;
  return rejected > 0 ? kExitSomeRejected : 0;
}

}  // namespace sidetag::cli
