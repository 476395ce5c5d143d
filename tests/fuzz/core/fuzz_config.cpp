// Fuzzes the YAML config loader. Environment lookups return nullopt for every variable, so no secret is ever
// read. Invariants: YAML syntax errors and wrong types come back as errors (never an exception or a crash); a
// config is returned exactly when there are no errors.
// Inputs containing "file:" are skipped: ${file:/path} reads the named file, and a generated path such as
// /dev/zero would only measure the fuzzer's patience (the config file is operator input, not untrusted input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "sidetag/config/config.hpp"

using namespace sidetag::config;

namespace {
std::optional<std::string> no_env(const std::string&) { return std::nullopt; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  static const char* const kEnvs[] = {"dev", "prod", "test", "staging"};
  const std::string env = kEnvs[data[0] % 4];
  const std::string yaml(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (yaml.find("file:") != std::string::npos) return 0;
  LoadResult r = load_string(yaml, env, &no_env, "<fuzz>");
  if (r.config && !r.errors.empty()) std::abort();
  if (!r.config && r.errors.empty()) std::abort();
  for (const auto& e : r.errors) {
    if (e.empty()) std::abort();
  }
  if (r.config) {
    if (r.config->env != env) std::abort();
    (void)r.config->secrets();
  }
  (void)environment_names(yaml);
  return 0;
}
