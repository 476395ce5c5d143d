// prep: read each Meta user_data field from the event data, normalize it the way Meta's reference normalizer
// does, and hash it. Values that cannot be normalized are dropped with a reason in the trace (never sent
// malformed, never with the raw value in the reason).
#include "destinations/meta/field_sources.hpp"
#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/prep/normalize.hpp"

namespace sidetag::destinations::meta {

namespace {

class PrepStage final : public pipeline::Stage {
 public:
  std::string_view name() const override { return "prep"; }

  pipeline::StageResult run(pipeline::Event& ev, const pipeline::StageContext& ctx) override {
    const LookupScope lookups(ev.data);  // ev.data is only read here
    const config::MetaSiteConfig* site = ctx.site ? &ctx.site->meta : nullptr;
    prep::NormalizeOptions opt;
    if (ctx.site) opt.region = ctx.site->default_region;
    // The event's own country (a two-letter code from the country field's sources) decides how national phone
    // numbers are completed; else the site's default.
    for_each_source(default_user_field_sources(), site, [&](const EffectiveSource& src) {
      if (src.meta_key != "country") return;
      std::vector<std::string> ignored;
      visit_field(ev.data, src, false, ignored, [&](const nlohmann::json& v) {
        if (!v.is_string() || v.get_ref<const std::string&>().size() != 2) return false;
        opt.region = v.get<std::string>();
        return true;
      });
    });
    if (user_data_withheld_by_consent(ev.data)) {
      return pipeline::StageResult::skipped("user data withheld by consent");
    }
    std::size_t kept = 0, dropped = 0;
    for_each_source(default_user_field_sources(), site, [&](const EffectiveSource& src) {
      std::vector<std::string> raw;
      const auto before = ev.trace.notes.size();
      visit_field(ev.data, src, false, ev.trace.notes, [&](const nlohmann::json& v) {
        if (v.is_string()) {
          raw.push_back(v.get<std::string>());
        } else if (v.is_number_integer() || v.is_number_unsigned()) {
          raw.push_back(v.dump());
        }
        return false;
      });
      dropped += ev.trace.notes.size() - before;
      if (raw.empty()) return;
      auto field = prep::field_from_key(src.meta_key);
      if (!field) return;
      auto result = prep::normalize_values(*field, raw, opt);
      for (const auto& reason : result.drop_reasons) {
        ev.trace.notes.push_back(src.meta_key + ": " + reason);
        ++dropped;
      }
      if (!result.hashes.empty()) {
        kept += result.hashes.size();
        ev.hashed_user_data[src.meta_key] = std::move(result.hashes);
      }
    });
    return pipeline::StageResult::ok(std::to_string(kept) + " hashed, " + std::to_string(dropped) + " dropped");
  }
};

}  // namespace

std::unique_ptr<pipeline::Stage> make_prep_stage() { return std::make_unique<PrepStage>(); }

}  // namespace sidetag::destinations::meta
