// validate: reject, with a precise reason, every event Meta would reject, before it is batched (one invalid event
// fails a whole Graph API batch).
#include <set>

#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::destinations::meta {

using nlohmann::json;

namespace {

const std::set<std::string> kActionSources = {"email",          "website", "app",    "phone_call",
                                              "chat",           "physical_store", "system_generated",
                                              "business_messaging", "other"};
const std::set<std::string> kCustomerInfoKeys = {
    "em", "ph", "fn", "ln", "ge", "db", "ct", "st", "zp", "country", "external_id", "client_ip_address",
    "client_user_agent", "fbc", "fbp", "subscription_id", "fb_login_id", "lead_id", "anon_id", "madid",
    "page_id", "ctwa_clid", "f5first", "f5last", "fi", "dobd", "dobm", "doby"};
constexpr std::int64_t kFutureSkewS = 60;

bool digits(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }

// fb.<subdomain index>.<creation time ms>.<id>[.<appendix>] (meta-capi.md §8).
bool valid_fb_cookie(const std::string& v) {
  auto parts = util::split(v, '.');
  if (parts.size() != 4 && parts.size() != 5) return false;
  if (parts[0] != "fb" || !digits(parts[1]) || !digits(parts[2]) || parts[3].empty()) return false;
  if (parts.size() == 5 && parts[4].size() != 2 && parts[4].size() != 8) return false;
  return true;
}

class ValidateStage final : public pipeline::Stage {
 public:
  std::string_view name() const override { return "validate"; }

  pipeline::StageResult run(pipeline::Event& ev, const pipeline::StageContext& ctx) override {
    const json& p = ev.payload;
    const std::string name = p.value("event_name", "");
    if (name.empty()) return pipeline::StageResult::stop("event_name is missing");
    if (name.size() > 128) return pipeline::StageResult::stop("event_name longer than 128 characters");
    const std::string as = p.value("action_source", "");
    if (!kActionSources.count(as)) return pipeline::StageResult::stop("action_source '" + as + "' is not one of Meta's values");
    const std::int64_t t = p.value("event_time", std::int64_t{0});
    const std::int64_t window = as == "physical_store" ? 62 * 86400 : 7 * 86400;
    if (t < ctx.now_s - window) {
      return pipeline::StageResult::stop("event_time is older than Meta's " + std::to_string(window / 86400) +
                                         "-day window for action_source " + as);
    }
    if (t > ctx.now_s + kFutureSkewS) return pipeline::StageResult::stop("event_time is in the future");
    const json& ud = p["user_data"];
    bool has_customer_info = false;
    for (const auto& [k, v] : ud.items()) {
      if (kCustomerInfoKeys.count(k)) has_customer_info = true;
    }
    if (!has_customer_info) return pipeline::StageResult::stop("no customer information parameter in user_data");
    if (as == "website") {
      if (!p.contains("event_source_url")) return pipeline::StageResult::stop("website events need event_source_url");
      if (!ud.contains("client_user_agent")) return pipeline::StageResult::stop("website events need client_user_agent");
    }
    for (const char* k : {"fbc", "fbp"}) {
      if (ud.contains(k) && !valid_fb_cookie(ud[k].get<std::string>())) {
        return pipeline::StageResult::stop(std::string(k) + " is not in the fb.<n>.<ms>.<id> format");
      }
    }
    if (p.contains("custom_data")) {
      const json& cd = p["custom_data"];
      if (cd.contains("currency")) {
        const auto& c = cd["currency"];
        if (!c.is_string() || c.get_ref<const std::string&>().size() != 3) {
          return pipeline::StageResult::stop("currency must be a 3-letter ISO 4217 code");
        }
      }
      if (cd.contains("value") && !cd["value"].is_number()) return pipeline::StageResult::stop("value is not a number");
    }
    if (name == "Purchase") {
      const json cd = p.value("custom_data", json::object());
      if (!cd.contains("value") || !cd.contains("currency")) return pipeline::StageResult::stop("Purchase needs value and currency");
      const bool allow_zero = ctx.site && ctx.site->allow_zero_value_purchase;
      if (cd["value"].get<double>() == 0.0 && !allow_zero) {
        return pipeline::StageResult::stop("Purchase with value 0 (set sites.<id>.allow_zero_value_purchase for free orders)");
      }
    }
    if (p.contains("data_processing_options")) {
      const auto& dpo = p["data_processing_options"];
      bool ldu = dpo.is_array() && !dpo.empty() && dpo[0] == "LDU";
      if (ldu && (!p.contains("data_processing_options_country") || !p.contains("data_processing_options_state"))) {
        return pipeline::StageResult::stop("LDU needs data_processing_options_country and _state");
      }
    }
    return pipeline::StageResult::ok();
  }
};

class DispatchStage final : public pipeline::Stage {
 public:
  explicit DispatchStage(DispatchSink& sink) : sink_(sink) {}
  std::string_view name() const override { return "dispatch"; }

  pipeline::StageResult run(pipeline::Event& ev, const pipeline::StageContext& ctx) override {
    if (!ctx.site || ctx.site->pixels.empty()) return pipeline::StageResult::stop("site has no Meta pixel configured");
    std::string pixels;
    for (const auto& px : ctx.site->pixels) {
      DispatchItem item;
      item.pixel_id = px.id;
      item.access_token = px.access_token;
      item.app_secret = px.app_secret;
      item.test_event_code = ev.data.value("x-sidetag-test_event_code", px.test_event_code);
      item.event = ev.payload;
      item.trace_id = ev.trace.trace_id;
      item.accepted_us = ev.trace.received_us;
      item.commit = CommitScope::current();
      std::string reason;
      if (!sink_.submit(std::move(item), reason)) return pipeline::StageResult::error("not queued: " + reason);
      pixels += pixels.empty() ? px.id : "," + px.id;
      ev.pixel_id = px.id;
    }
    return pipeline::StageResult::ok("queued for pixel " + pixels);
  }

 private:
  DispatchSink& sink_;
};

}  // namespace

std::unique_ptr<pipeline::Stage> make_validate_stage() { return std::make_unique<ValidateStage>(); }
std::unique_ptr<pipeline::Stage> make_dispatch_stage(DispatchSink& sink) { return std::make_unique<DispatchStage>(sink); }

}  // namespace sidetag::destinations::meta
