// One test per GA4 /g/collect sample of ga4-hits.txt. Expectations were written by reading the samples.
#include <gtest/gtest.h>

#include "fixture.hpp"
#include "sidetag/sources/ga4/consent.hpp"
#include "sidetag/sources/ga4/event_data.hpp"
#include "sidetag/sources/ga4/hits.hpp"

using namespace sidetag::sources::ga4;
using nlohmann::json;

namespace {

const std::vector<ga4_test::Sample>& samples() {
  static const auto s = ga4_test::load_samples();
  return s;
}

struct Parsed {
  HitBatch batch;
  std::vector<json> events;
  std::vector<std::vector<std::string>> notes;
};

Parsed run(const std::string& id, RequestInfo req = {}) {
  const auto* s = ga4_test::find_sample(samples(), id);
  EXPECT_NE(s, nullptr) << "sample " << id << " missing from fixture";
  Parsed p;
  if (!s) return p;
  EXPECT_TRUE(s->is_g_collect);
  if (req.received_ms == 0) req.received_ms = 1764340310000;
  if (req.client_ip.empty()) req.client_ip = "203.0.113.7";
  if (req.user_agent.empty()) req.user_agent = "Mozilla/5.0 (test)";
  p.batch = parse_hits(s->query, s->body);
  for (auto& h : p.batch.hits) {
    std::vector<std::string> n;
    p.events.push_back(to_event_data(h.params, req, &n));
    p.notes.push_back(std::move(n));
  }
  return p;
}

Consent consent_of(const Hit& h) {
  auto get = [&](const char* k) -> std::string_view {
    auto it = h.params.find(k);
    return it == h.params.end() ? std::string_view{} : std::string_view(it->second);
  };
  return decode_consent(get("gcs"), get("gcd"));
}

const std::string kExteriores = "https://www.exteriores.gob.es/es/ServiciosAlCiudadano/Paginas/Servicios-consulares.aspx";
const std::string kSesamyDl =
    "https://sesamy.bestbytes.com/?utm_source=google&utm_medium=demandgen&utm_campaign=demandgenprodukte"
    "&utm_id=22133718417&utm_content=&utm_term=&gad_source=1&gad_campaignid=22133718417"
    "&gclid=Cj0KCQjwlrvBBhDnARIsAHEQgOSQ&gtm_debug=1747981544829";

}  // namespace

TEST(Ga4Fixture, LoaderFindsAllGa4Samples) {
  std::vector<std::string> ids;
  for (const auto& s : samples())
    if (s.is_g_collect) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"01", "02", "03", "05", "07", "08", "10", "12", "13", "16", "19", "20"}));
}

TEST(Ga4Fixture, Sample01_PageViewFirstVisit) {
  auto p = run("01");
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_TRUE(p.batch.dropped.empty());
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "page_view");
  EXPECT_EQ(e["client_id"], "1256142397.1759409225");
  EXPECT_EQ(e["page_location"], kExteriores);
  EXPECT_EQ(e["page_title"], "Servicios consulares");
  EXPECT_EQ(e["language"], "es-es");
  EXPECT_EQ(e["screen_resolution"], "1280x720");
  EXPECT_EQ(e["ga_session_id"], "1759409224");
  EXPECT_EQ(e["ga_session_number"], 1);
  EXPECT_EQ(e["x-ga-protocol_version"], "2");
  EXPECT_EQ(e["x-ga-measurement_id"], "G-YHZBSPQRHE");
  EXPECT_EQ(e["x-ga-page_id"], 1759409224521LL);
  EXPECT_EQ(e["x-ga-request_count"], 1);
  EXPECT_EQ(e["x-ga-tfd"], 9316);
  EXPECT_EQ(e["x-ga-gcd"], "13l3l3l3l1l1");
  EXPECT_EQ(e["x-ga-dma"], false);
  EXPECT_EQ(e["x-ga-npa"], "0");
  EXPECT_EQ(e["x-ga-mp2-seg"], "0");
  EXPECT_EQ(e["x-ga-mp2-tag_exp"].get<std::string>().substr(0, 20), "101509157~103116026~");
  EXPECT_EQ(e["x-ga-system_properties"], (json{{"fv", "1"}, {"nsi", "1"}, {"ss", "1"}, {"ee", true}}));
  EXPECT_EQ(e["client_hints"]["full_version_list"],
            (json::array({{{"brand", "Not=A?Brand"}, {"version", "24.0.0.0"}},
                          {{"brand", "Chromium"}, {"version", "140.0.7339.186"}}})));
  EXPECT_EQ(e["client_hints"]["mobile"], false);
  EXPECT_EQ(e["client_hints"]["platform"], "Windows");
  EXPECT_EQ(e["client_hints"]["architecture"], "x86");
  EXPECT_EQ(e["user_agent"], "Mozilla/5.0 (test)");
  EXPECT_EQ(e["ip_override"], "203.0.113.7");
  EXPECT_EQ(e["x-sst-system_properties"]["request_start_time_ms"], 1764340310000LL);
  EXPECT_FALSE(e.contains("items"));
  Consent c = consent_of(p.batch.hits[0]);
  EXPECT_TRUE(c.gcd_valid);
  EXPECT_EQ(c.ad_storage.state, ConsentState::unknown);
  EXPECT_EQ(c.ad_user_data.state, ConsentState::unknown);
}

