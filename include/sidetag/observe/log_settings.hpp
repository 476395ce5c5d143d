#pragma once
// `logging:` — log level and raw-PII debugging, with their schema table (src/observe/log_settings.cpp).
#include <string>

#include "sidetag/config/schema.hpp"

namespace sidetag::config {

struct LoggingConfig {
  std::string level = "info";  // trace, debug, info, warn, error
  // Raw PII (emails, phones before hashing) in debug lines. Only honoured in non-prod environments.
  bool debug_pii = false;
};

const Schema<LoggingConfig>& logging_schema();

}  // namespace sidetag::config
