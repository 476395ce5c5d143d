#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sidetag/sources/ga4/cookies.hpp"

using namespace sidetag::sources::ga4;

TEST(Ga4Cookies, ParseHeaderTolerant) {
  auto c = parse_cookie_header(" a=1;b = \"quoted value\" ;;junk; _fbp=fb.1.2.3; empty=; =x ;a=2 ");
  ASSERT_EQ(c.size(), 7u);
  EXPECT_EQ(c[0], (std::pair<std::string_view, std::string_view>{"a", "1"}));
  EXPECT_EQ(c[1].first, "b");
  EXPECT_EQ(c[1].second, "quoted value");
  EXPECT_EQ(c[2].first, "");
  EXPECT_EQ(c[2].second, "junk");
  EXPECT_EQ(*find_cookie(c, "_fbp"), "fb.1.2.3");
  EXPECT_EQ(*find_cookie(c, "empty"), "");
  EXPECT_EQ(*find_cookie(c, "a"), "1");  // first wins
  EXPECT_FALSE(find_cookie(c, "A").has_value());
  EXPECT_TRUE(parse_cookie_header("").empty());
  EXPECT_TRUE(parse_cookie_header(" ; ; ").empty());
  auto q = parse_cookie_header("x=\"");
  EXPECT_EQ(q[0].second, "\"");  // a lone quote is kept
}

TEST(Ga4FbIds, ValidateCookie) {
  EXPECT_TRUE(valid_fb_cookie("fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890"));
  EXPECT_TRUE(valid_fb_cookie("fb.1.1596403881668.1116446470"));
  EXPECT_TRUE(valid_fb_cookie("fb.1.1596403881668.1116446470.BA"));
  EXPECT_TRUE(valid_fb_cookie("fb.2.1596403881668.Ab-_x.AQQCAQAB"));
  EXPECT_FALSE(valid_fb_cookie("fb.1.1596403881668"));
  EXPECT_FALSE(valid_fb_cookie("fb.1.1596403881668.1.ABC"));       // 5th part of 3 chars
  EXPECT_FALSE(valid_fb_cookie("fb.1.1596403881668.1.BA.x"));      // 6 parts
  EXPECT_FALSE(valid_fb_cookie("fx.1.1596403881668.1"));
  EXPECT_FALSE(valid_fb_cookie("fb.a.1596403881668.1"));
  EXPECT_FALSE(valid_fb_cookie("fb.1..1"));
  EXPECT_FALSE(valid_fb_cookie("fb.1.159640388166x.1"));
  EXPECT_FALSE(valid_fb_cookie("fb.1.1596403881668."));
  EXPECT_FALSE(valid_fb_cookie("fb.1.1596403881668.a b"));
  EXPECT_FALSE(valid_fb_cookie(""));
  EXPECT_EQ(fb_cookie_segment3("fb.1.1554763741205.AbC.BA"), "AbC");
  EXPECT_EQ(fb_cookie_segment3("junk"), "");
}

namespace {
// Meta's fbc/fbp format written plainly (split on '.', then check each part): the reference for valid_fb_cookie's
// one-pass check.
bool reference_valid_fb_cookie(std::string_view v) {
  if (v.empty() || v.size() > 2048) return false;
  for (unsigned char c : v)
    if (c <= 0x20 || c >= 0x7F || c == ';' || c == ',' || c == '"' || c == '\\') return false;
  std::vector<std::string> parts(1);
  for (char c : v) {
    if (c == '.')
      parts.emplace_back();
    else
      parts.back() += c;
  }
  auto digits = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
  return (parts.size() == 4 || parts.size() == 5) && parts[0] == "fb" && digits(parts[1]) && digits(parts[2]) &&
         !parts[3].empty() && (parts.size() == 4 || parts[4].size() == 2 || parts[4].size() == 8);
}
}  // namespace

