#include <gtest/gtest.h>

#include "sidetag/sources/ga4/event_data.hpp"
#include "sidetag/sources/ga4/hits.hpp"
#include "sidetag/util/strings.hpp"

using namespace sidetag::sources::ga4;
using nlohmann::json;

namespace {
// Both overloads, which must agree on the data and the notes: every test through ev() checks the one that copies
// the parameter values (callers that keep the params) and the one that moves them (the route), and that the
// borrowed params are left unchanged.
json ev(std::string_view query, RequestInfo req = {}, std::vector<std::string>* notes = nullptr) {
  const Params params = parse_query(query);
  std::vector<std::string> copied_notes, moved_notes;
  json copied = to_event_data(params, req, &copied_notes);
  EXPECT_EQ(params, parse_query(query)) << "to_event_data(const Params&) changed its input";
  json moved = to_event_data(parse_query(query), req, &moved_notes);
  EXPECT_EQ(copied, moved) << query;
  EXPECT_EQ(copied_notes, moved_notes) << query;
  if (notes) *notes = std::move(moved_notes);
  return moved;
}
bool has_note(const std::vector<std::string>& notes, std::string_view needle) {
  for (auto& n : notes)
    if (n.find(needle) != std::string::npos) return true;
  return false;
}
// SHA-256("test@example.com") etc., computed independently (python hashlib).
constexpr const char* kEmailB64 = "lz3-Rj7IV4X1-Vr1ujkG7tstkxwk5pgkqJ6mXbpOgTs";
constexpr const char* kEmailHex = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b";
constexpr const char* kPhoneB64 = "ill4C7jNK6Aiv6W6LqO24Hrxen2LMMH5szkONvaQGeQ";
constexpr const char* kPhoneHex = "8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4";
constexpr const char* kJohnB64 = "ltljLzY1ZMwwMlIUCc8iqFLyAy7sCZ7VlnwNAAzsYHo";
constexpr const char* kJohnHex = "96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a";
constexpr const char* kDoeB64 = "eZ75KhGvkY4_t0HfQpNPO1aO0tk6wd908bjUGieTKm8";
}  // namespace

TEST(Ga4Number, Parse) {
  EXPECT_EQ(parse_number("42"), json(42));
  EXPECT_EQ(parse_number("-7"), json(-7));
  EXPECT_TRUE(parse_number("42")->is_number_integer());
  EXPECT_DOUBLE_EQ(parse_number("30.03")->get<double>(), 30.03);
  EXPECT_DOUBLE_EQ(parse_number("1e3")->get<double>(), 1000.0);
  EXPECT_TRUE(parse_number("99999999999999999999")->is_number_float());
  for (auto bad : {"", "NaN", "nan", "inf", "-inf", "1e999", "12abc", " 1", "+1", "-", "1.2.3", "0x10"})
    EXPECT_FALSE(parse_number(bad).has_value()) << bad;
}

TEST(Ga4Items, CustomParamsAndTypes) {
  std::vector<std::string> notes;
  json it = decode_item("idA1~nmCoffee%7ETable~prabc~qt2~k0color~v0red~k1size~v1XL~kAorphan~zzmystery~va~x", &notes);
  EXPECT_EQ(it["item_id"], "A1");
  EXPECT_EQ(it["item_name"], "Coffee~Table");
  EXPECT_EQ(it["price"], "abc");  // non-numeric price kept as a string, noted
  EXPECT_TRUE(has_note(notes, "price"));
  EXPECT_EQ(it["quantity"], 2);
  EXPECT_EQ(it["color"], "red");
  EXPECT_EQ(it["size"], "XL");
  EXPECT_FALSE(it.contains("orphan"));
  EXPECT_TRUE(has_note(notes, "orphan"));
  EXPECT_EQ(it["x-ga-zz"], "mystery");
  EXPECT_EQ(it["item_variant"], "");  // "va" with empty value
}

