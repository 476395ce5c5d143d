#include "sidetag/delivery/dlq_cli.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "sidetag/config/config.hpp"
#include "sidetag/delivery/dead_letters.hpp"
#include "sidetag/destinations/meta/dispatcher.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/util/clock.hpp"

namespace sidetag::delivery {

using nlohmann::json;

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitConfig = 78;
constexpr const char* kDefaultFile = "var/dead-letters.ndjson";

const char* kUsage =
    "usage: sidetag dlq list   [--since T] [--json] [--file F | --config F [--env E]]\n"
    "       sidetag dlq replay [--since T] [--config F] [--env E] [--timeout SECONDS]\n"
    "       sidetag dlq purge  [--before T] [--file F | --config F [--env E]]\n"
    "T: 2026-11-26T10:00:00Z, 2026-11-26, Unix seconds, or a duration back from now (90s, 30m, 6h, 7d)\n";

struct Args {
  std::string sub, since, before, file, config, env;
  bool json_out = false;
  int timeout_s = 60;
  std::string error;
};

bool parse(const std::vector<std::string>& args, Args& a) {
  if (args.empty()) {
    a.error = "missing subcommand";
    return false;
  }
  a.sub = args[0];
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& s = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) {
        a.error = s + " needs a value";
        return false;
      }
      out = args[++i];
      return true;
    };
    std::string tmp;
    if (s == "--since") {
      if (!value(a.since)) return false;
    } else if (s == "--before") {
      if (!value(a.before)) return false;
    } else if (s == "--file") {
      if (!value(a.file)) return false;
    } else if (s == "--config" || s == "-c") {
      if (!value(a.config)) return false;
    } else if (s == "--env" || s == "-e") {
      if (!value(a.env)) return false;
    } else if (s == "--json") {
      a.json_out = true;
    } else if (s == "--timeout") {
      if (!value(tmp)) return false;
      a.timeout_s = std::atoi(tmp.c_str());
      if (a.timeout_s <= 0) {
        a.error = "--timeout needs a positive number of seconds";
        return false;
      }
    } else {
      a.error = "unknown option '" + s + "'";
      return false;
    }
  }
  if (a.config.empty()) {
    if (const char* c = std::getenv("SIDETAG_CONFIG"); c && *c) a.config = c;
  }
  if (a.env.empty()) {
    if (const char* e = std::getenv("SIDETAG_ENV"); e && *e) a.env = e;
  }
  if (a.env.empty()) a.env = "dev";
  return true;
}

std::shared_ptr<const config::Config> load(const Args& a) {
  auto r = config::load_file(a.config, a.env);
  if (!r.config) {
    std::cerr << "sidetag dlq: " << a.config << " (env " << a.env << "): " << r.errors.size() << " error(s)\n";
    for (const auto& e : r.errors) std::cerr << "  " << e << "\n";
  }
  return r.config;
}

// The store's path; config is loaded when --config (or $SIDETAG_CONFIG) is given.
bool store_path(const Args& a, std::string& path, std::shared_ptr<const config::Config>* loaded = nullptr) {
  if (!a.file.empty()) {
    path = a.file;
    return true;
  }
  if (!a.config.empty()) {
    auto c = load(a);
    if (!c) return false;
    path = c->meta.dead_letter_file;
    if (loaded) *loaded = c;
    return true;
  }
  path = kDefaultFile;
  return true;
}

bool time_filter(const std::string& text, const char* opt, std::int64_t& out) {
  out = 0;
  if (text.empty()) return true;
  if (!parse_time_arg(text, util::now_unix_us(), out)) {
    std::cerr << "sidetag dlq: " << opt << " '" << text << "' is not a time (2026-11-26T10:00:00Z, Unix seconds, 30m, 6h, 7d)\n";
    return false;
  }
  return true;
}

std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int cmd_list(const Args& a) {
  std::string path;
  std::int64_t since = 0;
  if (!store_path(a, path) || !time_filter(a.since, "--since", since)) return kExitConfig;
  std::size_t bad = 0, shown = 0;
  for (const auto& r : dlq_read(path, &bad)) {
    if (since && dlq_record_time_us(r) < since) continue;
    ++shown;
    if (a.json_out) {
      std::cout << r.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      continue;
    }
    const json& ev = r.contains("event") ? r["event"] : json::object();
    std::cout << str(r, "ts") << "  id=" << str(r, "id") << "  pixel=" << str(r, "pixel_id")
              << "  trace_id=" << str(r, "trace_id") << "  event=" << ev.value("event_name", "") << "/"
              << ev.value("event_id", "") << "\n    reason: " << str(r, "reason") << "\n";
    if (auto m = r.find("meta_response"); m != r.end() && m->is_object()) {
      std::cout << "    meta: http " << m->value("http_status", 0) << " code " << m->value("code", 0) << " subcode "
                << m->value("error_subcode", 0) << " fbtrace_id " << m->value("fbtrace_id", "") << ": "
                << m->value("message", "") << "\n";
    }
  }
  std::cerr << shown << " dead-lettered event" << (shown == 1 ? "" : "s") << " in " << path;
  if (bad) std::cerr << " (" << bad << " unreadable line" << (bad == 1 ? "" : "s") << ")";
  std::cerr << "\n";
  return 0;
}