TEST(Ga4Fixture, Sample02_UserEngagement) {
  auto p = run("02");
  ASSERT_EQ(p.events.size(), 1u);
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "user_engagement");
  EXPECT_EQ(e["client_id"], "1256142397.1759409225");
  EXPECT_EQ(e["engagement_time_msec"], 5447);
  EXPECT_EQ(e["x-ga-page_id"], 1759409224521LL);  // same page load as sample 01
  EXPECT_EQ(e["x-ga-request_count"], 2);
  EXPECT_EQ(e["x-ga-system_properties"], (json{{"eu", "AAAAAAQ"}}));
  EXPECT_EQ(e["page_location"], kExteriores);
}

TEST(Ga4Fixture, Sample03_SecondPageWithReferrer) {
  auto p = run("03");
  ASSERT_EQ(p.events.size(), 1u);
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "page_view");
  // %2B decodes to a literal '+', which must stay a '+' (decoded exactly once).
  EXPECT_EQ(e["page_location"],
            kExteriores + "?scco=Cuba&scd=166&scca=Certificados&scs=Certificado+de+nacimiento");
  EXPECT_EQ(e["page_referrer"], kExteriores);
  EXPECT_EQ(e["x-ga-mp2-seg"], "1");
  EXPECT_EQ(e["x-ga-page_id"], 1759409231837LL);
  EXPECT_EQ(e["x-ga-system_properties"], (json{{"eu", "AAAAAAQ"}, {"ee", true}}));
}

TEST(Ga4Fixture, Sample05_MobileClientHints) {
  auto p = run("05");
  ASSERT_EQ(p.events.size(), 1u);
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "page_view");
  EXPECT_EQ(e["client_id"], "414801335.1715625262");
  EXPECT_EQ(e["page_location"], "https://www.paulirish.com/");
  EXPECT_EQ(e["page_title"], "Paul Irish");
  EXPECT_EQ(e["language"], "en-us");
  EXPECT_EQ(e["screen_resolution"], "412x823");
  const json& ch = e["client_hints"];
  EXPECT_EQ(ch["mobile"], true);
  EXPECT_EQ(ch["model"], "moto g power (2022)");
  EXPECT_EQ(ch["platform"], "Android");
  EXPECT_EQ(ch["platform_version"], "11.0");
  EXPECT_EQ(ch["architecture"], "");
  EXPECT_EQ(ch["bitness"], "64");
  ASSERT_EQ(ch["full_version_list"].size(), 3u);
  EXPECT_EQ(ch["full_version_list"][0], (json{{"brand", "Not/A)Brand"}, {"version", "8.0.0.0"}}));
  EXPECT_EQ(ch["full_version_list"][2], (json{{"brand", "Google Chrome"}, {"version", "126.0.6475.0"}}));
  Consent c = consent_of(p.batch.hits[0]);  // 10-char gcd form
  EXPECT_TRUE(c.gcd_valid);
  EXPECT_EQ(c.analytics_storage.state, ConsentState::unknown);
}