TEST(Ga4EventData, ItemsOrderedAndNumbered) {
  json e = ev("en=purchase&pr2=idB~pr2.5&pr10=idC&pr1=idA~qt1&cu=EUR");
  ASSERT_EQ(e["items"].size(), 3u);
  EXPECT_EQ(e["items"][0]["item_id"], "A");
  EXPECT_EQ(e["items"][1]["item_id"], "B");
  EXPECT_DOUBLE_EQ(e["items"][1]["price"].get<double>(), 2.5);
  EXPECT_EQ(e["items"][2]["item_id"], "C");
  EXPECT_EQ(e["currency"], "EUR");
}

TEST(Ga4EventData, EventAndUserParams) {
  std::vector<std::string> notes;
  json e = ev("en=x&ep.a=1&epn.b=2.5&epn.c=oops&up.u=s&upn.n=4&uid=U1&ep.client_id=evil&cid=1.2&ep.x-ga-gcs=G100"
              "&ep.user_agent=spoof&epn.value=10",
              {}, &notes);
  EXPECT_EQ(e["a"], "1");
  EXPECT_DOUBLE_EQ(e["b"].get<double>(), 2.5);
  EXPECT_EQ(e["c"], "oops");
  EXPECT_TRUE(has_note(notes, "epn.c"));
  EXPECT_EQ(e["value"], 10);
  EXPECT_EQ(e["client_id"], "1.2");  // reserved keys cannot be set through ep.
  EXPECT_FALSE(e.contains("x-ga-gcs"));
  EXPECT_FALSE(e.contains("user_agent"));
  EXPECT_EQ(e["user_id"], "U1");
  EXPECT_EQ(e["x-ga-mp2-user_properties"], (json{{"u", "s"}, {"n", 4}, {"_user_id", "U1"}}));
}

TEST(Ga4EventData, SystemAndUnknownParams) {
  json e = ev("en=x&_ee=1&_c=1&_dbg=1&_z=ccd&_fplc=0&_rnd=5&gap.lineItemValue=1&foo=bar&sst.uc=DE&ngs=1&tfd=12&_s=3");
  EXPECT_EQ(e["x-ga-system_properties"], (json{{"ee", true}, {"c", "1"}, {"dbg", "1"}, {"z", "ccd"}}));
  EXPECT_EQ(e["x-ga-foo"], "bar");
  EXPECT_EQ(e["x-sst-system_properties"], (json{{"uc", "DE"}, {"ngs", "1"}}));
  EXPECT_EQ(e["x-ga-tfd"], 12);
  EXPECT_EQ(e["x-ga-request_count"], 3);
  EXPECT_FALSE(e.dump().find("lineItemValue") != std::string::npos);
}

TEST(Ga4EventData, ClientHintFlagsAndSpecialNames) {
  // Each special name is looked up in the same index as the tables: check each lands where it did.
  json e = ev("en=x&uamb=1&uaw=0&uafvl=A%3B1%7CB%3B2&_uip=1.2.3.4&_geo=x&_glv=1&_gaz=1&_rdi=1&_=lone&_ee=0&ngs=z"
              "&gap.=1&ep.=empty&x=1&mp2-frm=unknown&frm=7");
  EXPECT_EQ(e["client_hints"]["mobile"], true);
  EXPECT_EQ(e["client_hints"]["wow64"], false);
  EXPECT_EQ(e["client_hints"]["full_version_list"],
            (json{{{"brand", "A"}, {"version", "1"}}, {{"brand", "B"}, {"version", "2"}}}));
  EXPECT_EQ(e["x-ga-system_properties"], (json{{"ee", true}}));  // _ee means true whatever its value
  EXPECT_EQ(e["x-sst-system_properties"]["ngs"], "z");
  EXPECT_EQ(e["x-ga-x"], "1");
  // "frm" maps to x-ga-mp2-frm, the unknown "mp2-frm" to the same key and sorts after it: the later one wins.
  EXPECT_EQ(e["x-ga-mp2-frm"], "unknown");
  EXPECT_EQ(e["x-ga-ep."], "empty");  // "ep." without a name is not an event parameter
  const std::string dump = e.dump();
  for (const char* gone : {"1.2.3.4", "lone", "_geo", "geo", "glv", "gaz", "rdi"})
    EXPECT_EQ(dump.find(gone), std::string::npos) << gone;
}

