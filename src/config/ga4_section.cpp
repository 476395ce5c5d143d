// sites.<id>.ga4: the GA4 web source's per-site settings (docs/ga4.md lists every key with its default).
#include "config/sections.hpp"

namespace sidetag::config {

namespace {

bool http_url(const std::string& s) {
  return (s.rfind("https://", 0) == 0 && s.size() > 8) || (s.rfind("http://", 0) == 0 && s.size() > 7);
}

std::string strip_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

void read_action(MapReader& r, const std::string& key, ConsentAction& out) {
  std::string v = to_string(out);
  r.one_of(key, v, {"forward", "forward_without_user_data", "ldu", "drop"});
  out = v == "forward_without_user_data" ? ConsentAction::forward_without_user_data
        : v == "ldu"                     ? ConsentAction::ldu
        : v == "drop"                    ? ConsentAction::drop
                                         : ConsentAction::forward;
}

void read_policy(const Node* n, const std::string& path, ConsentPolicy& p, Diagnostics& errors) {
  MapReader r(n, path, errors);
  read_action(r, "ad_storage_denied", p.ad_storage_denied);
  read_action(r, "no_signal", p.no_signal);
  read_action(r, "ad_user_data_denied", p.ad_user_data_denied);
  read_action(r, "gpc", p.gpc);
  read_action(r, "us_privacy_opt_out", p.us_privacy_opt_out);
  r.finish();
}

}  // namespace

void read_site_ga4(MapReader& g, Ga4SiteConfig& out, Diagnostics& errors) {
  g.str_list("measurement_ids", out.measurement_ids);
  for (const auto& id : out.measurement_ids) {
    if (id.empty() || id.find_first_of(" \t&=") != std::string::npos) {
      g.error("measurement_ids", g.child("measurement_ids"), "invalid measurement id '" + id + "' (expected G-XXXXXXXX)");
    }
  }
  g.str_list("allowed_origins", out.allowed_origins);
  for (const auto& o : out.allowed_origins) {
    if (!(http_url(o) || (o.rfind("*.", 0) == 0 && o.size() > 2))) {
      g.error("allowed_origins", g.child("allowed_origins"),
              "expected an origin like https://shop.com or *.shop.com, got '" + o + "'");
    }
  }
  g.str("path_prefix", out.path_prefix);
  out.path_prefix = strip_slashes(out.path_prefix);
  if (!out.path_prefix.empty() && (out.path_prefix[0] != '/' || out.path_prefix.find_first_of("?# ") != std::string::npos)) {
    g.error("path_prefix", g.child("path_prefix"), "must start with / and be a plain path, e.g. /metrics");
  }
  g.integer("max_events_per_request", out.max_events_per_request, 1, 1000);

  // passthrough: google | off | {google: <base URL or region1>} | {sgtm: <base URL>}
  bool proxy_default_sgtm = false;
  if (const Node* pn = g.child("passthrough")) {
    if (pn->kind == Node::Kind::scalar) {
      if (pn->scalar == "google") {
        out.passthrough = PassthroughMode::google;
      } else if (pn->scalar == "off" || pn->scalar == "false") {
        out.passthrough = PassthroughMode::off;
      } else {
        g.error("passthrough", pn, "must be google, off, {google: <url>} or {sgtm: <url>} (got '" + pn->scalar + "')");
      }
    } else {
      MapReader p(pn, g.key_path("passthrough"), errors);
      std::string google, sgtm;
      p.str("google", google);
      p.str("sgtm", sgtm);
      p.integer("timeout_ms", out.passthrough_timeout_ms, 100, 120'000);
      p.flag("relay_cookies", out.relay_sgtm_cookies);
      if (p.child("relay_cookies") && sgtm.empty()) {
        p.error("relay_cookies", p.child("relay_cookies"), "only applies to passthrough to an existing sGTM (sgtm: <url>)");
      }
      if (!google.empty() && !sgtm.empty()) {
        p.error("sgtm", p.child("sgtm"), "set either google or sgtm, not both");
      } else if (!sgtm.empty()) {
        if (!http_url(sgtm)) p.error("sgtm", p.child("sgtm"), "expected https://<your sGTM host>");
        out.passthrough = PassthroughMode::sgtm;
        out.passthrough_url = strip_slashes(sgtm);
        proxy_default_sgtm = true;
      } else if (!google.empty()) {
        out.passthrough = PassthroughMode::google;
        if (google == "region1") {
          out.passthrough_url = "https://region1.google-analytics.com";
        } else if (google == "global" || google == "default") {
          out.passthrough_url = "https://www.google-analytics.com";
        } else if (http_url(google)) {
          out.passthrough_url = strip_slashes(google);
        } else {
          p.error("google", p.child("google"), "expected region1, global or a base URL (https://...)");
        }
      } else {
        p.error("google", nullptr, "set google: <region1|global|url> or sgtm: <url>");
      }
      p.finish();
    }
  }

  // proxy: the upstream for paths sidetag does not serve.
  out.proxy_url = proxy_default_sgtm ? out.passthrough_url : "https://www.googletagmanager.com";
  if (const Node* xn = g.child("proxy")) {
    if (xn->kind == Node::Kind::scalar) {
      if (xn->scalar == "off" || xn->scalar == "false") {
        out.proxy_url.clear();
      } else if (http_url(xn->scalar)) {
        out.proxy_url = strip_slashes(xn->scalar);
      } else {
        g.error("proxy", xn, "expected off or a base URL (https://...), got '" + xn->scalar + "'");
      }
    } else {
      MapReader x(xn, g.key_path("proxy"), errors);
      std::string url = out.proxy_url;
      x.str("url", url);
      x.integer("timeout_ms", out.proxy_timeout_ms, 100, 120'000);
      if (url == "off") url.clear();
      if (!url.empty() && !http_url(url)) x.error("url", x.child("url"), "expected off or a base URL (https://...)");
      out.proxy_url = strip_slashes(url);
      x.finish();
    }
  }

  if (const Node* cn = g.child("cookies")) {
    MapReader c(cn, g.key_path("cookies"), errors);
    c.flag("generate_fbp", out.generate_fbp);
    c.flag("set_cookies", out.set_cookies);
    c.str("domain", out.cookie_domain);
    if (out.cookie_domain.empty()) out.cookie_domain = "auto";
    if (out.cookie_domain != "auto") {
      if (out.cookie_domain[0] == '.') out.cookie_domain.erase(0, 1);
      if (out.cookie_domain.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
          std::string::npos || out.cookie_domain.empty()) {
        c.error("domain", c.child("domain"), "expected auto or a domain like shop.com");
      }
    }
    c.flag("http_only", out.cookie_http_only);
    std::int64_t days = out.cookie_max_age_s / 86400;
    c.integer("max_age_days", days, 1, 400);
    out.cookie_max_age_s = days * 86400;
    c.finish();
  }

  if (const Node* fn = g.child("fpid")) {
    MapReader f(fn, g.key_path("fpid"), errors);
    f.flag("enabled", out.fpid);
    std::int64_t days = out.fpid_max_age_s / 86400;
    f.integer("max_age_days", days, 1, 400);
    out.fpid_max_age_s = days * 86400;
    f.finish();
  }

  if (const Node* cn = g.child("consent")) {
    MapReader c(cn, g.key_path("consent"), errors);
    if (const Node* mn = c.child("meta")) read_policy(mn, c.key_path("meta"), out.meta_consent, errors);
    c.finish();
  }
  g.secret("mp_api_secrets");
  g.str_list("mp_api_secrets", out.mp_api_secrets);
  for (const auto& sec : out.mp_api_secrets) {
    if (sec.size() < 8) g.error("mp_api_secrets", g.child("mp_api_secrets"), "API secrets must be at least 8 characters");
  }
  if (!out.mp_api_secrets.empty() && out.measurement_ids.empty()) {
    g.error("mp_api_secrets", g.child("mp_api_secrets"), "needs measurement_ids: /mp/collect finds the site by measurement_id");
  }
  g.finish();
}

}  // namespace sidetag::config