int cmd_purge(const Args& a) {
  std::string path;
  std::int64_t before = 0;
  if (!store_path(a, path) || !time_filter(a.before, "--before", before)) return kExitConfig;
  std::size_t removed = 0;
  std::string error;
  const bool ok = dlq_rewrite(path, [&](const json& r) { return before != 0 && dlq_record_time_us(r) >= before; }, removed, error);
  if (!ok) {
    std::cerr << "sidetag dlq purge: " << error << "\n";
    return 1;
  }
  std::cout << "purged " << removed << " record" << (removed == 1 ? "" : "s") << " from " << path << "\n";
  return 0;
}

int cmd_replay(const Args& a) {
  if (a.config.empty()) {
    std::cerr << "sidetag dlq replay: --config FILE is required (the Graph API settings and tokens come from it)\n";
    return kExitUsage;
  }
  std::int64_t since = 0;
  if (!time_filter(a.since, "--since", since)) return kExitConfig;
  auto cfg = load(a);
  if (!cfg) return kExitConfig;
  const std::string path = a.file.empty() ? cfg->meta.dead_letter_file : a.file;
  observe::init_logging(observe::Level::warn, cfg->env);
  observe::set_secrets(cfg->secrets());

  std::mutex mu;
  std::set<std::string> delivered;
  std::map<std::string, std::string> failed;  // id -> reason
  destinations::meta::DispatcherHooks hooks;
  hooks.delivered = [&](const destinations::meta::DispatchItem& i) {
    std::lock_guard lock(mu);
    delivered.insert(i.replay_of);
  };
  hooks.dead_letter = [&](const destinations::meta::DispatchItem& i, const json& rec) {
    std::lock_guard lock(mu);
    failed[i.replay_of] = str(rec, "reason");
  };
  destinations::meta::Dispatcher d(cfg, hooks);
  d.start();
  std::size_t submitted = 0;
  for (const auto& r : dlq_read(path)) {
    if (since && dlq_record_time_us(r) < since) continue;
    const std::string id = str(r, "id");
    if (id.empty() || !r.contains("event") || !r["event"].is_object()) continue;
    destinations::meta::DispatchItem item;
    item.pixel_id = str(r, "pixel_id");
    item.test_event_code = str(r, "test_event_code");
    item.trace_id = str(r, "trace_id");
    item.event = r["event"];
    item.replay_of = id;
    item.accepted_us = util::now_unix_us();
    std::string reason;
    if (d.submit(std::move(item), reason)) ++submitted;
  }
  const std::size_t left = d.drain(std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout_s));
  d.stop();
  std::size_t removed = 0;
  std::string error;
  const bool ok = dlq_rewrite(path, [&](const json& r) { return !delivered.count(str(r, "id")); }, removed, error);
  std::cout << "replayed " << submitted << " record" << (submitted == 1 ? "" : "s") << ": " << delivered.size()
            << " delivered and removed, " << failed.size() << " still rejected, " << left
            << " not settled before the timeout (kept)\n";
  for (const auto& [id, reason] : failed) std::cout << "  id=" << id << ": " << reason << "\n";
  observe::shutdown_logging();
  if (!ok) {
    std::cerr << "sidetag dlq replay: " << error << "\n";
    return 1;
  }
  return failed.empty() && left == 0 ? 0 : 1;
}

}  // namespace

int dlq_command(const std::vector<std::string>& args) {
  Args a;
  if (!parse(args, a)) {
    std::cerr << "sidetag dlq: " << a.error << "\n" << kUsage;
    return kExitUsage;
  }
  if (a.sub == "list") return cmd_list(a);
  if (a.sub == "purge") return cmd_purge(a);
  if (a.sub == "replay") return cmd_replay(a);
  std::cerr << "sidetag dlq: unknown subcommand '" << a.sub << "'\n" << kUsage;
  return kExitUsage;
}

}  // namespace sidetag::delivery
