// sites.<id>.meta (src/destinations/meta/site_settings.cpp): every key, its defaults and its errors.
#include <gtest/gtest.h>

#include "sidetag/config/config.hpp"

using namespace sidetag::config;

namespace {
std::optional<std::string> no_env(const std::string&) { return std::nullopt; }

std::string with_meta(const std::string& meta_body) {
  return "meta:\n  dispatch: sandbox\nsites:\n  shop:\n    meta:\n      pixels:\n        - id: \"123\"\n" + meta_body +
         "sources:\n  backend:\n    path: /v1/events\n    site: shop\n    api_keys: [\"key-0123456789abcdef\"]\n"
         "environments:\n  dev: {}\n";
}

LoadResult load(const std::string& meta_body) { return load_string(with_meta(meta_body), "dev", &no_env); }

std::string all(const LoadResult& r) {
  std::string s;
  for (const auto& e : r.errors) s += e + "\n";
  return s;
}
bool has_error(const LoadResult& r, const std::string& needle) { return all(r).find(needle) != std::string::npos; }
}  // namespace

TEST(MetaSection, DefaultsWhenOnlyPixelsAreGiven) {
  auto r = load("");
  ASSERT_TRUE(r.errors.empty()) << all(r);
  const auto& s = r.config->sites[0];
  ASSERT_EQ(s.pixels.size(), 1u);  // pixels are read as before and land in SiteConfig::pixels
  EXPECT_EQ(s.pixels[0].id, "123");
  EXPECT_TRUE(s.meta.pixels.empty());
  EXPECT_TRUE(s.meta.event_names.empty());
  EXPECT_TRUE(s.meta.drop_events.empty());
  EXPECT_TRUE(s.meta.event_id_keys.empty());
  EXPECT_TRUE(s.meta.custom_properties.empty());
  EXPECT_EQ(s.meta.action_source, "");
  EXPECT_EQ(s.meta.default_currency, "");
  EXPECT_FALSE(s.meta.ldu.enabled);
  EXPECT_FALSE(s.meta.ldu.country.has_value());
  EXPECT_TRUE(s.meta.user_data.empty());
}

TEST(MetaSection, EveryKey) {
  auto r = load(R"(      event_names:
        my_event: Lead
        page_view: drop
        checkout_done: Purchase
      drop: [scroll, user_engagement]
      event_id_keys: [ecommerce.event_id]
      custom_properties: [coupon, shipping_tier]
      action_source: website
      default_currency: eur
      ldu: {enabled: true, country: US, state: CA}
      user_data:
        em: [customer.email, email]
        ph:
          keys: [customer.phone]
          transform: [trim, "split:/:0"]
        external_id:
          transform: ["prefix:crm-"]
        client_ip_address: [headers.x-real-ip]
)");
  ASSERT_TRUE(r.errors.empty()) << all(r);
  const auto& m = r.config->sites[0].meta;
  EXPECT_EQ(m.event_names.at("my_event"), "Lead");
  EXPECT_EQ(m.event_names.at("page_view"), "drop");
  EXPECT_EQ(m.event_names.at("checkout_done"), "Purchase");
  EXPECT_EQ(m.drop_events, (std::vector<std::string>{"scroll", "user_engagement"}));
  EXPECT_EQ(m.event_id_keys, (std::vector<std::string>{"ecommerce.event_id"}));
  EXPECT_EQ(m.custom_properties, (std::vector<std::string>{"coupon", "shipping_tier"}));
  EXPECT_EQ(m.action_source, "website");
  EXPECT_EQ(m.default_currency, "EUR");
  EXPECT_TRUE(m.ldu.enabled);
  EXPECT_EQ(m.ldu.country, 1);
  EXPECT_EQ(m.ldu.state, 1000);
  EXPECT_EQ(m.user_data.at("em").keys, (std::vector<std::string>{"customer.email", "email"}));
  EXPECT_TRUE(m.user_data.at("em").transforms.empty());
  EXPECT_EQ(m.user_data.at("ph").keys, (std::vector<std::string>{"customer.phone"}));
  ASSERT_EQ(m.user_data.at("ph").transforms.size(), 2u);
  EXPECT_EQ(m.user_data.at("ph").transforms[1].spec, "split:/:0");
  EXPECT_TRUE(m.user_data.at("external_id").keys.empty());  // transform only: the default keys stay
  EXPECT_EQ(m.user_data.at("client_ip_address").keys, (std::vector<std::string>{"headers.x-real-ip"}));
}

