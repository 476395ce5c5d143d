#pragma once
// Client IP resolution behind proxies/CDNs, and public/private classification. Pure (inet_pton/inet_ntop).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sidetag::sources::ga4 {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4
  std::string to_string() const;
};
struct Cidr {
  IpAddress base;
  int prefix = 0;
  bool contains(const IpAddress& ip) const;
};

// Parses one address as found in headers: trims whitespace and quotes, strips ports ("1.2.3.4:5678",
// "[2001:db8::1]:443") and brackets, unmaps IPv4-mapped IPv6 (::ffff:1.2.3.4 -> 1.2.3.4). Zone ids are rejected.
std::optional<IpAddress> parse_ip(std::string_view text);
// parse_ip + canonical text (inet_ntop), "" when invalid.
std::string normalize_ip(std::string_view text);
// "10.0.0.0/8", "2001:db8::/32", or a bare address (= /32 or /128).
std::optional<Cidr> parse_cidr(std::string_view text);

bool is_public_ip(const IpAddress& ip);
// False for invalid text too.
bool is_public_ip(std::string_view text);

struct TrustedProxies {
  std::vector<Cidr> cidrs;     // hops whose address is in one of these are trusted
  int hop_count = 0;           // additionally trust this many hops from the server (socket peer = hop 0)
  enum class Header { x_forwarded_for, forwarded, auto_detect } header = Header::auto_detect;  // auto: XFF if present, else Forwarded
};
struct ForwardingHeaders {
  std::string_view x_forwarded_for;  // all X-Forwarded-For lines joined with ','
  std::string_view forwarded;        // all Forwarded lines joined with ','
  std::string_view cdn;              // value of the configured CDN header (e.g. CF-Connecting-IP), if any
};

// Right-to-left walk: starting from the socket peer, while the current hop is trusted, move to the next
// entry on the left; stop at the first untrusted hop, at an unparsable entry ("unknown", "_hidden") or at the
// left end. The CDN header is used only when the socket peer is trusted. Returns the canonical address, or
// normalize_ip(socket_ip) ("" if even that is invalid).
std::string resolve_client_ip(std::string_view socket_ip, const ForwardingHeaders& headers,
                              const TrustedProxies& cfg);

// Entries of X-Forwarded-For (comma separated, trimmed; empty entries kept as "") left to right.
std::vector<std::string_view> split_x_forwarded_for(std::string_view value);
// The `for=` value of each RFC 7239 element, left to right (quotes removed, "" when an element has none).
std::vector<std::string> forwarded_for_values(std::string_view value);

}  // namespace sidetag::sources::ga4