TEST(Ga4Fixture, Sample07_ServerContainerPageView) {
  auto p = run("07");
  ASSERT_EQ(p.events.size(), 1u);
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "page_view");
  EXPECT_EQ(e["client_id"], "584335997.1746564151");
  EXPECT_EQ(e["page_location"], kSesamyDl);
  EXPECT_EQ(e["page_referrer"], "https://bestbytes.cloudflareaccess.com/");
  EXPECT_EQ(e["page_title"], "Sesamy Demo Page");
  EXPECT_EQ(e["ga_session_number"], 41);
  EXPECT_EQ(e["engagement_time_msec"], 12397);
  EXPECT_EQ(e["x-ga-request_count"], 13);
  EXPECT_EQ(e["x-ga-ecid"], "1548980841");
  EXPECT_EQ(e["x-ga-ur"], "DE");
  EXPECT_EQ(e["x-ga-lps"], true);
  EXPECT_EQ(e["x-ga-dma"], true);
  EXPECT_EQ(e["x-ga-dma_cps"], "syphamo");
  EXPECT_EQ(e["x-ga-gcs"], "G111");
  EXPECT_EQ(e["x-ga-mp2-richsstsse"], "");
  EXPECT_EQ(e["x-ga-ec_mode"], "a");  // unknown params are kept
  EXPECT_EQ(e["x-ga-system_properties"], (json{{"eu", "AAAAAAQ"}, {"tu", "DA"}}));
  const json& sst = e["x-sst-system_properties"];
  EXPECT_EQ(sst["rnd"], "506702095.1749196701");
  EXPECT_EQ(sst["etld"], "google.de");
  EXPECT_EQ(sst["gcsub"], "region1");
  EXPECT_EQ(sst["tft"], "1749196701069");
  EXPECT_EQ(sst["navt"], "n");
  EXPECT_FALSE(e.contains("_fplc"));
  EXPECT_FALSE(e.contains("x-ga-_fplc"));
  Consent c = consent_of(p.batch.hits[0]);
  for (auto* s : {&c.ad_storage, &c.analytics_storage, &c.ad_user_data, &c.ad_personalization}) {
    EXPECT_EQ(s->state, ConsentState::granted);
    EXPECT_EQ(s->default_state, ConsentState::denied);
    EXPECT_TRUE(s->from_update);
    EXPECT_EQ(s->origin, ConsentOrigin::gcd);
  }
}

TEST(Ga4Fixture, Sample08_AddToCartItem) {
  auto p = run("08");
  ASSERT_EQ(p.events.size(), 1u);
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "add_to_cart");
  EXPECT_EQ(e["client_id"], "584335997.1746564151");
  EXPECT_EQ(e["currency"], "USD");
  EXPECT_DOUBLE_EQ(e["value"].get<double>(), 30.03);
  EXPECT_EQ(e["engagement_time_msec"], 3110);
  EXPECT_EQ(e["x-ga-system_properties"]["c"], "1");
  ASSERT_EQ(e["items"].size(), 1u);
  const json& it = e["items"][0];
  EXPECT_EQ(it["item_id"], "SKU_12345");
  EXPECT_EQ(it["item_name"], "Stan and Friends Tee");
  EXPECT_EQ(it["affiliation"], "Google Merchandise Store");
  EXPECT_EQ(it["coupon"], "SUMMER_FUN");
  EXPECT_DOUBLE_EQ(it["discount"].get<double>(), 2.22);
  EXPECT_EQ(it["index"], 0);
  EXPECT_EQ(it["item_brand"], "Google");
  EXPECT_EQ(it["item_category"], "Apparel");
  EXPECT_EQ(it["item_category2"], "Adult");
  EXPECT_EQ(it["item_category3"], "Shirts");
  EXPECT_EQ(it["item_category4"], "Crew");
  EXPECT_EQ(it["item_category5"], "Short sleeve");
  EXPECT_EQ(it["item_list_id"], "related_products");
  EXPECT_EQ(it["item_list_name"], "Related Products");
  EXPECT_EQ(it["item_variant"], "green");
  EXPECT_EQ(it["location_id"], "ChIJIQBpAG2ahYAR_6128GcTUEo");
  ASSERT_TRUE(it["price"].is_number());
  EXPECT_DOUBLE_EQ(it["price"].get<double>(), 10.01);
  ASSERT_TRUE(it["quantity"].is_number_integer());
  EXPECT_EQ(it["quantity"], 3);
  EXPECT_EQ(it.size(), 18u);
}

