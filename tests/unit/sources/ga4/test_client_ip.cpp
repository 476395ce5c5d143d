#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "sidetag/sources/ga4/client_ip.hpp"

using namespace sidetag::sources::ga4;

namespace {
TrustedProxies cidrs(std::initializer_list<const char*> list, int hops = 0) {
  TrustedProxies t;
  for (auto c : list) {
    auto p = parse_cidr(c);
    EXPECT_TRUE(p.has_value()) << c;
    if (p) t.cidrs.push_back(*p);
  }
  t.hop_count = hops;
  return t;
}
}  // namespace

TEST(Ga4ClientIp, NormalizeForms) {
  EXPECT_EQ(normalize_ip("1.2.3.4"), "1.2.3.4");
  EXPECT_EQ(normalize_ip(" 1.2.3.4:5678 "), "1.2.3.4");
  EXPECT_EQ(normalize_ip("\"[2001:DB8::1]:443\""), "2001:db8::1");
  EXPECT_EQ(normalize_ip("[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(normalize_ip("2001:0db8:0000::0001"), "2001:db8::1");
  EXPECT_EQ(normalize_ip("::ffff:1.2.3.4"), "1.2.3.4");
  EXPECT_EQ(normalize_ip("[::ffff:1.2.3.4]:80"), "1.2.3.4");
  for (auto bad : {"", "unknown", "_hidden", "1.2.3", "1.2.3.256", "fe80::1%eth0", "[2001:db8::1", "[::1]x",
                   "1.2.3.4:80:90x", "01.2.3.4", "a.b.c.d"})
    EXPECT_EQ(normalize_ip(bad), "") << bad;
}

TEST(Ga4ClientIp, Ipv4TextSameAsInetNtop) {
  // IpAddress::to_string formats IPv4 itself: every byte value in every position, against the C library.
  for (unsigned v = 0; v < 256; ++v) {
    for (std::size_t pos = 0; pos < 4; ++pos) {
      for (std::uint8_t other : {0, 7, 10, 99, 100, 255}) {
        IpAddress ip;
        ip.bytes = {other, other, other, other};
        ip.bytes[pos] = static_cast<std::uint8_t>(v);
        char buf[INET_ADDRSTRLEN] = {};
        ASSERT_NE(inet_ntop(AF_INET, ip.bytes.data(), buf, sizeof buf), nullptr);
        ASSERT_EQ(ip.to_string(), buf);
      }
    }
  }
  EXPECT_EQ(normalize_ip(" 081.002.069.160 "), "");  // inet_pton rejects leading zeros (unchanged)
  EXPECT_EQ(normalize_ip("[::ffff:10.0.0.1]:443"), "10.0.0.1");
}

TEST(Ga4ClientIp, Cidr) {
  auto c = parse_cidr("10.0.0.0/8");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(*parse_ip("10.255.1.2")));
  EXPECT_FALSE(c->contains(*parse_ip("11.0.0.1")));
  EXPECT_FALSE(c->contains(*parse_ip("::ffff:11.0.0.1")));
  auto v6 = parse_cidr("2400:cb00::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*parse_ip("2400:cb00:1::5")));
  EXPECT_FALSE(v6->contains(*parse_ip("2400:cb01::5")));
  EXPECT_FALSE(v6->contains(*parse_ip("10.0.0.1")));
  auto odd = parse_cidr("172.16.0.0/12");
  EXPECT_TRUE(odd->contains(*parse_ip("172.31.255.255")));
  EXPECT_FALSE(odd->contains(*parse_ip("172.32.0.0")));
  EXPECT_TRUE(parse_cidr("1.2.3.4")->contains(*parse_ip("1.2.3.4")));
  EXPECT_TRUE(parse_cidr("0.0.0.0/0")->contains(*parse_ip("8.8.8.8")));
  EXPECT_FALSE(parse_cidr("10.0.0.0/33"));
  EXPECT_FALSE(parse_cidr("::/129"));
  EXPECT_FALSE(parse_cidr("10.0.0.0/"));
  EXPECT_FALSE(parse_cidr("10.0.0.0/x"));
}

TEST(Ga4ClientIp, PublicPrivate) {
  for (auto pub : {"8.8.8.8", "1.1.1.1", "72.255.244.237", "2606:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.4.4"})
    EXPECT_TRUE(is_public_ip(pub)) << pub;
  for (auto priv : {"10.1.2.3", "172.16.0.1", "172.31.9.9", "192.168.0.1", "127.0.0.1", "169.254.1.1", "100.64.0.1",
                    "100.127.255.255", "0.0.0.0", "192.0.2.1", "198.51.100.9", "203.0.113.200", "255.255.255.255",
                    "224.0.0.1", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "2001:db8::1", "::ffff:10.0.0.1",
                    "ff02::1", "garbage", ""})
    EXPECT_FALSE(is_public_ip(priv)) << priv;
  EXPECT_TRUE(is_public_ip("100.128.0.1"));  // just outside CGNAT
  EXPECT_TRUE(is_public_ip("172.32.0.1"));
}

TEST(Ga4ClientIp, UntrustedSocketIgnoresHeaders) {
  ForwardingHeaders h{"6.6.6.6", "for=7.7.7.7", "9.9.9.9"};
  EXPECT_EQ(resolve_client_ip("198.51.100.1", h, {}), "198.51.100.1");
  EXPECT_EQ(resolve_client_ip("[2001:db8::5]:1234", h, cidrs({"10.0.0.0/8"})), "2001:db8::5");
  EXPECT_EQ(resolve_client_ip("not-an-ip", h, cidrs({"10.0.0.0/8"})), "");
}

TEST(Ga4ClientIp, XffRightToLeftWithCidrs) {
  auto t = cidrs({"10.0.0.0/8", "2400:cb00::/32"});
  // client, spoofed entry, untrusted hop, trusted proxy
  ForwardingHeaders h{" 1.1.1.1, 5.5.5.5 , 10.0.0.2", "", ""};
  EXPECT_EQ(resolve_client_ip("10.0.0.1", h, t), "5.5.5.5");
  // all hops trusted: leftmost wins
  ForwardingHeaders h2{"8.8.8.8:1234,10.1.1.1,2400:cb00::7", "", ""};
  EXPECT_EQ(resolve_client_ip("10.0.0.1", h2, t), "8.8.8.8");
  // garbage entry stops the walk at the last good hop
  ForwardingHeaders h3{"8.8.8.8, unknown, 10.0.0.3", "", ""};
  EXPECT_EQ(resolve_client_ip("10.0.0.1", h3, t), "10.0.0.3");
  // empty XFF: socket address
  EXPECT_EQ(resolve_client_ip("10.0.0.1", {}, t), "10.0.0.1");
  // ipv4-mapped socket address counts as the v4 proxy
  ForwardingHeaders h4{"9.9.9.9", "", ""};
  EXPECT_EQ(resolve_client_ip("::ffff:10.0.0.1", h4, t), "9.9.9.9");
}

TEST(Ga4ClientIp, HopCount) {
  ForwardingHeaders h{"1.1.1.1, 2.2.2.2, 3.3.3.3", "", ""};
  EXPECT_EQ(resolve_client_ip("4.4.4.4", h, cidrs({}, 1)), "3.3.3.3");
  EXPECT_EQ(resolve_client_ip("4.4.4.4", h, cidrs({}, 2)), "2.2.2.2");
  EXPECT_EQ(resolve_client_ip("4.4.4.4", h, cidrs({}, 3)), "1.1.1.1");
  EXPECT_EQ(resolve_client_ip("4.4.4.4", h, cidrs({}, 10)), "1.1.1.1");
  EXPECT_EQ(resolve_client_ip("4.4.4.4", h, cidrs({}, 0)), "4.4.4.4");
}

TEST(Ga4ClientIp, ForwardedHeader) {
  auto vals = forwarded_for_values(
      "for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\", proto=https, for=\"a,b;c\"");
  ASSERT_EQ(vals.size(), 4u);
  EXPECT_EQ(vals[0], "192.0.2.60");
  EXPECT_EQ(vals[1], "[2001:db8:cafe::17]:4711");
  EXPECT_EQ(vals[2], "");
  EXPECT_EQ(vals[3], "a,b;c");

  auto t = cidrs({"10.0.0.0/8"});
  ForwardingHeaders h{"", "for=8.8.8.8, for=\"[2001:db8:cafe::17]:4711\";proto=https, for=10.9.9.9", ""};
  EXPECT_EQ(resolve_client_ip("10.0.0.1", h, t), "2001:db8:cafe::17");
  t.cidrs.push_back(*parse_cidr("2001:db8::/32"));
  EXPECT_EQ(resolve_client_ip("10.0.0.1", h, t), "8.8.8.8");
  // obfuscated node stops the walk
  ForwardingHeaders h2{"", "for=8.8.8.8, for=_hidden, for=10.9.9.9", ""};
  EXPECT_EQ(resolve_client_ip("10.0.0.1", h2, t), "10.9.9.9");
  // auto mode prefers XFF when present; explicit mode selects the header
  ForwardingHeaders both{"7.7.7.7", "for=8.8.8.8", ""};
  EXPECT_EQ(resolve_client_ip("10.0.0.1", both, t), "7.7.7.7");
  t.header = TrustedProxies::Header::forwarded;
  EXPECT_EQ(resolve_client_ip("10.0.0.1", both, t), "8.8.8.8");
}

TEST(Ga4ClientIp, CdnHeaderOnlyFromTrustedPeer) {
  auto t = cidrs({"173.245.48.0/20"});
  ForwardingHeaders h{"6.6.6.6", "", " 2a02:1234::9 "};
  EXPECT_EQ(resolve_client_ip("173.245.48.10", h, t), "2a02:1234::9");
  EXPECT_EQ(resolve_client_ip("198.51.100.77", h, t), "198.51.100.77");  // untrusted peer: spoofed header ignored
  ForwardingHeaders bad{"6.6.6.6", "", "garbage"};
  EXPECT_EQ(resolve_client_ip("173.245.48.10", bad, t), "6.6.6.6");  // invalid CDN value: fall back to XFF
}

TEST(Ga4ClientIp, SplitXff) {
  auto v = split_x_forwarded_for("a, ,b");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[1], "");
  EXPECT_TRUE(split_x_forwarded_for("  ").empty());
}
