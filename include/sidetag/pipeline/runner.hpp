#pragma once
// Runs the stages in order for each event, times them, records the outcome in the trace, logs around every stage
// and counts it in the metrics. Stage order is fixed by the product: prep -> assemble -> enrich -> validate ->
// dispatch (ingest happens in the source, which hands the runner an Event with its ingest record filled in).
#include <functional>
#include <memory>
#include <vector>

#include "sidetag/pipeline/stage.hpp"

namespace sidetag::pipeline {

// Observer hooks, so the pipeline core stays free of logging/metrics libraries (and fuzzable).
struct RunnerObserver {
  virtual ~RunnerObserver() = default;
  virtual void on_stage(const Event&, const StageRecord&) {}
  virtual void on_event_done(const Event&) {}
};

class Runner {
 public:
  Runner(std::vector<std::unique_ptr<Stage>> stages, RunnerObserver* observer);
  // Runs every stage until one stops the event. Returns true when the event went through all stages.
  bool run(Event& event, const StageContext& ctx) const;
  const std::vector<std::unique_ptr<Stage>>& stages() const { return stages_; }

 private:
  std::vector<std::unique_ptr<Stage>> stages_;
  RunnerObserver* observer_;
};

// Records a stage that ran outside the runner (ingest runs inside the source's parser).
void record_stage(Event& event, std::string_view stage, std::int64_t start_us, std::int64_t duration_us,
                  Outcome outcome, std::string detail);

}  // namespace sidetag::pipeline
