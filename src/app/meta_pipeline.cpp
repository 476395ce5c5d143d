#include "app/observer.hpp"
#include "sidetag/app/app.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/identity/enrich.hpp"
#include "sidetag/pipeline/runner.hpp"
#include "sidetag/prep/normalize.hpp"

namespace sidetag::app {

std::unique_ptr<pipeline::Runner> make_meta_pipeline(destinations::meta::DispatchSink& sink) {
  static PipelineObserver observer;  // stateless: one for the process
  // libphonenumber loads its metadata on first use (~6 ms): pay it at start-up, not on the first request.
  (void)prep::normalize_field(prep::Field::ph, "+1 650 555 1212", prep::NormalizeOptions{"US", 0});
  std::vector<std::unique_ptr<pipeline::Stage>> stages;
  stages.push_back(destinations::meta::make_prep_stage());
  stages.push_back(destinations::meta::make_assemble_stage());
  stages.push_back(identity::make_enrich_stage());
  stages.push_back(destinations::meta::make_validate_stage());
  stages.push_back(destinations::meta::make_dispatch_stage(sink));
  return std::make_unique<pipeline::Runner>(std::move(stages), &observer);
}

}  // namespace sidetag::app
