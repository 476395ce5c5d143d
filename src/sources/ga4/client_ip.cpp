#include "sidetag/sources/ga4/client_ip.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

std::string IpAddress::to_string() const {
  if (!v6) {
    // inet_ntop's IPv4 text (dotted decimal, no leading zeros) written directly: glibc formats it with sprintf,
    // most of normalize_ip's cost, and every GA4 hit normalizes the client address.
    char buf[16];
    char* p = buf;
    for (std::size_t i = 0; i < 4; ++i) {
      if (i) *p++ = '.';
      const unsigned b = bytes[i];
      if (b >= 100) *p++ = static_cast<char>('0' + b / 100);
      if (b >= 10) *p++ = static_cast<char>('0' + b / 10 % 10);
      *p++ = static_cast<char>('0' + b % 10);
    }
    return std::string(buf, p);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf)) return {};
  return buf;
}

namespace {

std::string_view strip_quotes_ws(std::string_view s) {
  s = util::trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = util::trim(s.substr(1, s.size() - 2));
  return s;
}

bool parse_v4(std::string_view s, IpAddress& out) {
  if (s.empty() || s.size() > 15) return false;
  char buf[16] = {};
  std::memcpy(buf, s.data(), s.size());
  in_addr a{};
  if (inet_pton(AF_INET, buf, &a) != 1) return false;
  out = IpAddress{};
  std::memcpy(out.bytes.data(), &a, 4);
  return true;
}

bool parse_v6(std::string_view s, IpAddress& out) {
  if (s.empty() || s.size() > 45) return false;
  char buf[46] = {};
  std::memcpy(buf, s.data(), s.size());
  in6_addr a{};
  if (inet_pton(AF_INET6, buf, &a) != 1) return false;
  out = IpAddress{};
  out.v6 = true;
  std::memcpy(out.bytes.data(), &a, 16);
  // IPv4-mapped ::ffff:a.b.c.d -> a.b.c.d
  static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(out.bytes.data(), mapped, 12) == 0) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), out.bytes.data() + 12, 4);
    out = v4;
  }
  return true;
}

bool in_v4(const IpAddress& ip, std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, int prefix) {
  Cidr cidr;
  cidr.base.bytes[0] = a;
  cidr.base.bytes[1] = b;
  cidr.base.bytes[2] = c;
  cidr.base.bytes[3] = d;
  cidr.prefix = prefix;
  return cidr.contains(ip);
}

bool in_v6(const IpAddress& ip, std::initializer_list<std::uint8_t> head, int prefix) {
  Cidr cidr;
  cidr.base.v6 = true;
  std::size_t i = 0;
  for (auto b : head) cidr.base.bytes[i++] = b;
  cidr.prefix = prefix;
  return cidr.contains(ip);
}

}  // namespace

bool Cidr::contains(const IpAddress& ip) const {
  if (ip.v6 != base.v6) return false;
  int bits = prefix;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((ip.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
  }
  return true;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  std::string_view s = strip_quotes_ws(text);
  if (s.empty()) return std::nullopt;
  IpAddress ip;
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    if (parse_v6(s.substr(1, close - 1), ip)) return ip;
    return std::nullopt;
  }
  auto first_colon = s.find(':');
  if (first_colon == std::string_view::npos) {
    if (parse_v4(s, ip)) return ip;
    return std::nullopt;
  }
  if (s.find(':', first_colon + 1) == std::string_view::npos) {  // exactly one colon: v4:port
    if (parse_v4(s.substr(0, first_colon), ip)) return ip;
    return std::nullopt;
  }
  if (parse_v6(s, ip)) return ip;
  return std::nullopt;
}

std::string normalize_ip(std::string_view text) {
  auto ip = parse_ip(text);
  return ip ? ip->to_string() : std::string();
}

std::optional<Cidr> parse_cidr(std::string_view text) {
  text = util::trim(text);
  auto slash = text.find('/');
  auto ip = parse_ip(slash == std::string_view::npos ? text : text.substr(0, slash));
  if (!ip) return std::nullopt;
  int max = ip->v6 ? 128 : 32;
  int prefix = max;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
    // "::ffff:10.0.0.0/104" was unmapped to v4: translate the prefix.
    if (!ip->v6 && text.find(':') != std::string_view::npos && text.substr(0, slash).find('.') != std::string_view::npos) {
      if (prefix < 96) return std::nullopt;
      prefix -= 96;
    }
    if (prefix > max) return std::nullopt;
  }
  return Cidr{*ip, prefix};
}