TEST(MetaSection, LduNumericCodes) {
  auto r = load("      ldu: {enabled: false, country: 0, state: 1001}\n");
  ASSERT_TRUE(r.errors.empty()) << all(r);
  EXPECT_EQ(r.config->sites[0].meta.ldu.country, 0);
  EXPECT_EQ(r.config->sites[0].meta.ldu.state, 1001);
  r = load("      ldu: {enabled: true, state: Texas}\n");
  EXPECT_TRUE(has_error(r, "sites.shop.meta.ldu.state (line")) << all(r);
  EXPECT_TRUE(has_error(r, "expected an integer, got 'Texas'")) << all(r);
  r = load("      ldu: {enable: true}\n");
  EXPECT_TRUE(has_error(r, "unknown key 'enable' (did you mean 'enabled'?)")) << all(r);
}

TEST(MetaSection, Errors) {
  auto r = load("      custom_properties: [coupon, value]\n");
  EXPECT_TRUE(has_error(r, "sites.shop.meta.custom_properties[1] (line 8)")) << all(r);
  EXPECT_TRUE(has_error(r, "'value' is a standard custom_data key")) << all(r);

  r = load("      user_data:\n        emial: [x]\n");
  EXPECT_TRUE(has_error(r, "sites.shop.meta.user_data.emial (line")) << all(r);
  EXPECT_TRUE(has_error(r, "unknown Meta user_data field 'emial'")) << all(r);

  r = load("      user_data:\n        em: {keys: [x], transform: [reverse]}\n");
  EXPECT_TRUE(has_error(r, "sites.shop.meta.user_data.em.transform (line")) << all(r);

  r = load("      user_data:\n        ge: {keys: [x], transform: [\"map:genders\"]}\n");
  EXPECT_TRUE(has_error(r, "map:<table> is only available in mapped sources")) << all(r);

  r = load("      user_data:\n        em: {keys: [x], transfrom: [trim]}\n");
  EXPECT_TRUE(has_error(r, "unknown key 'transfrom' (did you mean 'transform'?)")) << all(r);

  r = load("      event_names:\n        my_event: \"" + std::string(51, 'x') + "\"\n");
  EXPECT_TRUE(has_error(r, "sites.shop.meta.event_names.my_event (line")) << all(r);
  EXPECT_TRUE(has_error(r, "at most 50 characters")) << all(r);

  r = load("      event_names:\n        my_event: \" Lead\"\n");
  EXPECT_TRUE(has_error(r, "must not start or end with a space")) << all(r);

  r = load("      event_names: [Lead]\n");
  EXPECT_TRUE(has_error(r, "sites.shop.meta.event_names (line")) << all(r);

  r = load("      action_source: web\n");
  EXPECT_TRUE(has_error(r, "sites.shop.meta.action_source (line")) << all(r);

  r = load("      default_currency: euro\n");
  EXPECT_TRUE(has_error(r, "expected an ISO 4217 code like EUR")) << all(r);

  r = load("      event_name: {a: Lead}\n");
  EXPECT_TRUE(has_error(r, "unknown key 'event_name' (did you mean 'event_names'?)")) << all(r);
}

TEST(MetaSection, PixelErrorsAreUnchanged) {
  auto r = load_string(
      "meta:\n  dispatch: sandbox\nsites:\n  shop:\n    meta:\n      pixels:\n        - id: \"12a\"\n"
      "        - access_token: x\n"
      "environments:\n  dev: {}\n",
      "dev", &no_env);
  EXPECT_TRUE(has_error(r, "sites.shop.meta.pixels[0].id (line 7): a pixel (dataset) id is numeric, got '12a'")) << all(r);
  EXPECT_TRUE(has_error(r, "sites.shop.meta.pixels[1].id (line 8): required value is missing")) << all(r);
  r = load_string("meta:\n  dispatch: sandbox\nsites:\n  shop:\n    meta:\n      pixels: 5\nenvironments:\n  dev: {}\n", "dev",
                  &no_env);
  EXPECT_TRUE(has_error(r, "sites.shop.meta.pixels (line 6): expected a list (- key: value entries)")) << all(r);
}
