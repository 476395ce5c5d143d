// libFuzzer: X-Forwarded-For / Forwarded / CDN header client-IP resolution.
// Input: "<socket ip>\n<x-forwarded-for>\n<forwarded>\n<cdn header>".
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sidetag/sources/ga4/client_ip.hpp"

using namespace sidetag::sources::ga4;

namespace {
std::string_view next_line(std::string_view& in) {
  auto nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  return line;
}
const TrustedProxies& config(int variant) {
  static const std::array<TrustedProxies, 3> all = [] {
    TrustedProxies a, b, c;
    for (auto s : {"10.0.0.0/8", "192.168.0.0/16", "2400:cb00::/32", "::1"}) a.cidrs.push_back(*parse_cidr(s));
    b.hop_count = 2;
    c = a;
    c.header = TrustedProxies::Header::forwarded;
    return std::array<TrustedProxies, 3>{a, b, c};
  }();
  return all[static_cast<std::size_t>(variant) % 3];
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view socket = next_line(in);
  ForwardingHeaders h;
  h.x_forwarded_for = next_line(in);
  h.forwarded = next_line(in);
  h.cdn = in;
  for (int v = 0; v < 3; ++v) {
    std::string ip = resolve_client_ip(socket, h, config(v));
    // The result is empty or a canonical address that round-trips.
    if (!ip.empty() && normalize_ip(ip) != ip) std::abort();
    (void)is_public_ip(ip);
  }
  (void)forwarded_for_values(h.forwarded);
  (void)split_x_forwarded_for(h.x_forwarded_for);
  (void)parse_cidr(socket);
  return 0;
}
