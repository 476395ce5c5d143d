#include "sidetag/observe/log.hpp"

#include <atomic>
#include <mutex>

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "sidetag/util/clock.hpp"

namespace sidetag::observe {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
std::shared_ptr<spdlog::logger> g_logger;
std::mutex g_mu;  // guards g_env and g_secrets pointers
std::shared_ptr<const std::string> g_env = std::make_shared<const std::string>("dev");
std::shared_ptr<const std::vector<std::string>> g_secrets = std::make_shared<const std::vector<std::string>>();

std::shared_ptr<const std::vector<std::string>> secrets_snapshot() {
  std::lock_guard lock(g_mu);
  return g_secrets;
}
}  // namespace

Level parse_level(const std::string& s) {
  if (s == "trace") return Level::trace;
  if (s == "debug") return Level::debug;
  if (s == "warn") return Level::warn;
  if (s == "error") return Level::error;
  return Level::info;
}

const char* level_name(Level l) {
  switch (l) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

void init_logging(Level level, const std::string& env) {
  g_level = static_cast<int>(level);
  set_env(env);
  if (!g_logger) {
    spdlog::init_thread_pool(8192, 1);
    auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    g_logger = std::make_shared<spdlog::async_logger>("sidetag", sink, spdlog::thread_pool(),
                                                      spdlog::async_overflow_policy::block);
    g_logger->set_pattern("%v");
    g_logger->set_level(spdlog::level::trace);
    g_logger->flush_on(spdlog::level::warn);
    spdlog::flush_every(std::chrono::seconds(1));
  }
}

void set_level(Level level) { g_level = static_cast<int>(level); }

void set_env(const std::string& env) {
  auto p = std::make_shared<const std::string>(env);
  std::lock_guard lock(g_mu);
  g_env = p;
}

void set_secrets(std::vector<std::string> secrets) {
  std::erase_if(secrets, [](const std::string& s) { return s.size() < 4; });
  auto p = std::make_shared<const std::vector<std::string>>(std::move(secrets));
  std::lock_guard lock(g_mu);
  g_secrets = p;
}

bool log_enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

std::string scrub_secrets(std::string text) {
  auto secrets = secrets_snapshot();
  for (const auto& s : *secrets) {
    std::size_t pos = 0;
    while ((pos = text.find(s, pos)) != std::string::npos) {
      text.replace(pos, s.size(), "[redacted]");
      pos += 10;
    }
  }
  return text;
}

void log(Level level, nlohmann::json fields) {
  if (!log_enabled(level)) return;
  nlohmann::json line = nlohmann::json::object();
  line["ts"] = util::iso8601_utc_us(util::now_unix_us());
  line["level"] = level_name(level);
  {
    std::lock_guard lock(g_mu);
    line["env"] = *g_env;
  }
  for (auto& [k, v] : fields.items()) line[k] = std::move(v);
  // 'replace' keeps a line with invalid UTF-8 from throwing: it is logged with U+FFFD instead.
  std::string text = scrub_secrets(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (g_logger) {
    g_logger->log(level >= Level::warn ? spdlog::level::warn : spdlog::level::info, text);
  } else {
    std::fputs((text + "\n").c_str(), stdout);
  }
}

void json_escape(std::string& out, std::string_view s) {
  // nlohmann's serializer does the escaping (and replaces invalid UTF-8); a string node is cheap next to an object.
  out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void log_preformatted(Level level, std::string_view fields) {
  if (!log_enabled(level)) return;
  std::string line;
  line.reserve(fields.size() + 96);
  line += "{\"ts\":\"";
  line += util::iso8601_utc_us(util::now_unix_us());
  line += "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"env\":";
  {
    std::lock_guard lock(g_mu);
    json_escape(line, *g_env);
  }
  line += ',';
  line += fields;
  line += '}';
  line = scrub_secrets(std::move(line));
  if (g_logger) {
    g_logger->log(level >= Level::warn ? spdlog::level::warn : spdlog::level::info, line);
  } else {
    std::fputs((line + "\n").c_str(), stdout);
  }
}

void flush_logs() {
  if (g_logger) g_logger->flush();
  std::fflush(stdout);
}

void shutdown_logging() {
  flush_logs();
  g_logger.reset();
  spdlog::shutdown();
}

}  // namespace sidetag::observe
