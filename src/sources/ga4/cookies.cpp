#include "sidetag/sources/ga4/cookies.hpp"

#include <array>

#include "sidetag/sources/ga4/client_ip.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

CookieList parse_cookie_header(std::string_view header) {
  CookieList out;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t semi = header.find(';', start);
    if (semi == std::string_view::npos) semi = header.size();
    std::string_view tok = util::trim(header.substr(start, semi - start));
    start = semi + 1;
    if (tok.empty()) continue;
    std::size_t eq = tok.find('=');
    std::string_view name, value;
    if (eq == std::string_view::npos) {
      value = tok;
    } else {
      name = util::trim(tok.substr(0, eq));
      value = util::trim(tok.substr(eq + 1));
    }
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    out.emplace_back(name, value);
  }
  return out;
}

std::optional<std::string_view> find_cookie(const CookieList& cookies, std::string_view name) {
  for (const auto& [n, v] : cookies)
    if (n == name) return v;
  return std::nullopt;
}

namespace {

// RFC 6265 cookie-octet.
bool cookie_octet(char ch) {
  auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
         (c >= 0x5D && c <= 0x7E);
}
bool token_char(char ch) {
  auto c = static_cast<unsigned char>(ch);
  if (c <= 0x20 || c >= 0x7F) return false;
  for (char s : std::string_view("()<>@,;:\\\"/[]?={}"))
    if (ch == s) return false;
  return true;
}

std::string_view strip_host(std::string_view host) {
  host = util::trim(host);
  if (!host.empty() && host.front() == '[') {  // [v6]:port
    auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  auto colon = host.find(':');
  if (colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos)
    host = host.substr(0, colon);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

// Small, deliberately incomplete list of multi-label public suffixes (NOT the Public Suffix List).
constexpr std::array<std::string_view, 58> kMultiLabelSuffixes = {
    "co.uk", "org.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk", "ac.uk", "gov.uk", "sch.uk",
    "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
    "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp",
    "com.br", "net.br", "org.br", "gov.br",
    "co.nz", "net.nz", "org.nz", "govt.nz",
    "co.za", "org.za",
    "co.in", "net.in", "org.in", "firm.in", "gen.in", "ind.in",
    "com.mx", "com.ar", "com.co", "com.tr", "com.cn", "net.cn", "org.cn", "com.hk", "com.tw", "com.sg",
    "com.my", "com.ph", "com.vn", "com.pl", "com.ua", "com.pe", "co.kr", "or.kr", "co.il", "co.id", "com.es"};

bool is_multi_label_suffix(std::string_view s) {
  for (auto suf : kMultiLabelSuffixes)
    if (s == suf) return true;
  return false;
}

bool is_ip_literal(std::string_view host) { return parse_ip(host).has_value(); }

}  // namespace

std::string registrable_domain(std::string_view host_in) {
  std::string host = util::ascii_lower(strip_host(host_in));
  if (host.empty() || is_ip_literal(host) || host.front() == '[') return {};
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return {};  // not a plain DNS name (IDNs must arrive in punycode)
  }
  std::size_t last = host.rfind('.');
  if (last == std::string::npos || last == 0 || last + 1 == host.size()) return {};
  std::size_t second = host.rfind('.', last - 1);
  std::string_view hv(host);
  std::string_view two = second == std::string::npos ? hv : hv.substr(second + 1);
  if (two.empty() || two.front() == '.') return {};
  if (is_multi_label_suffix(two)) {
    if (second == std::string::npos || second == 0) return {};  // the host IS the public suffix
    std::size_t third = host.rfind('.', second - 1);
    std::string_view three = third == std::string::npos ? hv : hv.substr(third + 1);
    if (three.empty() || three.front() == '.') return {};
    return std::string(three);
  }
  return std::string(two);
}

int subdomain_index_for_host(std::string_view host_in) {
  std::string host = util::ascii_lower(strip_host(host_in));
  if (host.empty() || is_ip_literal(host) || host.front() == '[') return 0;
  std::string reg = registrable_domain(host);
  std::string_view counted = reg.empty() ? std::string_view(host) : std::string_view(reg);
  int dots = 0;
  for (char c : counted) dots += c == '.';
  return dots;  // labels - 1
}

std::string url_host(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  auto at = rest.rfind('@');
  if (at != std::string_view::npos) rest = rest.substr(at + 1);
  return util::ascii_lower(strip_host(rest));
}

std::optional<std::string> url_query_param(std::string_view url, std::string_view name) {
  url = url.substr(0, url.find('#'));
  auto q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(q + 1);
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view seg = query.substr(start, amp - start);
    start = amp + 1;
    std::size_t eq = seg.find('=');
    std::string_view k = eq == std::string_view::npos ? seg : seg.substr(0, eq);
    if (k == name) return util::percent_decode(eq == std::string_view::npos ? std::string_view{} : seg.substr(eq + 1), false);
  }
  return std::nullopt;
}

std::string build_set_cookie(std::string_view name, std::string_view value, const SetCookieOptions& opts) {
  if (name.empty()) return {};
  for (char c : name)
    if (!token_char(c)) return {};
  for (char c : value)
    if (!cookie_octet(c)) return {};
  for (char c : opts.domain) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return {};
  }
  std::string out;
  out.reserve(name.size() + value.size() + opts.domain.size() + 80);
  out.append(name).append("=").append(value);
  out.append("; Max-Age=").append(std::to_string(opts.max_age));
  out.append("; Path=/");
  if (!opts.domain.empty()) out.append("; Domain=").append(opts.domain);
  if (opts.secure) out.append("; Secure");
  out.append("; SameSite=Lax");
  if (opts.http_only) out.append("; HttpOnly");
  return out;
}

}  // namespace sidetag::sources::ga4
