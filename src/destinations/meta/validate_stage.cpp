// validate: reject, with a precise reason, every event Meta would reject, before it is batched (one invalid event
// fails a whole Graph API batch).
#include <set>

#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/util/json_write.hpp"
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

// fb.<subdomain index>.<creation time ms>.<id>[.<appendix>]
// (developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/).
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
    using pipeline::StageResult;
    const json& p = ev.payload;
    if (!p.is_object()) return StageResult::stop("no Meta event was assembled");
    const std::string name = p.value("event_name", "");
    if (auto problem = event_name_problem(name); !problem.empty()) return StageResult::stop(problem);
    const std::string as = p.value("action_source", "");
    if (!kActionSources.count(as)) return StageResult::stop("action_source '" + as + "' is not one of Meta's values");
    if (!p.contains("event_time") || !p["event_time"].is_number_integer()) return StageResult::stop("event_time is missing");
    const std::int64_t t = p["event_time"].get<std::int64_t>();
    const std::int64_t window = as == "physical_store" ? 62 * 86400 : 7 * 86400;
    if (t < ctx.now_s - window) {
      return StageResult::stop("event_time is older than Meta's " + std::to_string(window / 86400) +
                               "-day window for action_source " + as);
    }
    if (t > ctx.now_s + kFutureSkewS) return StageResult::stop("event_time is in the future");
    if (!p.contains("user_data") || !p["user_data"].is_object()) return StageResult::stop("user_data is missing");
    const json& ud = p["user_data"];
    bool has_customer_info = false;
    for (const auto& [k, v] : ud.items()) {
      if (kCustomerInfoKeys.count(k) && !(v.is_array() && v.empty())) has_customer_info = true;
    }
    if (!has_customer_info) return StageResult::stop("no customer information parameter in user_data");
    if (as == "website") {
      if (!p.contains("event_source_url")) return StageResult::stop("website events need event_source_url");
      if (!ud.contains("client_user_agent")) return StageResult::stop("website events need client_user_agent");
    }
    for (const char* k : {"fbc", "fbp"}) {
      if (ud.contains(k) && (!ud[k].is_string() || !valid_fb_cookie(ud[k].get<std::string>()))) {
        return StageResult::stop(std::string(k) + " is not in the fb.<n>.<ms>.<id> format");
      }
    }
    if (p.contains("opt_out") && !p["opt_out"].is_boolean()) return StageResult::stop("opt_out must be true or false");
    static const json kNoCustomData = json::object();
    const auto cd_it = p.find("custom_data");
    const json& cd = cd_it == p.end() ? kNoCustomData : *cd_it;
    if (!cd.is_object()) return StageResult::stop("custom_data must be an object");
    if (auto r = check_custom_data(cd); !r.empty()) return StageResult::stop(r);
    // Required fields of standard events, whatever name the event arrived with.
    if (name == "Purchase") {
      if (!cd.contains("value") || !cd.contains("currency")) return StageResult::stop("Purchase needs value and currency");
      const bool allow_zero = ctx.site && ctx.site->allow_zero_value_purchase;
      if (cd["value"].get<double>() == 0.0 && !allow_zero) {
        return StageResult::stop("Purchase with value 0 (set sites.<id>.allow_zero_value_purchase for free orders)");
      }
    }
    if (p.contains("data_processing_options")) {
      const auto& dpo = p["data_processing_options"];
      if (!dpo.is_array()) return StageResult::stop("data_processing_options must be a list ([\"LDU\"] or [])");
      bool ldu = false;
      for (const auto& o : dpo) {
        if (o != "LDU") return StageResult::stop("data_processing_options may only contain \"LDU\"");
        ldu = true;
      }
      if (ldu && (!p.contains("data_processing_options_country") || !p.contains("data_processing_options_state"))) {
        return StageResult::stop("LDU needs data_processing_options_country and _state");
      }
      for (const char* k : {"data_processing_options_country", "data_processing_options_state"}) {
        if (p.contains(k) && !p[k].is_number_integer()) {
          return StageResult::stop(std::string(k) +
                                   " must be Meta's numeric code (country 1 = USA, state 1000 = California, 0 = geolocate)");
        }
      }
    }
    return StageResult::ok();
  }

 private:
  // Empty when custom_data is acceptable to Meta; else the reason.
  static std::string check_custom_data(const json& cd) {
    if (cd.contains("value") && !cd["value"].is_number()) return "value is not a number";
    if (cd.contains("value") && cd["value"].get<double>() < 0) return "value is negative";
    if (cd.contains("currency")) {
      const auto& c = cd["currency"];
      if (!c.is_string() || c.get_ref<const std::string&>().size() != 3) return "currency must be a 3-letter ISO 4217 code";
      if (!is_iso4217_currency(c.get<std::string>())) {
        return "currency '" + c.get<std::string>() + "' is not an ISO 4217 currency code";
      }
    }
    for (const char* k : {"predicted_ltv", "net_revenue"}) {
      if (cd.contains(k) && !cd[k].is_number()) return std::string(k) + " is not a number";
    }
    if (cd.contains("num_items") && !(cd["num_items"].is_number_integer() && cd["num_items"].get<std::int64_t>() >= 0)) {
      return "num_items must be a whole number";
    }
    for (const char* k : {"content_type", "content_name", "content_category", "order_id", "search_string", "status"}) {
      if (cd.contains(k) && !cd[k].is_string()) return std::string(k) + " must be a string";
    }
    if (cd.contains("content_type") && cd["content_type"] != "product" && cd["content_type"] != "product_group") {
      return "content_type must be product or product_group";
    }
    auto check_dc = [](const json& v) { return v.is_string() && is_delivery_category(v.get<std::string>()); };
    if (cd.contains("delivery_category") && !check_dc(cd["delivery_category"])) {
      return "delivery_category must be one of in_store, curbside, home_delivery";
    }
    if (cd.contains("content_ids")) {
      const auto& ids = cd["content_ids"];
      if (!ids.is_array()) return "content_ids must be a list";
      for (const auto& id : ids) {
        if (!id.is_string() || id.get_ref<const std::string&>().empty()) return "content_ids must hold non-empty strings";
      }
    }
    if (cd.contains("contents")) {
      const auto& contents = cd["contents"];
      if (!contents.is_array()) return "contents must be a list";
      for (std::size_t i = 0; i < contents.size(); ++i) {
        const auto& c = contents[i];
        const std::string at = "contents[" + std::to_string(i) + "]";
        if (!c.is_object()) return at + " must be an object";
        if (!c.contains("id") || !(c["id"].is_string() || c["id"].is_number_integer()) ||
            (c["id"].is_string() && c["id"].get_ref<const std::string&>().empty())) {
          return at + " has no id (Meta rejects contents without id)";
        }
        if (c.contains("quantity") && !(c["quantity"].is_number_integer() && c["quantity"].get<std::int64_t>() > 0)) {
          return at + ".quantity must be a whole number above 0";
        }
        if (c.contains("item_price") && !c["item_price"].is_number()) return at + ".item_price is not a number";
        if (c.contains("delivery_category") && !check_dc(c["delivery_category"])) {
          return at + ".delivery_category must be one of in_store, curbside, home_delivery";
        }
      }
    }
    return {};
  }
};

class DispatchStage final : public pipeline::Stage {
 public:
  explicit DispatchStage(DispatchSink& sink) : sink_(sink) {}
  std::string_view name() const override { return "dispatch"; }

  pipeline::StageResult run(pipeline::Event& ev, const pipeline::StageContext& ctx) override {
    if (!ctx.site || ctx.site->pixels.empty()) return pipeline::StageResult::stop("site has no Meta pixel configured");
    std::string pixels;
    // Serialized once for every pixel; the dispatcher queues text, not a copy of the tree.
    const std::string text = util::to_json_text(ev.payload);
    const std::int64_t event_time = ev.payload.value("event_time", std::int64_t{0});
    const std::string action_source = ev.payload.value("action_source", "");
    for (const auto& px : ctx.site->pixels) {
      DispatchItem item;
      item.pixel_id = px.id;
      item.access_token = px.access_token;
      item.app_secret = px.app_secret;
      item.test_event_code = ev.data.value("x-sidetag-test_event_code", px.test_event_code);
      item.text = text;
      item.event_time = event_time;
      item.action_source = action_source;
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
