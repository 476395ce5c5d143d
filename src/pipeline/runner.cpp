#include "sidetag/pipeline/runner.hpp"

#include <exception>

#include "sidetag/util/clock.hpp"

namespace sidetag::pipeline {

Runner::Runner(std::vector<std::unique_ptr<Stage>> stages, RunnerObserver* observer)
    : stages_(std::move(stages)), observer_(observer) {}

void record_stage(Event& event, std::string_view stage, std::int64_t start_us, std::int64_t duration_us,
                  Outcome outcome, std::string detail) {
  StageRecord rec;
  rec.stage = std::string(stage);
  rec.start_us = start_us;
  rec.duration_us = duration_us;
  rec.outcome = outcome;
  rec.detail = std::move(detail);
  if (outcome == Outcome::stopped || outcome == Outcome::error) {
    event.stopped = true;
    event.stop_stage = rec.stage;
    event.stop_reason = rec.detail;
  }
  event.trace.stages.push_back(std::move(rec));
}

bool Runner::run(Event& event, const StageContext& ctx) const {
  for (const auto& stage : stages_) {
    if (event.stopped) break;
    const auto wall = util::now_unix_us();
    const auto t0 = util::mono_us();
    StageResult result;
    try {
      result = stage->run(event, ctx);
    } catch (const std::exception& e) {
      // A stage bug must not take the server down or lose the event silently: record it as an error.
      result = StageResult::error(std::string("internal error: ") + e.what());
    }
    record_stage(event, stage->name(), wall, util::mono_us() - t0, result.outcome, std::move(result.detail));
    if (observer_) observer_->on_stage(event, event.trace.stages.back());
  }
  if (observer_) observer_->on_event_done(event);
  return !event.stopped;
}

}  // namespace sidetag::pipeline
