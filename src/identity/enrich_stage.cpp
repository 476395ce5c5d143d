#include "sidetag/config/config.hpp"
#include "sidetag/identity/enrich.hpp"

namespace sidetag::identity {

namespace {
class EnrichStage final : public pipeline::Stage {
 public:
  std::string_view name() const override { return "enrich"; }
  pipeline::StageResult run(pipeline::Event&, const pipeline::StageContext& ctx) override {
    if (!ctx.config || !ctx.config->identity.enabled) return pipeline::StageResult::skipped("identity disabled");
    // Enabled but no store configured yet: say so instead of pretending to enrich.
    return pipeline::StageResult::skipped("identity store not available in this build");
  }
};
}  // namespace

std::unique_ptr<pipeline::Stage> make_enrich_stage() { return std::make_unique<EnrichStage>(); }

}  // namespace sidetag::identity
