// GA4 recommended events -> Meta standard events (the superset of the public sGTM Meta tags' tables), and the
// per-site overrides (sites.<id>.meta.event_names / drop).
#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include "sidetag/config/meta.hpp"
#include "sidetag/destinations/meta/stages.hpp"

namespace sidetag::destinations::meta {

namespace {
// Not mapped by default: view_item_list (TrackingHippo's opt-in: it would inflate ViewContent) and Segment's bare
// `page` / `screen` (a custom name on Jitsu, reverted there); add them per site under event_names when wanted.
constexpr std::pair<std::string_view, std::string_view> kGa4ToMeta[] = {
    {"page_view", "PageView"},
    {"gtm.dom", "PageView"},
    {"view_item", "ViewContent"},
    {"view_content", "ViewContent"},
    {"add_to_cart", "AddToCart"},
    {"begin_checkout", "InitiateCheckout"},
    {"add_payment_info", "AddPaymentInfo"},
    {"add_shipping_info", "AddPaymentInfo"},
    {"purchase", "Purchase"},
    {"generate_lead", "Lead"},
    {"sign_up", "CompleteRegistration"},
    {"search", "Search"},
    {"view_search_results", "Search"},
    {"add_to_wishlist", "AddToWishlist"},
    {"contact", "Contact"},
    {"customize_product", "CustomizeProduct"},
    {"donate", "Donate"},
    {"find_location", "FindLocation"},
    {"schedule", "Schedule"},
    {"start_trial", "StartTrial"},
    {"submit_application", "SubmitApplication"},
    {"subscribe", "Subscribe"},
    // GTM4WP enhanced-ecommerce events (Stape).
    {"gtm4wp.addProductToCartEEC", "AddToCart"},
    {"gtm4wp.productClickEEC", "ViewContent"},
    {"gtm4wp.checkoutOptionEEC", "InitiateCheckout"},
    {"gtm4wp.checkoutStepEEC", "AddPaymentInfo"},
    {"gtm4wp.orderCompletedEEC", "Purchase"},
    // Segment e-commerce spec (RudderStack / Segment defaults).
    {"product list viewed", "ViewContent"},
    {"product viewed", "ViewContent"},
    {"product added", "AddToCart"},
    {"product added to wishlist", "AddToWishlist"},
    {"products searched", "Search"},
    {"checkout started", "InitiateCheckout"},
    {"payment info entered", "AddPaymentInfo"},
    {"order completed", "Purchase"},
};
constexpr std::array<std::string_view, 18> kStandard = {
    "PageView",    "ViewContent",   "Search",     "AddToCart",       "AddToWishlist", "InitiateCheckout",
    "AddPaymentInfo", "Purchase",   "Lead",       "CompleteRegistration", "Contact",  "CustomizeProduct",
    "Donate",      "FindLocation",  "Schedule",   "StartTrial",      "SubmitApplication", "Subscribe"};
}  // namespace

bool is_standard_event(const std::string& meta_name) {
  return std::find(kStandard.begin(), kStandard.end(), meta_name) != kStandard.end();
}

std::string map_event_name(const std::string& name) {
  for (const auto& [ga4, meta] : kGa4ToMeta) {
    if (name == ga4) return std::string(meta);
  }
  return name;
}

EventNameDecision map_event_name(const std::string& name, const config::MetaSiteConfig* site) {
  EventNameDecision d;
  if (site) {
    if (std::find(site->drop_events.begin(), site->drop_events.end(), name) != site->drop_events.end()) {
      d.drop = true;
      d.reason = "event '" + name + "' is in sites.<id>.meta.drop";
      return d;
    }
    if (auto it = site->event_names.find(name); it != site->event_names.end()) {
      if (it->second == "drop") {
        d.drop = true;
        d.reason = "event '" + name + "' is mapped to drop in sites.<id>.meta.event_names";
        return d;
      }
      d.name = it->second;
      return d;
    }
  }
  d.name = map_event_name(name);
  // A drop entry may also name the Meta event (drop: [PageView] drops page_view and gtm.dom).
  if (site && d.name != name &&
      std::find(site->drop_events.begin(), site->drop_events.end(), d.name) != site->drop_events.end()) {
    d.drop = true;
    d.reason = "event '" + name + "' (" + d.name + ") is in sites.<id>.meta.drop";
  }
  return d;
}

std::string event_name_problem(const std::string& name) {
  if (name.empty()) return "event_name is missing";
  if (name.size() > kMaxEventNameLength) {
    return "event_name '" + name.substr(0, kMaxEventNameLength) + "...' is longer than Meta's " +
           std::to_string(kMaxEventNameLength) + " characters";
  }
  if (std::isspace(static_cast<unsigned char>(name.front())) || std::isspace(static_cast<unsigned char>(name.back()))) {
    return "event_name '" + name + "' starts or ends with a space";
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return "event_name contains a control character";
  }
  return {};
}

}  // namespace sidetag::destinations::meta
