// GA4 recommended events -> Meta standard events (the superset the peers use; see peers-and-pitfalls.md §2).
#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "sidetag/destinations/meta/stages.hpp"

namespace sidetag::destinations::meta {

namespace {
constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kGa4ToMeta = {{
    {"page_view", "PageView"},
    {"view_item", "ViewContent"},
    {"add_to_cart", "AddToCart"},
    {"begin_checkout", "InitiateCheckout"},
    {"add_payment_info", "AddPaymentInfo"},
    {"purchase", "Purchase"},
    {"generate_lead", "Lead"},
    {"sign_up", "CompleteRegistration"},
    {"search", "Search"},
    {"view_search_results", "Search"},
    {"add_to_wishlist", "AddToWishlist"},
    {"contact", "Contact"},
    {"schedule", "Schedule"},
    {"subscribe", "Subscribe"},
    {"start_trial", "StartTrial"},
    {"find_location", "FindLocation"},
}};
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

}  // namespace sidetag::destinations::meta
