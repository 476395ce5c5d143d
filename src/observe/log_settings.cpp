// The `logging:` table.
#include "sidetag/observe/log_settings.hpp"

namespace sidetag::config {

const Schema<LoggingConfig>& logging_schema() {
  static const Schema<LoggingConfig> s = [] {
    Schema<LoggingConfig> s("JSON log lines on stdout.");
    s.one_of("level", &LoggingConfig::level, {"trace", "debug", "info", "warn", "error"}, "Lowest level written.");
    s.flag("debug_pii", &LoggingConfig::debug_pii,
           "Raw PII (emails, phones before hashing) in debug lines; refused in a prod environment.");
    return s;
  }();
  return s;
}

}  // namespace sidetag::config
