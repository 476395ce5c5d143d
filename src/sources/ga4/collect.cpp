// Per-hit decisions of the /g/collect route (see collect.hpp). Pure.
#include "sidetag/sources/ga4/collect.hpp"

#include <charconv>

#include "sidetag/util/crypto.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

namespace {

struct Origin {
  std::string scheme, host;  // lowercase; host without the default port
  bool ok = false;
};

Origin parse_origin(std::string_view o) {
  Origin r;
  std::string s = util::ascii_lower(util::trim(o));
  auto sep = s.find("://");
  if (sep == std::string::npos || sep == 0) return r;
  r.scheme = s.substr(0, sep);
  r.host = s.substr(sep + 3);
  if (r.host.empty() || r.host.find_first_of("/?#@ ") != std::string::npos) return r;
  if (r.scheme == "https" && r.host.size() > 4 && r.host.compare(r.host.size() - 4, 4, ":443") == 0) r.host.resize(r.host.size() - 4);
  if (r.scheme == "http" && r.host.size() > 3 && r.host.compare(r.host.size() - 3, 3, ":80") == 0) r.host.resize(r.host.size() - 3);
  r.ok = r.scheme == "https" || r.scheme == "http";
  return r;
}

bool parse_i64(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

constexpr std::int64_t kDayMs = 86'400'000;

bool recent(std::int64_t t_ms, std::int64_t now_ms, std::int64_t window_ms) {
  return t_ms > 0 && t_ms <= now_ms + 5 * 60'000 && t_ms >= now_ms - window_ms;
}

void add(std::string& reason, const std::string& part) {
  if (!reason.empty()) reason += "; ";
  reason += part;
}

const char* origin_name(ConsentOrigin o) {
  switch (o) {
    case ConsentOrigin::gcd: return "gcd";
    case ConsentOrigin::gcs: return "gcs";
    case ConsentOrigin::none: return "none";
  }
  return "none";
}

}  // namespace

bool host_in_domain(std::string_view host, std::string_view domain) {
  if (domain.empty() || host.size() < domain.size()) return false;
  if (!util::iequals(host.substr(host.size() - domain.size()), domain)) return false;
  return host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.';
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed,
                    const std::vector<std::string>& site_domains) {
  Origin o = parse_origin(origin);
  if (!o.ok) return false;
  // Host without port for domain matching.
  std::string_view host = o.host;
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (allowed.empty()) {
    if (o.scheme != "https") return false;
    for (const auto& d : site_domains) {
      if (host_in_domain(host, util::ascii_lower(util::trim(d)))) return true;
    }
    return false;
  }
  for (const auto& a : allowed) {
    if (a.rfind("*.", 0) == 0) {
      if (host_in_domain(host, util::ascii_lower(a.substr(2)))) return true;
      continue;
    }
    Origin e = parse_origin(a);
    if (e.ok && e.scheme == o.scheme && e.host == o.host) return true;
  }
  return false;
}

std::uint32_t fbp_random_for(std::string_view client_id, std::string_view salt) {
  std::string input(salt);
  input += ':';
  input.append(client_id);
  const std::string hex = util::sha256_hex(input);
  std::uint32_t v = 0;
  std::from_chars(hex.data(), hex.data() + 8, v, 16);
  return v % 2147483647u;
}

BrowserIds resolve_browser_ids(const BrowserIdInput& in) {
  BrowserIds r;
  if (!in.cookies.fbp().empty()) {
    r.fbp = std::string(in.cookies.fbp());
  } else if (in.generate_fbp && !in.client_id.empty()) {
    std::int64_t t = 0, sid = 0;
    if (parse_i64(in.session_id, sid) && sid > 0 && sid < 100'000'000'000LL && recent(sid * 1000, in.now_ms, 7 * kDayMs)) {
      t = sid * 1000;
    } else if (auto dot = in.client_id.rfind('.'); dot != std::string_view::npos) {
      std::int64_t first = 0;
      if (parse_i64(in.client_id.substr(dot + 1), first) && first > 0 && first < 100'000'000'000LL &&
          recent(first * 1000, in.now_ms, 7 * kDayMs)) {
        t = first * 1000;
      }
    }
    if (t == 0) t = in.now_ms;
    r.fbp = mint_fbp(t, fbp_random_for(in.client_id, in.salt), in.subdomain_index);
    r.fbp_minted = true;
  }
  std::string fbclid;
  if (auto f = extract_fbclid(in.page_location)) fbclid = std::move(*f);
  std::int64_t click = in.now_ms, p = 0;
  if (parse_i64(in.page_id, p) && recent(p, in.now_ms, kDayMs)) click = p;
  FbcResult fbc = build_fbc(in.cookies, fbclid, click, in.subdomain_index);
  r.fbc = std::move(fbc.value);
  r.fbc_action = fbc.action;
  return r;
}

std::string choose_cookie_domain(std::string_view configured, std::string_view request_host,
                                 std::string_view page_location) {
  if (!configured.empty() && configured != "auto") return util::ascii_lower(configured);
  std::string host = util::ascii_lower(request_host);
  if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) host.resize(colon);
  std::string page_domain = registrable_domain(url_host(page_location));
  if (!page_domain.empty() && host_in_domain(host, page_domain)) return page_domain;
  return registrable_domain(host);
}