TEST(Ga4EventData, RequestInfoAndIpOverride) {
  RequestInfo req;
  req.user_agent = "UA/1";
  req.client_ip = "::ffff:198.51.100.20";
  req.received_ms = 1700000000123;
  static const std::string cookies = "_fbp=fb.1.1596403881668.1116446470; _fbc=bogus";
  req.cookies = parse_cookie_header(cookies);
  std::vector<std::string> notes;
  json e = ev("en=x&_uip=8.8.8.8", req, &notes);
  EXPECT_EQ(e["user_agent"], "UA/1");
  EXPECT_EQ(e["ip_override"], "198.51.100.20");  // unmapped, _uip not trusted
  EXPECT_TRUE(has_note(notes, "_uip"));
  EXPECT_EQ(e["x-sst-system_properties"]["request_start_time_ms"], 1700000000123LL);
  EXPECT_EQ(e["x-fb-ck-fbp"], "fb.1.1596403881668.1116446470");
  EXPECT_FALSE(e.contains("x-fb-ck-fbc"));  // invalid cookie not propagated
  req.trust_uip = true;
  e = ev("en=x&_uip=8.8.8.8", req);
  EXPECT_EQ(e["ip_override"], "8.8.8.8");
}

TEST(Ga4UserProvidedData, EmailPhoneAddress) {
  std::string em = std::string("tv.1~em.") + kEmailB64 + "~pn." + kPhoneB64 + "~fn0." + kJohnB64 + "~ln0." + kDoeB64 +
                   "~pc0.0150~co0.NO";
  std::vector<std::string> nf, notes;
  json ud = decode_user_provided_data(em, &nf, &notes);
  ASSERT_TRUE(ud.is_object()) << ud.dump();
  EXPECT_EQ(ud["sha256_email_address"], kEmailHex);
  EXPECT_EQ(ud["sha256_phone_number"], kPhoneHex);
  EXPECT_EQ(ud["address"]["sha256_first_name"], kJohnHex);
  EXPECT_EQ(ud["address"]["postal_code"], "0150");
  EXPECT_EQ(ud["address"]["country"], "NO");
  EXPECT_EQ(nf, (std::vector<std::string>{"user_data.sha256_phone_number", "user_data.address.sha256_first_name",
                                          "user_data.address.sha256_last_name"}));
}

TEST(Ga4UserProvidedData, ReferenceExampleAndHexInput) {
  // user-provided data example (developers.google.com/analytics/devguides/collection/ga4/uid-data)
  std::vector<std::string> nf;
  json ud = decode_user_provided_data("tv.1~em.4x8WFpkYUiISoDaC9zQnW4M-xxMNPal-E3vq2kbfQCI~co0.NO", &nf);
  EXPECT_EQ(ud["sha256_email_address"], "e31f16169918522212a03682f734275b833ec7130d3da97e137beada46df4022");
  EXPECT_EQ(ud["address"]["country"], "NO");
  EXPECT_TRUE(nf.empty());
  ud = decode_user_provided_data(std::string("tv.1~em.") + "973DFE463EC85785F5F95AF5BA3906EEDB2D931C24E69824A89EA65DBA4E813B", &nf);
  EXPECT_EQ(ud["sha256_email_address"], kEmailHex);
  // two emails -> array
  ud = decode_user_provided_data(std::string("tv.1~em.") + kEmailB64 + "~em." + kJohnB64, &nf);
  ASSERT_TRUE(ud["sha256_email_address"].is_array());
  EXPECT_EQ(ud["sha256_email_address"][1], kJohnHex);
}