TEST(Ga4FbIds, ValidateCookieMatchesThePlainRuleOnGeneratedValues) {
  // Values built from parts that hit every rule (prefix, digits, empty parts, appendix lengths, bad bytes, part
  // count), so that both answers occur often; a fixed seed keeps failures reproducible.
  const std::vector<std::string> pieces = {"",   "fb", "fx", "f",  "1",        "1554763741205", "1a", "a",  "AbC-_",
                                           "ab", "BA", "abcdefgh", "abcdefg", "a b", "a;b", "a,b", "\x7f", "\xc3\xa9", "\""};
  std::mt19937 rng(12345);
  int valid = 0;
  for (int i = 0; i < 20000; ++i) {
    const int parts = 1 + static_cast<int>(rng() % 6);
    std::string v;
    for (int p = 0; p < parts; ++p) {
      if (p) v += '.';
      // Mostly the shape of a real cookie, so that the valid side is well covered.
      if (p == 0 && rng() % 4) v += "fb";
      else if ((p == 1 || p == 2) && rng() % 4) v += std::to_string(rng() % 100000);
      else v += pieces[rng() % pieces.size()];
    }
    const bool want = reference_valid_fb_cookie(v);
    valid += want;
    ASSERT_EQ(valid_fb_cookie(v), want) << v;
    const auto seg = fb_cookie_segment3(v);
    if (want) {
      // Segment 3 is the text between the third and the fourth dot (or the end).
      std::size_t d = 0;
      for (int k = 0; k < 3; ++k) d = v.find('.', d) + 1;
      ASSERT_EQ(seg, std::string_view(v).substr(d, v.find('.', d) - d)) << v;
    } else {
      ASSERT_EQ(seg, "") << v;
    }
  }
  EXPECT_GT(valid, 1000);  // the generator really reaches valid cookies (1259 of 20000 with this seed)
  EXPECT_FALSE(valid_fb_cookie("fb.1.2.3" + std::string(2041, 'x')));  // 2049 bytes
  EXPECT_TRUE(valid_fb_cookie("fb.1.2.3" + std::string(2040, 'x')));
}

TEST(Ga4FbIds, FbCookiesCheckOncePerRequest) {
  // The first cookie of each name, like find_cookie; an invalid first one counts as absent even when a later
  // duplicate is valid (the per-hit code never looked further either).
  const std::string header = "_ga=1; _fbp=fb.1.1596403881668.1116446470; _fbc=fb.1.1554763741205.IwAR_x.BA; _fbp=x";
  auto c = FbCookies::from(parse_cookie_header(header));
  EXPECT_EQ(c.fbp(), "fb.1.1596403881668.1116446470");
  EXPECT_EQ(c.fbc(), "fb.1.1554763741205.IwAR_x.BA");
  EXPECT_EQ(c.fbc_segment3(), "IwAR_x");
  c = FbCookies::from(parse_cookie_header("_fbp=garbage; _fbp=fb.1.2.3; _fbc=fb.1.2"));
  EXPECT_EQ(c.fbp(), "");
  EXPECT_EQ(c.fbc(), "");
  EXPECT_EQ(c.fbc_segment3(), "");
  c = FbCookies::from_values("fb.1.2.3", "fb.1.2.abc");
  EXPECT_EQ(c.fbp(), "fb.1.2.3");
  EXPECT_EQ(c.fbc_segment3(), "abc");
  EXPECT_EQ(FbCookies().fbp(), "");
  EXPECT_EQ(FbCookies::from_values("fb.1.2.3;", "fb.1.2.a b").fbc(), "");
  EXPECT_EQ(FbCookies::from_values("fb.1.2.3;", "").fbp(), "");
}

TEST(Ga4FbIds, BuildFbcFromCheckedCookiesSameAsFromTheRawValue) {
  const std::int64_t now = 1764340310123;
  for (std::string_view existing : {"", "garbage", "fb.1.1554763741205.IwAR2xYz-AbC_123.Bg", "fb.1.1554763741205.Old",
                                    "fb.1.1554763741205.iwar2xyz-abc_123", "fb.1.1554763741205.a b"}) {
    for (std::string_view click : {"", "IwAR2xYz-AbC_123", "Old", "a.b", "abc;Path=/"}) {
      const auto raw = build_fbc(existing, click, now, 2);
      const auto checked = build_fbc(FbCookies::from_values("", existing), click, now, 2);
      EXPECT_EQ(raw.value, checked.value) << existing << " / " << click;
      EXPECT_EQ(raw.action, checked.action) << existing << " / " << click;
    }
  }
}

TEST(Ga4FbIds, BuildFbc) {
  const std::int64_t now = 1764340310123;
  // no cookie, click id -> minted, case kept
  auto r = build_fbc("", "IwAR2xYz-AbC_123", now, 1);
  EXPECT_EQ(r.action, FbcAction::minted);
  EXPECT_EQ(r.value, "fb.1.1764340310123.IwAR2xYz-AbC_123");
  // existing cookie with the same click id: kept with its original click time (and appendix)
  r = build_fbc("fb.1.1554763741205.IwAR2xYz-AbC_123.Bg", "IwAR2xYz-AbC_123", now, 1);
  EXPECT_EQ(r.action, FbcAction::kept);
  EXPECT_EQ(r.value, "fb.1.1554763741205.IwAR2xYz-AbC_123.Bg");
  // same id but different case: a different click -> replaced
  r = build_fbc("fb.1.1554763741205.iwar2xyz-abc_123", "IwAR2xYz-AbC_123", now, 2);
  EXPECT_EQ(r.action, FbcAction::replaced);
  EXPECT_EQ(r.value, "fb.2.1764340310123.IwAR2xYz-AbC_123");
  // existing cookie, no click -> kept
  r = build_fbc("fb.1.1554763741205.Old", "", now, 1);
  EXPECT_EQ(r.action, FbcAction::kept);
  // invalid existing cookie, no click -> nothing
  r = build_fbc("garbage", "", now, 1);
  EXPECT_EQ(r.action, FbcAction::none);
  EXPECT_TRUE(r.value.empty());
  // click id that would break the cookie -> ignored
  r = build_fbc("", "abc;Path=/", now, 1);
  EXPECT_EQ(r.action, FbcAction::none);
  r = build_fbc("", "a.b", now, 1);
  EXPECT_EQ(r.action, FbcAction::none);
}