std::string ConsentDecision::label() const {
  if (drop) return "drop";
  if (strip_user_data && ldu) return "forward_without_user_data+ldu";
  if (strip_user_data) return "forward_without_user_data";
  if (ldu) return "ldu";
  return "forward";
}

ConsentDecision decide_consent(const Consent& c, const config::ConsentPolicy& policy) {
  ConsentDecision d;
  auto apply = [&](config::ConsentAction a, const std::string& why) {
    add(d.reason, why + " -> " + config::to_string(a));
    switch (a) {
      case config::ConsentAction::drop: d.drop = true; break;
      case config::ConsentAction::forward_without_user_data: d.strip_user_data = true; break;
      case config::ConsentAction::ldu: d.ldu = true; break;
      case config::ConsentAction::forward: break;
    }
  };
  const auto& ad = c.ad_storage;
  const std::string src = std::string(" (") + origin_name(ad.origin) + (ad.from_update ? " update" : "") + ")";
  if (ad.state == ConsentState::denied) {
    apply(policy.ad_storage_denied, "ad_storage denied" + src);
    d.cookies_allowed = false;
  } else if (ad.state == ConsentState::unknown) {
    apply(policy.no_signal, "no ad_storage signal");
  } else {
    add(d.reason, "ad_storage granted" + src);
  }
  if (c.ad_user_data.state == ConsentState::denied) apply(policy.ad_user_data_denied, "ad_user_data denied (gcd)");
  if (c.gpc) apply(policy.gpc, "Sec-GPC");
  if (c.us_privacy_opt_out) apply(policy.us_privacy_opt_out, "us_privacy opt-out");
  if (d.drop) d.cookies_allowed = false;
  return d;
}

std::vector<std::string> apply_consent(nlohmann::json& data, const ConsentDecision& decision) {
  std::vector<std::string> removed;
  if (!data.is_object() || decision.drop) return removed;
  if (decision.strip_user_data) {
    static const char* const kKeys[] = {"user_data", "user_id", "x-ga-em", "email", "phone", "first_name",
                                        "last_name", "gender", "date_of_birth", "city", "region", "postal_code",
                                        "country", "external_id", "lead_id"};
    for (const char* k : kKeys) {
      if (data.erase(k) > 0) removed.emplace_back(k);
    }
    for (auto it = data.begin(); it != data.end();) {
      const std::string& k = it.key();
      if (k.rfind("x-fb-ud-", 0) == 0 && k != "x-fb-ud-client_ip_address" && k != "x-fb-ud-client_user_agent") {
        removed.push_back(k);
        it = data.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (decision.ldu) {
    data["x-fb-dpo"] = nlohmann::json::array({"LDU"});
    data["x-fb-dpo_country"] = 0;
    data["x-fb-dpo_state"] = 0;
  }
  return removed;
}

std::string google_passthrough_query(std::string_view query, std::string_view ip) {
  std::string out;
  for (const auto& p : split_query(query)) {
    if (form_decode(p.key) == "_uip") continue;
    if (!out.empty()) out += '&';
    out.append(p.key);
    if (p.has_value) {
      out += '=';
      out.append(p.value);
    }
  }
  if (!ip.empty()) {
    if (!out.empty()) out += '&';
    out += "_uip=";
    for (char c : ip) {
      if (c == ':') out += "%3A";
      else out += c;
    }
  }
  return out;
}

bool proxy_request_header_allowed(std::string_view n) {
  static const char* const kAllowed[] = {"accept", "accept-language", "accept-encoding", "cookie", "user-agent",
                                         "referer", "origin", "content-type", "cache-control", "if-none-match",
                                         "if-modified-since", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform",
                                         "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "x-gtm-server-preview"};
  for (const char* a : kAllowed)
    if (n == a) return true;
  return false;
}

bool proxy_response_header_allowed(std::string_view n) {
  static const char* const kHopByHop[] = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                                          "te", "trailer", "transfer-encoding", "upgrade", "content-length", "server",
                                          "date", "alt-svc"};
  for (const char* h : kHopByHop)
    if (n == h) return false;
  return !n.empty();
}

}  // namespace sidetag::sources::ga4
