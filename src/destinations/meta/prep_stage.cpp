// prep: read each Meta user_data field from the event data, normalize it the way Meta's reference normalizer
// does, and hash it. Values that cannot be normalized are dropped with a reason in the trace (never sent
// malformed, never with the raw value in the reason).
#include "destinations/meta/field_sources.hpp"
#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/prep/normalize.hpp"

namespace sidetag::destinations::meta {

namespace {

void collect_strings(const nlohmann::json& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  } else if (v.is_number_integer() || v.is_number_unsigned()) {
    out.push_back(v.dump());
  }
}

class PrepStage final : public pipeline::Stage {
 public:
  std::string_view name() const override { return "prep"; }

  pipeline::StageResult run(pipeline::Event& ev, const pipeline::StageContext& ctx) override {
    prep::NormalizeOptions opt;
    // The event's own country decides how national phone numbers are completed; else the site's default.
    if (const auto* c = lookup(ev.data, "x-fb-ud-country"); c && c->is_string() && c->get_ref<const std::string&>().size() == 2) {
      opt.region = c->get<std::string>();
    } else if (const auto* c2 = lookup(ev.data, "user_data.address.country"); c2 && c2->is_string() && c2->get_ref<const std::string&>().size() == 2) {
      opt.region = c2->get<std::string>();
    } else if (ctx.site) {
      opt.region = ctx.site->default_region;
    }
    std::size_t kept = 0, dropped = 0;
    for (const auto& src : default_user_field_sources()) {
      std::vector<std::string> raw;
      for (const auto& key : src.keys) {
        if (const auto* v = lookup(ev.data, key)) collect_strings(*v, raw);
      }
      if (raw.empty()) continue;
      auto field = prep::field_from_key(src.meta_key);
      if (!field) continue;
      auto result = prep::normalize_values(*field, raw, opt);
      for (const auto& reason : result.drop_reasons) {
        ev.trace.notes.push_back(src.meta_key + ": " + reason);
        ++dropped;
      }
      if (!result.hashes.empty()) {
        kept += result.hashes.size();
        ev.hashed_user_data[src.meta_key] = std::move(result.hashes);
      }
    }
    return pipeline::StageResult::ok(std::to_string(kept) + " hashed, " + std::to_string(dropped) + " dropped");
  }
};

}  // namespace

std::unique_ptr<pipeline::Stage> make_prep_stage() { return std::make_unique<PrepStage>(); }

}  // namespace sidetag::destinations::meta
