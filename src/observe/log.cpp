#include "sidetag/observe/log.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "sidetag/util/clock.hpp"
#include "sidetag/util/json_write.hpp"
#include "sidetag/util/thread_name.hpp"

namespace sidetag::observe {

namespace {
std::mutex g_terminal_mu;
TerminalLine* g_terminal_line = nullptr;  // guarded by g_terminal_mu

// Writes to stdout with a terminal line (progress bar) cleared before and redrawn after.
void write_stdout(const char* data, std::size_t size) {
  std::lock_guard lock(g_terminal_mu);
  if (g_terminal_line) g_terminal_line->clear();
  std::fwrite(data, 1, size, stdout);
  std::fflush(stdout);
  if (g_terminal_line) g_terminal_line->redraw();
}

// JSON lines to stdout, buffered. spdlog's stdout sink fflush()es every line and its async logger wakes its thread
// for every line: on one core that cost ~20 µs per event (bench/README.md). Here a line is written at once when the
// previous write is 20 ms old (a quiet server's lines appear immediately), and otherwise collected: a burst is
// written when 64 KiB are pending, when a warning or error arrives, or by the flusher thread 5 ms after the first
// pending line (one wake-up per write, not per line).
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Called with the sink's lock held when a line stays pending; must not log.
  void set_on_pending(std::function<void()> f) {
    std::lock_guard lock(mutex_);
    on_pending_ = std::move(f);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    buf_.append(msg.payload.data(), msg.payload.size());
    buf_ += '\n';
    const auto now = std::chrono::steady_clock::now();
    if (buf_.size() >= 64 * 1024 || msg.level >= spdlog::level::warn || now - last_write_ >= std::chrono::milliseconds(20) ||
        !on_pending_) {
      write_out(now);
    } else if (!armed_) {
      armed_ = true;
      on_pending_();
    }
  }
  void flush_() override { write_out(std::chrono::steady_clock::now()); }

 private:
  void write_out(std::chrono::steady_clock::time_point now) {
    last_write_ = now;
    armed_ = false;
    if (buf_.empty()) return;
    write_stdout(buf_.data(), buf_.size());
    buf_.clear();
  }

  std::string buf_;
  std::chrono::steady_clock::time_point last_write_{};
  bool armed_ = false;
  std::function<void()> on_pending_;
};

// Writes a burst's pending lines 5 ms after the sink arms it. Stopped by shutdown_logging().
class Flusher {
 public:
  explicit Flusher(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)), thread_([this] {
    util::name_this_thread("st-log");
    run();
  }) {}
  ~Flusher() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void arm() {
    {
      std::lock_guard lock(mu_);
      armed_ = true;
    }
    cv_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || armed_; });
      if (stop_) return;
      cv_.wait_for(lock, std::chrono::milliseconds(5), [this] { return stop_; });
      armed_ = false;
      lock.unlock();
      logger_->flush();
      lock.lock();
    }
  }

  std::shared_ptr<spdlog::logger> logger_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool armed_ = false;
  std::thread thread_;
};

std::unique_ptr<Flusher> g_flusher;
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
    auto sink = std::make_shared<BufferedStdoutSink>();
    g_logger = std::make_shared<spdlog::logger>("sidetag", sink);
    g_logger->set_level(spdlog::level::trace);
    g_flusher = std::make_unique<Flusher>(g_logger);
    sink->set_on_pending([f = g_flusher.get()] { f->arm(); });
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
  std::string text = scrub_secrets(util::to_json_text(line));
  if (g_logger) {
    g_logger->log(level >= Level::warn ? spdlog::level::warn : spdlog::level::info, text);
  } else {
    std::fputs((text + "\n").c_str(), stdout);
  }
}

void json_escape(std::string& out, std::string_view s) {
  // The same escaping and invalid-UTF-8 replacement as nlohmann's dump(), without a json node per value.
  util::append_json_string(out, s);
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

void set_terminal_line(TerminalLine* line) {
  std::lock_guard lock(g_terminal_mu);
  g_terminal_line = line;
}

void flush_logs() {
  if (g_logger) g_logger->flush();
  std::fflush(stdout);
}

void shutdown_logging() {
  if (g_logger) {
    for (auto& sink : g_logger->sinks()) {
      if (auto* b = dynamic_cast<BufferedStdoutSink*>(sink.get())) b->set_on_pending(nullptr);  // writes at once
    }
  }
  g_flusher.reset();
  flush_logs();
  g_logger.reset();
  spdlog::shutdown();
}

}  // namespace sidetag::observe