TEST(Ga4UserProvidedData, Malformed) {
  std::vector<std::string> nf, notes;
  EXPECT_TRUE(decode_user_provided_data(std::string("em.") + kEmailB64, &nf, &notes).is_null());  // no tv.1
  EXPECT_TRUE(has_note(notes, "tv.1"));
  EXPECT_TRUE(decode_user_provided_data(std::string("tv.1~tv.1~em.") + kEmailB64, &nf).is_null());
  EXPECT_TRUE(decode_user_provided_data(std::string(20001, 'a'), &nf).is_null());
  notes.clear();
  json ud = decode_user_provided_data(std::string("tv.1~em.e1~ec.e3~em.notahash~pn.a.b~em.") + kEmailB64, &nf, &notes);
  EXPECT_EQ(ud["sha256_email_address"], kEmailHex);  // bad tokens skipped
  EXPECT_TRUE(has_note(notes, "global error"));
  EXPECT_TRUE(decode_user_provided_data("tv.1~em.e1", &nf).is_null());
}

TEST(Ga4EventData, EmInHitAndLineOverride) {
  std::string q = std::string("en=purchase&em=tv.1~em.") + kEmailB64 + "~pn." + kPhoneB64;
  json e = ev(q);
  EXPECT_EQ(e["user_data"]["sha256_email_address"], kEmailHex);
  EXPECT_EQ(e["user_data"]["sha256_phone_number"], kPhoneHex);
  EXPECT_EQ(e["x-ga-em"], std::string("tv.1~em.") + kEmailB64 + "~pn." + kPhoneB64);
  EXPECT_EQ(e[kNotForwardableKey], json::array({"user_data.sha256_phone_number"}));
  // em in the body line replaces the query's em
  auto b = parse_hits(q, std::string("en=a&em=tv.1~em.") + kJohnB64);
  ASSERT_EQ(b.hits.size(), 1u);
  json e2 = to_event_data(b.hits[0].params, {});
  EXPECT_EQ(e2["user_data"]["sha256_email_address"], kJohnHex);
  EXPECT_FALSE(e2["user_data"].contains("sha256_phone_number"));
}

TEST(Ga4EventData, NeverThrowsOnHostileParams) {
  Params p;
  p["en"] = "x";
  p["dt"] = std::string("\xff\xfe");
  p[std::string("\xc0")] = "1";
  p["pr1"] = "nm%FF~id\xff";
  p["em"] = "tv.1~em.%FF";
  p["uafvl"] = "%FF;1|a;%FE";
  p[""] = "empty key";
  p["_"] = "lone underscore";
  p["ep."] = "no name";
  std::vector<std::string> notes;
  json e;
  ASSERT_NO_THROW(e = to_event_data(p, {}, &notes));
  ASSERT_NO_THROW((void)e.dump());
  EXPECT_EQ(e["event_name"], "x");
  EXPECT_FALSE(e.contains("page_title"));
  EXPECT_FALSE(notes.empty());
}

TEST(Ga4EventData, SecChUaBrands) {
  json b = parse_sec_ch_ua(R"("Chromium";v="116", "Not)A;Brand";v="24" , "Google \"Chrome\"";v="116";x=1, bare;v="1")");
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], (json{{"brand", "Chromium"}, {"version", "116"}}));
  EXPECT_EQ(b[1], (json{{"brand", "Not)A;Brand"}, {"version", "24"}}));
  EXPECT_EQ(b[2], (json{{"brand", "Google \"Chrome\""}, {"version", "116"}}));
  EXPECT_TRUE(parse_sec_ch_ua("").empty());
  EXPECT_TRUE(parse_sec_ch_ua("\"unterminated").empty());
  RequestInfo req;
  req.sec_ch_ua = R"("Chromium";v="116")";
  json e = to_event_data(parse_query("en=x&uap=Windows"), req);
  EXPECT_EQ(e["client_hints"]["platform"], "Windows");
  EXPECT_EQ(e["client_hints"]["brands"][0]["version"], "116");
}

