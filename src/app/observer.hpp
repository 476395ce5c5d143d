#pragma once
#include "sidetag/pipeline/runner.hpp"

namespace sidetag::app {

// Logs around every stage (debug: one line per stage; info: one summary line per event with every stage's
// timing) and counts stage outcomes and durations.
class PipelineObserver final : public pipeline::RunnerObserver {
 public:
  void on_stage(const pipeline::Event& ev, const pipeline::StageRecord& rec) override;
  void on_event_done(const pipeline::Event& ev) override;
};

// The ingest stage runs inside the source; this records it like the others.
void observe_ingest(const pipeline::Event& ev);

}  // namespace sidetag::app
