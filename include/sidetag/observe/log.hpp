#pragma once
// Structured JSON logging. Each line is one JSON object built with nlohmann::json (spdlog itself does not escape
// JSON), written by an asynchronous spdlog logger to stdout. Every configured secret is scrubbed from every line
// before it is written, as a last line of defence: secrets are never put into log fields in the first place.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidetag::observe {

enum class Level { trace = 0, debug = 1, info = 2, warn = 3, error = 4 };
Level parse_level(const std::string& s);
const char* level_name(Level l);

// Call once at start-up (before threads start). env is added to every line.
void init_logging(Level level, const std::string& env);
void set_level(Level level);
void set_env(const std::string& env);
// Values to scrub from every log line (tokens, API keys, app secrets). Thread-safe; replaces the previous set.
void set_secrets(std::vector<std::string> secrets);
bool log_enabled(Level level);
// Writes one line: {"ts":..., "level":..., "env":..., <fields>}. Fields "msg", "trace_id", "stage" are conventional.
void log(Level level, nlohmann::json fields);
// Hot-path variant: `fields` is already-serialized JSON members without braces ("\"msg\":\"event\",...");
// ts, level and env are prepended. Use json_escape() for every string value.
void log_preformatted(Level level, std::string_view fields);
// Appends s as a JSON string literal (quotes included) to out; invalid UTF-8 becomes U+FFFD.
void json_escape(std::string& out, std::string_view s);
void flush_logs();
void shutdown_logging();

// Something else drawing a line on the terminal (`sidetag send`'s progress bar). While set, every write of log
// lines to stdout is wrapped in clear() and redraw(), so a log line appears above the bar, never inside it. The
// object must outlive its registration; set nullptr to remove it.
class TerminalLine {
 public:
  virtual ~TerminalLine() = default;
  virtual void clear() = 0;
  virtual void redraw() = 0;
};
void set_terminal_line(TerminalLine* line);

// Replaces every occurrence of any secret in text with "[redacted]". Exposed for the sandbox recorder and traces.
std::string scrub_secrets(std::string text);

}  // namespace sidetag::observe