TEST(Ga4EventData, MovedParamsGiveTheSameDataForEveryKindOfParameter) {
  // One hit with a parameter of each mapping (plain, uid's two targets, number, boolean fallback, client hint, ep.,
  // epn. fallback, up., upn. fallback, sst., ngs, _uip, _x, unknown, items, em) and values longer than the
  // small-string buffer, so that a value read after being moved would show up as an empty or missing string.
  const std::string long_v = "value-longer-than-sixteen-bytes-";
  std::string q = "en=purchase&uid=" + long_v + "u&dl=https%3A%2F%2Fshop.example%2Fp%3Ffbclid%3D" + long_v +
                  "&dma=maybe-" + long_v + "&sct=3&_et=x&uap=" + long_v + "p&uamb=1&uafvl=A%3B1%7CB%3B2" +
                  "&ep.coupon=" + long_v + "c&epn.value=abc-" + long_v + "&epn.tax=1.5&up.tier=" + long_v +
                  "t&upn.age=old-" + long_v + "&sst.etld=" + long_v + "e&ngs=" + long_v + "n&_uip=1.2.3.4&_ab=" +
                  long_v + "s&zz=" + long_v + "z&pr1=idA~nm" + long_v + "&em=tv.1~em." + kEmailB64 + "&ep.client_id=x";
  RequestInfo req;
  req.client_ip = "81.2.69.160";
  req.user_agent = "UA " + long_v;
  std::vector<std::string> notes;
  json e = ev(q, req, &notes);  // ev() compares both overloads
  EXPECT_EQ(e["user_id"], long_v + "u");
  EXPECT_EQ(e["x-ga-mp2-user_properties"]["_user_id"], long_v + "u");  // read before uid's value moved into user_id
  EXPECT_EQ(e["x-ga-dma"], "maybe-" + long_v);
  EXPECT_EQ(e["client_hints"]["platform"], long_v + "p");
  EXPECT_EQ(e["coupon"], long_v + "c");
  EXPECT_EQ(e["value"], "abc-" + long_v);
  EXPECT_EQ(e["x-ga-mp2-user_properties"]["tier"], long_v + "t");
  EXPECT_EQ(e["x-ga-mp2-user_properties"]["age"], "old-" + long_v);
  EXPECT_EQ(e["x-sst-system_properties"]["etld"], long_v + "e");
  EXPECT_EQ(e["x-sst-system_properties"]["ngs"], long_v + "n");
  EXPECT_EQ(e["x-ga-system_properties"]["ab"], long_v + "s");
  EXPECT_EQ(e["x-ga-zz"], long_v + "z");
  EXPECT_EQ(e["items"][0]["item_name"], long_v);
  EXPECT_EQ(e["ip_override"], "81.2.69.160");
  EXPECT_TRUE(has_note(notes, "_uip ignored"));
  EXPECT_TRUE(has_note(notes, "reserved key client_id"));
}

TEST(Ga4EventData, CheckedFbCookiesGiveTheSameDataAsTheCookieList) {
  for (std::string_view header : {"_fbp=fb.1.1596403881668.1116446470; _fbc=fb.1.1554763741205.IwAR_x",
                                  "_fbp=garbage; _fbc=fb.1.2.a b", "_fbp=x; _fbp=fb.1.2.3", ""}) {
    RequestInfo found;
    found.cookies = parse_cookie_header(header);
    RequestInfo given = found;
    given.fb_cookies = FbCookies::from(given.cookies);
    const json a = ev("en=x", found), b = ev("en=x", given);
    EXPECT_EQ(a, b) << header;
    EXPECT_EQ(a.contains("x-fb-ck-fbp"), header.substr(0, 10) == "_fbp=fb.1.") << header;
  }
}

TEST(Ga4Items, MultiByteFieldCodeRegression) {
  // Found by fuzz_ga4_hits: a field starting with 'v' + a 2-byte UTF-8 char produced an invalid JSON key.
  std::vector<std::string> notes;
  json it = decode_item("v\xd0\x91" "ed~idA~\xc3\xa9" "x", &notes);
  EXPECT_EQ(it, (json{{"item_id", "A"}}));
  EXPECT_NO_THROW((void)it.dump());
  std::vector<std::string> nf;
  notes.clear();
  (void)decode_user_provided_data("tv.1~\xd0\x91\xd0\x91\xd0\x91\xd0\x91\xd0" ".x~ec.\xd0\x91", &nf, &notes);
  for (auto& n : notes) EXPECT_TRUE(sidetag::util::valid_utf8(n)) << n;
}