TEST(Ga4Fixture, Sample10_PurchaseDebug) {
  auto p = run("10");
  ASSERT_EQ(p.events.size(), 1u);
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "purchase");
  EXPECT_EQ(e["client_id"], "1220643501.1708014725");
  EXPECT_EQ(e["transaction_id"], "T_12345");
  EXPECT_EQ(e["coupon"], "SUMMER_FUN");
  EXPECT_DOUBLE_EQ(e["value"].get<double>(), 30.03);
  EXPECT_DOUBLE_EQ(e["shipping"].get<double>(), 3.33);
  EXPECT_DOUBLE_EQ(e["tax"].get<double>(), 1.11);
  EXPECT_EQ(e["currency"], "USD");
  EXPECT_EQ(e["page_title"], "Server Side Tracking Prototype (codename: sniffer)");
  EXPECT_EQ(e["page_location"], "https://sniffer.local.bestbytes.net/?gtm_debug=1709537217296");
  EXPECT_EQ(e["page_referrer"], "https://tagassistant.google.com/");
  EXPECT_EQ(e["x-ga-system_properties"]["dbg"], "1");
  EXPECT_EQ(e["x-ga-ur"], "");
  EXPECT_EQ(e["x-sst-system_properties"]["uc"], "");
  EXPECT_EQ(e["x-sst-system_properties"]["gcd"], "13l3l3l3l1");
  EXPECT_EQ(e["client_hints"]["full_version_list"][1]["brand"], "Not(A:Brand");
  ASSERT_EQ(e["items"].size(), 1u);
  EXPECT_EQ(e["items"][0]["affiliation"], "Google Store");
  EXPECT_EQ(e["items"][0]["index"], 5);
  EXPECT_EQ(e["items"][0]["item_list_name"], "Related products");
  EXPECT_EQ(e["items"][0]["quantity"], 3);
}

TEST(Ga4Fixture, Sample12_GetWithUserPropertyAndFpid) {
  RequestInfo req;
  // Cookie header quoted in the sample's comment (its trailing "..." omitted).
  static const std::string cookie =
      "_ga=GA1.1.1307714608.1760043792; FPID=FPID2.2.UGZp%2FI9CCimRLhiVfNThoJgIkddJ7DjNjuhYawNqaAM%3D.1760043792; "
      "_ga_ABC123=GS2.1.s1764264114$o1$g1$t1764264243$j3$l0$h33925561";
  req.cookies = parse_cookie_header(cookie);
  req.use_fpid = true;
  auto p = run("12", req);
  const auto* s = ga4_test::find_sample(samples(), "12");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->method, "GET");
  ASSERT_EQ(p.events.size(), 1u);
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "page_view");
  EXPECT_EQ(e["client_id"], "UGZp/I9CCimRLhiVfNThoJgIkddJ7DjNjuhYawNqaAM=.1760043792");
  EXPECT_EQ(e["x-ga-js_client_id"], "1307714608.1760043792");
  EXPECT_EQ(e["page_location"], "https://www.example.cp,/?g=123123");  // malformed host kept verbatim
  EXPECT_EQ(e["full_page_url"], "https://www.example.com/?gclid=123123");
  EXPECT_EQ(e["cookie_level"], "optimaal");
  EXPECT_EQ(e["event_id"], "1760044298197_17643404997032");
  EXPECT_EQ(e["fbp"], "fb.1.1760043840841.908083253440121752");
  EXPECT_EQ(e["login_status"], "Niet ingelogd");
  EXPECT_EQ(e["x-ga-mp2-user_properties"], (json{{"cookie_level", "optimaal"}}));
  EXPECT_EQ(e["x-ga-mp2-ir"], "1");
  EXPECT_EQ(e["x-ga-ur"], "BR-SP");
  EXPECT_EQ(e["ga_session_number"], 5);
  EXPECT_EQ(e["x-ga-system_properties"]["ss"], "1");
  EXPECT_EQ(e["client_hints"]["full_version_list"][1]["brand"], "Microsoft Edge");
  EXPECT_EQ(e["client_hints"]["full_version_list"][2]["brand"], "Not_A Brand");
  Consent c = consent_of(p.batch.hits[0]);
  EXPECT_EQ(c.ad_storage.state, ConsentState::granted);
  EXPECT_FALSE(c.ad_storage.from_update);
  EXPECT_EQ(c.ad_personalization.state, ConsentState::granted);
}

TEST(Ga4Fixture, Sample13_GenerateLead) {
  auto p = run("13");
  ASSERT_EQ(p.events.size(), 1u);
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "generate_lead");
  EXPECT_EQ(e["client_id"], "179294588.1715353601");
  EXPECT_EQ(e["page_title"], "Home");
  EXPECT_DOUBLE_EQ(e["value"].get<double>(), 99.99);
  EXPECT_EQ(e["enable_page_views"], "false");  // ep.* stays a string
  EXPECT_EQ(e["engagement_time_msec"], 1680);
  EXPECT_EQ(e["x-ga-npa"], "1");
  EXPECT_FALSE(e.contains("user_data"));
  Consent c = consent_of(p.batch.hits[0]);
  EXPECT_TRUE(c.gcd_valid);
  EXPECT_EQ(c.ad_user_data.state, ConsentState::unknown);
}

