#pragma once
// The one interface every stage implements. Stages are small, run in a fixed order by the Runner, and may stop an
// event with a reason (consent, validation, ...). A stage never throws for bad data: it returns stopped/error.
#include <memory>
#include <string>
#include <string_view>

#include "sidetag/pipeline/event.hpp"

namespace sidetag::config {
struct Config;
struct SiteConfig;
}  // namespace sidetag::config

namespace sidetag::pipeline {

struct StageResult {
  Outcome outcome = Outcome::ok;
  std::string detail;
  static StageResult ok(std::string detail = {}) { return {Outcome::ok, std::move(detail)}; }
  static StageResult skipped(std::string detail = {}) { return {Outcome::skipped, std::move(detail)}; }
  static StageResult stop(std::string reason) { return {Outcome::stopped, std::move(reason)}; }
  static StageResult error(std::string reason) { return {Outcome::error, std::move(reason)}; }
};

// What a stage may look at besides the event: the configuration snapshot the event entered with (a SIGHUP reload
// never changes it mid-flight) and the site the event belongs to.
struct StageContext {
  std::shared_ptr<const config::Config> config;
  const config::SiteConfig* site = nullptr;
  std::int64_t now_s = 0;  // injected wall clock (Unix seconds)
  bool debug_pii = false;  // raw PII may be logged (debug level, non-prod only)
};

class Stage {
 public:
  virtual ~Stage() = default;
  // Stage name as it appears in logs, traces and metrics: ingest, prep, assemble, enrich, validate, dispatch.
  virtual std::string_view name() const = 0;
  virtual StageResult run(Event& event, const StageContext& ctx) = 0;
};

}  // namespace sidetag::pipeline