TEST(Ga4FbIds, MintFbp) {
  EXPECT_EQ(mint_fbp(1596403881668, 1116446470u, 1), "fb.1.1596403881668.1116446470");
  EXPECT_TRUE(valid_fb_cookie(mint_fbp(1, 0, 0)));
}

TEST(Ga4FbIds, ExtractFbclidFromUrl) {
  EXPECT_EQ(*extract_fbclid("https://shop.example.com/p?utm=x&fbclid=IwAR%2DAb_Cd&z=1#frag"), "IwAR-Ab_Cd");
  EXPECT_EQ(*extract_fbclid("https://a.example/?fbclid=AbC+d"), "AbC+d");  // '+' kept, case kept
  EXPECT_EQ(*extract_fbclid("https://a.example/?fbclid=first&fbclid=second"), "first");
  EXPECT_FALSE(extract_fbclid("https://a.example/#?fbclid=x").has_value());
  EXPECT_FALSE(extract_fbclid("https://a.example/?xfbclid=x&FBCLID=y").has_value());
  EXPECT_EQ(*extract_fbclid("https://a.example/?fbclid"), "");
  EXPECT_EQ(*extract_fbclid("https://a.example/?fbclid=%252F"), "%2F");  // decoded exactly once
  EXPECT_EQ(url_host("https://user@WWW.Example.COM:8443/x?y"), "www.example.com");
  EXPECT_EQ(url_host("/relative"), "");
}

TEST(Ga4Domains, RegistrableDomainAndIndex) {
  EXPECT_EQ(registrable_domain("www.example.com"), "example.com");
  EXPECT_EQ(registrable_domain("Shop.Example.COM:443"), "example.com");
  EXPECT_EQ(registrable_domain("example.com."), "example.com");
  EXPECT_EQ(registrable_domain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(registrable_domain("shop.example.com.au"), "example.com.au");
  EXPECT_EQ(registrable_domain("example.co.jp"), "example.co.jp");
  EXPECT_EQ(registrable_domain("loja.example.com.br"), "example.com.br");
  EXPECT_EQ(registrable_domain("co.uk"), "");
  EXPECT_EQ(registrable_domain("localhost"), "");
  EXPECT_EQ(registrable_domain("192.168.1.10"), "");
  EXPECT_EQ(registrable_domain("[2001:db8::1]:443"), "");
  EXPECT_EQ(registrable_domain("www.example.cp,"), "");  // sample 12's malformed host
  EXPECT_EQ(registrable_domain(""), "");

  EXPECT_EQ(subdomain_index_for_host("com"), 0);
  EXPECT_EQ(subdomain_index_for_host("example.com"), 1);
  EXPECT_EQ(subdomain_index_for_host("www.example.com"), 1);  // cookie set on the eTLD+1
  EXPECT_EQ(subdomain_index_for_host("www.example.co.uk"), 2);
  EXPECT_EQ(subdomain_index_for_host("10.0.0.1"), 0);
  EXPECT_EQ(subdomain_index_for_host(""), 0);
}

TEST(Ga4Cookies, SetCookieBuilder) {
  SetCookieOptions o;
  o.domain = "example.com";
  EXPECT_EQ(build_set_cookie("_fbp", "fb.1.1596403881668.1116446470", o),
            "_fbp=fb.1.1596403881668.1116446470; Max-Age=7776000; Path=/; Domain=example.com; Secure; SameSite=Lax");
  o.http_only = true;
  o.domain.clear();
  EXPECT_EQ(build_set_cookie("_fbc", "fb.1.2.x", o), "_fbc=fb.1.2.x; Max-Age=7776000; Path=/; Secure; SameSite=Lax; HttpOnly");
  EXPECT_EQ(build_set_cookie("_fbp", "a;b", {}), "");
  EXPECT_EQ(build_set_cookie("_fbp", "a\r\nSet-Cookie: x=1", {}), "");
  EXPECT_EQ(build_set_cookie("bad name", "v", {}), "");
  SetCookieOptions bad;
  bad.domain = "example.com; HttpOnly";
  EXPECT_EQ(build_set_cookie("_fbp", "v", bad), "");
}
