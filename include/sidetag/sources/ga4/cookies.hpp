#pragma once
// Cookie header parsing, Meta _fbp/_fbc logic
// (developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/) and host -> cookie domain
// helpers. Pure: time and randomness are injected.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sidetag::sources::ga4 {

using CookieList = std::vector<std::pair<std::string_view, std::string_view>>;

// Parses a Cookie request header ("a=1; b=2"). Tolerant: surrounding whitespace trimmed, one pair of
// surrounding double quotes removed from values, a token without '=' becomes {"", token} (browser behaviour),
// empty tokens skipped. Views point into `header`. Duplicates are kept in order.
CookieList parse_cookie_header(std::string_view header);
// First cookie with this exact (case-sensitive) name.
std::optional<std::string_view> find_cookie(const CookieList& cookies, std::string_view name);

// Meta's fbc/fbp format: 4 or 5 '.'-parts, part0 == "fb", parts 1 and 2 all digits (non-empty), part 3 non-empty,
// optional part 4 of exactly 2 or 8 characters. Also rejects characters that are not cookie-octets.
bool valid_fb_cookie(std::string_view value);
// Segment 3 (the fbclid / random part) of a valid cookie, else empty.
std::string_view fb_cookie_segment3(std::string_view value);

// A request's Meta cookies, each checked once with valid_fb_cookie. Cookies belong to the request, not to a hit: the
// route makes one of these per request and hands it to every hit's to_event_data and resolve_browser_ids, which
// used to check the same two values again (up to six times per hit). Only the factories below set the values, so a
// non-empty fbp()/fbc() has always passed valid_fb_cookie. Views point where the checked text points.
class FbCookies {
 public:
  FbCookies() = default;  // no cookies
  // The first _fbp and the first _fbc (find_cookie); an invalid first one counts as absent.
  static FbCookies from(const CookieList& cookies);
  // Raw cookie values ("" = absent), each checked here.
  static FbCookies from_values(std::string_view fbp, std::string_view fbc);
  std::string_view fbp() const { return fbp_; }  // "" when absent or invalid
  std::string_view fbc() const { return fbc_; }  // "" when absent or invalid
  std::string_view fbc_segment3() const { return fbc_segment3_; }  // fb_cookie_segment3(fbc()), found by the check

 private:
  std::string_view fbp_, fbc_, fbc_segment3_;
};

// An fbclid usable inside a cookie: non-empty, <= 1024 chars, no '.', no whitespace/control/;,"\ characters.
bool valid_fbclid(std::string_view fbclid);

enum class FbcAction { none, kept, minted, replaced };
struct FbcResult {
  std::string value;  // empty when action == none
  FbcAction action = FbcAction::none;
};
// Keeps a valid existing _fbc (with its original click time) when its segment 3 equals fbclid exactly (case
// sensitive) or when there is no fbclid; otherwise mints fb.<idx>.<now_ms>.<fbclid> (fbclid unmodified).
// An invalid fbclid is ignored (treated as absent).
FbcResult build_fbc(std::string_view existing_fbc_cookie, std::string_view fbclid, std::int64_t now_ms,
                    int subdomain_index);
// The same with the request's already checked cookies (only fbc() is used): no second validation per hit.
FbcResult build_fbc(const FbCookies& existing, std::string_view fbclid, std::int64_t now_ms, int subdomain_index);
// fb.<idx>.<now_ms>.<random>; `random` is the caller's random number (cpb: floor(rand * 2147483647)).
std::string mint_fbp(std::int64_t now_ms, std::uint32_t random, int subdomain_index);

// Value of `name` in a URL's query (before '#'), percent-decoded once ('+' kept literally, case kept).
// First occurrence wins. nullopt when absent.
std::optional<std::string> url_query_param(std::string_view url, std::string_view name);
inline std::optional<std::string> extract_fbclid(std::string_view url) { return url_query_param(url, "fbclid"); }
// Host part of an absolute URL (lowercased, without port/userinfo), empty if none.
std::string url_host(std::string_view url);

// Registrable domain (eTLD+1) of a host for the cookie Domain attribute: lowercased, port and trailing dot
// removed. Uses a SMALL built-in list of multi-label public suffixes (co.uk, com.au, co.jp, com.br, ...), NOT the
// full Public Suffix List: hosts under an unlisted multi-label suffix get a too-short domain (e.g.
// "foo.example.gov.xx" -> "gov.xx"). Returns "" for IP addresses, single-label hosts and bare public suffixes
// (the caller then omits Domain=).
std::string registrable_domain(std::string_view host);
// (number of labels of the registrable domain) - 1: example.com -> 1, example.co.uk -> 2, "com" -> 0,
// IP / empty -> 0.
int subdomain_index_for_host(std::string_view host);

struct SetCookieOptions {
  std::string domain;              // empty: no Domain attribute
  std::int64_t max_age = 7776000;  // 90 days
  bool http_only = false;
  bool secure = true;
};
// "<name>=<value>; Max-Age=7776000; Path=/; Domain=<d>; Secure; SameSite=Lax[; HttpOnly]".
// Returns "" when name/value/domain contain characters not allowed there (header-injection guard).
std::string build_set_cookie(std::string_view name, std::string_view value, const SetCookieOptions& opts = {});

}  // namespace sidetag::sources::ga4
