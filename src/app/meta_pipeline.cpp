#include "app/observer.hpp"
#include "sidetag/app/app.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/identity/enrich.hpp"
#include "sidetag/pipeline/runner.hpp"

namespace sidetag::app {

std::unique_ptr<pipeline::Runner> make_meta_pipeline(destinations::meta::DispatchSink& sink) {
  static PipelineObserver observer;  // stateless: one for the process
  std::vector<std::unique_ptr<pipeline::Stage>> stages;
  stages.push_back(destinations::meta::make_prep_stage());
  stages.push_back(destinations::meta::make_assemble_stage());
  stages.push_back(identity::make_enrich_stage());
  stages.push_back(destinations::meta::make_validate_stage());
  stages.push_back(destinations::meta::make_dispatch_stage(sink));
  return std::make_unique<pipeline::Runner>(std::move(stages), &observer);
}

}  // namespace sidetag::app