TEST(Ga4Fixture, Sample16_ConsentDeniedScrollWithNaN) {
  auto p = run("16");
  ASSERT_EQ(p.events.size(), 1u);
  const json& e = p.events[0];
  EXPECT_EQ(e["event_name"], "scroll");
  EXPECT_EQ(e["client_id"], "1174285007.1749196701");
  EXPECT_EQ(e["percent_scrolled"], 90);
  EXPECT_FALSE(e.contains("engagement_time_msec"));  // _et=NaN: dropped, noted
  bool noted = false;
  for (auto& n : p.notes[0]) noted = noted || n.find("engagement_time_msec") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_EQ(e["x-ga-pscdl"], "denied");
  EXPECT_EQ(e["x-ga-dma_cps"], "-");
  EXPECT_EQ(e["x-ga-gtm_up"], "1");
  EXPECT_EQ(e["page_title"], "Sesamy");
  Consent c = consent_of(p.batch.hits[0]);
  for (auto* s : {&c.ad_storage, &c.analytics_storage, &c.ad_user_data, &c.ad_personalization}) {
    EXPECT_EQ(s->state, ConsentState::denied);
    EXPECT_FALSE(s->from_update);
  }
}

TEST(Ga4Fixture, Sample19_BatchedTwoEvents) {
  auto p = run("19");
  const auto* s = ga4_test::find_sample(samples(), "19");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->body_lines, 2u);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_TRUE(p.batch.dropped.empty());
  EXPECT_EQ(p.events[0]["event_name"], "page_view");
  EXPECT_EQ(p.events[0]["x-ga-system_properties"], (json{{"ee", true}, {"z", "ccd.v9B"}}));
  EXPECT_FALSE(p.events[0].contains("percent_scrolled"));
  EXPECT_EQ(p.events[1]["event_name"], "scroll");
  EXPECT_EQ(p.events[1]["percent_scrolled"], 90);
  EXPECT_EQ(p.events[1]["engagement_time_msec"], 8);
  for (const auto& e : p.events) {
    EXPECT_EQ(e["client_id"], "00000.000000");
    EXPECT_EQ(e["page_location"], "http://127.0.0.1/");
    EXPECT_EQ(e["page_title"], "Chttr.link");
    EXPECT_EQ(e["ga_session_number"], 3);
  }
  EXPECT_EQ(p.batch.hits[0].line, 1u);
  EXPECT_EQ(p.batch.hits[1].line, 2u);
}

TEST(Ga4Fixture, Sample20_BatchedConsentDeniedCrlf) {
  auto p = run("20");
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.events[0]["event_name"], "scroll");
  EXPECT_EQ(p.events[0]["percent_scrolled"], 90);
  EXPECT_EQ(p.events[1]["event_name"], "user_engagement");
  EXPECT_EQ(p.events[1]["engagement_time_msec"], 5123);
  for (const auto& e : p.events) {
    EXPECT_EQ(e["client_id"], "1.2");
    EXPECT_EQ(e["x-ga-measurement_id"], "G-ABC123");
  }
  Consent c = consent_of(p.batch.hits[1]);
  EXPECT_EQ(c.ad_storage.state, ConsentState::denied);
  EXPECT_EQ(c.ad_personalization.state, ConsentState::denied);

  // The fixture file stores the body with '\n'; the source wrote it with "\r\n" and a trailing "\r\n".
  const auto* s = ga4_test::find_sample(samples(), "20");
  ASSERT_NE(s, nullptr) << "sample 20 missing from the fixture";
  std::string crlf;
  for (char ch : s->body) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  crlf += "\r\n";
  auto b = parse_hits(s->query, crlf);
  ASSERT_EQ(b.hits.size(), 2u);
  EXPECT_TRUE(b.dropped.empty());
  EXPECT_EQ(b.hits[0].params.at("epn.percent_scrolled"), "90");  // no stray '\r'
  EXPECT_EQ(b.hits[1].params.at("_et"), "5123");
}

// A missing fixture is a test failure naming the file, never an empty sample list a test could crash on.
TEST(Fixtures, MissingFixtureFailsWithItsPath) {
  try {
    (void)ga4_test::load_samples("no-such-fixture.txt");
    FAIL() << "no exception for a missing fixture";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tests/fixtures/no-such-fixture.txt"), std::string::npos) << e.what();
  }
}