bool is_public_ip(const IpAddress& ip) {
  if (!ip.v6) {
    return !(in_v4(ip, 0, 0, 0, 0, 8) ||          // "this network", unspecified
             in_v4(ip, 10, 0, 0, 0, 8) ||         // private
             in_v4(ip, 100, 64, 0, 0, 10) ||      // CGNAT
             in_v4(ip, 127, 0, 0, 0, 8) ||        // loopback
             in_v4(ip, 169, 254, 0, 0, 16) ||     // link-local
             in_v4(ip, 172, 16, 0, 0, 12) ||      // private
             in_v4(ip, 192, 0, 0, 0, 24) ||       // IETF protocol assignments
             in_v4(ip, 192, 0, 2, 0, 24) ||       // TEST-NET-1
             in_v4(ip, 192, 168, 0, 0, 16) ||     // private
             in_v4(ip, 198, 18, 0, 0, 15) ||      // benchmarking
             in_v4(ip, 198, 51, 100, 0, 24) ||    // TEST-NET-2
             in_v4(ip, 203, 0, 113, 0, 24) ||     // TEST-NET-3
             in_v4(ip, 224, 0, 0, 0, 4) ||        // multicast
             in_v4(ip, 240, 0, 0, 0, 4));         // reserved + broadcast
  }
  return !(in_v6(ip, {}, 128) ||                                   // ::
           in_v6(ip, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128) ||  // ::1
           in_v6(ip, {}, 96) ||                                    // deprecated IPv4-compatible ::a.b.c.d
           in_v6(ip, {0x01, 0x00}, 64) ||                          // discard-only 100::/64
           in_v6(ip, {0x20, 0x01, 0x0d, 0xb8}, 32) ||              // documentation
           in_v6(ip, {0x3f, 0xff}, 20) ||                          // documentation (RFC 9637)
           in_v6(ip, {0xfc}, 7) ||                                 // ULA
           in_v6(ip, {0xfe, 0x80}, 10) ||                          // link-local
           in_v6(ip, {0xfe, 0xc0}, 10) ||                          // site-local (deprecated)
           in_v6(ip, {0xff}, 8));                                  // multicast
}

bool is_public_ip(std::string_view text) {
  auto ip = parse_ip(text);
  return ip && is_public_ip(*ip);
}

std::vector<std::string_view> split_x_forwarded_for(std::string_view value) {
  std::vector<std::string_view> out;
  if (util::trim(value).empty()) return out;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    out.push_back(util::trim(value.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> forwarded_for_values(std::string_view value) {
  std::vector<std::string> out;
  if (util::trim(value).empty()) return out;
  // Tokenise respecting quoted strings: elements split on ',', pairs on ';'.
  std::string current_for;
  bool in_quotes = false;
  std::size_t pair_start = 0;
  auto finish_pair = [&](std::size_t end) {
    std::string_view pair = util::trim(value.substr(pair_start, end - pair_start));
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && util::iequals(util::trim(pair.substr(0, eq)), "for")) {
      std::string_view v = util::trim(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      current_for.assign(v);
    }
  };
  for (std::size_t i = 0; i <= value.size(); ++i) {
    char c = i < value.size() ? value[i] : ',';
    if (in_quotes) {
      if (c == '\\' && i + 1 < value.size()) {
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else if (i == value.size()) {
        finish_pair(i);  // unterminated quote: take what we have
        out.push_back(std::move(current_for));
        current_for.clear();
      }
      continue;
    }
    if (c == '"') {
      in_quotes = true;
    } else if (c == ';') {
      finish_pair(i);
      pair_start = i + 1;
    } else if (c == ',') {
      finish_pair(i);
      pair_start = i + 1;
      out.push_back(std::move(current_for));
      current_for.clear();
    }
  }
  return out;
}

namespace {
bool is_trusted(const IpAddress& ip, std::size_t hop, const TrustedProxies& cfg) {
  if (cfg.hop_count > 0 && hop < static_cast<std::size_t>(cfg.hop_count)) return true;
  for (const auto& c : cfg.cidrs)
    if (c.contains(ip)) return true;
  return false;
}
}  // namespace

std::string resolve_client_ip(std::string_view socket_ip, const ForwardingHeaders& headers, const TrustedProxies& cfg) {
  auto current = parse_ip(socket_ip);
  if (!current) return {};
  if (!is_trusted(*current, 0, cfg)) return current->to_string();

  if (!util::trim(headers.cdn).empty()) {
    if (auto cdn = parse_ip(headers.cdn)) return cdn->to_string();
  }

  using H = TrustedProxies::Header;
  std::vector<std::string> chain;
  bool use_xff = cfg.header == H::x_forwarded_for ||
                 (cfg.header == H::auto_detect && !util::trim(headers.x_forwarded_for).empty());
  if (use_xff) {
    for (auto e : split_x_forwarded_for(headers.x_forwarded_for)) chain.emplace_back(e);
  } else {
    chain = forwarded_for_values(headers.forwarded);
  }
  std::size_t hop = 0;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!is_trusted(*current, hop, cfg)) break;
    auto next = parse_ip(*it);
    if (!next) break;  // "unknown", obfuscated identifiers, garbage: stop at the last known address
    current = next;
    ++hop;
  }
  return current->to_string();
}

}  // namespace sidetag::sources::ga4
