// The `sites.<id>.ga4` table: measurement ids, origins, passthrough to Google or an existing sGTM, the reverse
// proxy, first-party cookies, FPID, the consent policy and the Measurement Protocol secrets (docs/ga4.md).
#include "sidetag/sources/ga4/settings.hpp"

#include <cstdint>

namespace sidetag::sources::ga4 {

using config::ConsentAction;
using config::ConsentPolicy;
using config::Ga4SiteConfig;
using config::MapReader;
using config::Node;
using config::PassthroughMode;
using config::Schema;

namespace {

bool http_url(const std::string& s) {
  return (s.rfind("https://", 0) == 0 && s.size() > 8) || (s.rfind("http://", 0) == 0 && s.size() > 7);
}

std::string strip_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::vector<std::pair<std::string, ConsentAction>> actions() {
  return {{"forward", ConsentAction::forward},
          {"forward_without_user_data", ConsentAction::forward_without_user_data},
          {"ldu", ConsentAction::ldu},
          {"drop", ConsentAction::drop}};
}

const Schema<ConsentPolicy>& policy_schema() {
  static const Schema<ConsentPolicy> s = [] {
    using P = ConsentPolicy;
    Schema<P> s("What Meta gets under each consent condition: `forward`, `forward_without_user_data`, `ldu` or "
                "`drop`. Every rule that applies contributes; drop wins, the others add up.");
    s.one_of("ad_storage_denied", &P::ad_storage_denied, actions(), "ad_storage denied (gcd/gcs).");
    s.one_of("no_signal", &P::no_signal, actions(), "No ad_storage signal at all.");
    s.one_of("ad_user_data_denied", &P::ad_user_data_denied, actions(), "Consent Mode v2 ad_user_data denied.");
    s.one_of("gpc", &P::gpc, actions(), "The browser sends `Sec-GPC: 1`.");
    s.one_of("us_privacy_opt_out", &P::us_privacy_opt_out, actions(), "us_privacy `1Y..` (opt-out of sale).");
    return s;
  }();
  return s;
}

const Schema<Ga4SiteConfig>& consent_schema() {
  static const Schema<Ga4SiteConfig> s = [] {
    Schema<Ga4SiteConfig> s("Consent policy per destination.");
    s.section("meta", &Ga4SiteConfig::meta_consent, policy_schema());
    return s;
  }();
  return s;
}

// `max_age_days` rows: days in the file, seconds in the struct.
Schema<Ga4SiteConfig>::ReadFn days_into(std::int64_t Ga4SiteConfig::*seconds) {
  return [seconds](MapReader& r, const std::string& key, Ga4SiteConfig& g) {
    std::int64_t days = g.*seconds / 86400;
    r.integer(key, days, 1, 400);
    g.*seconds = days * 86400;
  };
}

const Schema<Ga4SiteConfig>& cookies_schema() {
  static const Schema<Ga4SiteConfig> s = [] {
    using G = Ga4SiteConfig;
    Schema<G> s("Meta's browser ids (`_fbp`, `_fbc`) as first-party cookies.");
    s.flag("generate_fbp", &G::generate_fbp, "Mint `_fbp` when the browser has none (and consent allows cookies).");
    s.flag("set_cookies", &G::set_cookies, "Send `Set-Cookie` for `_fbp` / `_fbc` (and the FPID refresh).");
    s.str("domain", &G::cookie_domain, "`auto` (the page's registrable domain) or a domain like `shop.com`.")
        .validate([](const std::string& v) -> std::string {
          std::string d = v.rfind('.', 0) == 0 ? v.substr(1) : v;
          if (v == "auto" || v.empty()) return {};
          if (d.empty() || d.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
                               std::string::npos) {
            return "is not auto or a domain like shop.com";
          }
          return {};
        });
    s.flag("http_only", &G::cookie_http_only, "HttpOnly cookies (the browser Pixel can then no longer read them).");
    s.custom("max_age_days", "integer, 1..400", "Cookie lifetime.", days_into(&G::cookie_max_age_s))
        .default_doc("`90`");
    s.check([](MapReader&, G& g) {
      if (g.cookie_domain.empty()) g.cookie_domain = "auto";
      if (g.cookie_domain[0] == '.') g.cookie_domain.erase(0, 1);
    });
    return s;
  }();
  return s;
}

const Schema<Ga4SiteConfig>& fpid_schema() {
  static const Schema<Ga4SiteConfig> s = [] {
    using G = Ga4SiteConfig;
    Schema<G> s("sGTM's server-managed client id (the FPID cookie).");
    s.flag("enabled", &G::fpid, "client_id from the FPID cookie; the browser's cid becomes `x-ga-js_client_id`.");
    s.custom("max_age_days", "integer, 1..400", "FPID cookie lifetime (browsers cap it at 400 days).",
             days_into(&G::fpid_max_age_s))
        .default_doc("`400`");
    return s;
  }();
  return s;
}

// The mapping form of `passthrough`.
struct PassthroughForm {
  std::string google, sgtm;
  int timeout_ms = 5000;
  bool relay_cookies = true;
};

const Schema<PassthroughForm>& passthrough_schema() {
  static const Schema<PassthroughForm> s = [] {
    using P = PassthroughForm;
    Schema<P> s;
    s.str("google", &P::google, "`region1` (EU), `global` or a collector base URL.");
    s.str("sgtm", &P::sgtm, "Base URL of an existing server container: hits go there instead of Google.");
    s.integer("timeout_ms", &P::timeout_ms, 100, 120'000, "Per forwarded hit.");
    s.flag("relay_cookies", &P::relay_cookies,
           "sgtm only: wait for the container's answer (at most `timeout_ms`) and pass its Set-Cookie headers to "
           "the browser.");
    return s;
  }();
  return s;
}

void read_passthrough(MapReader& g, const std::string& key, Ga4SiteConfig& out) {
  const Node* pn = g.child(key);
  if (!pn) return;
  if (pn->kind == Node::Kind::scalar) {
    if (pn->scalar == "google") {
      out.passthrough = PassthroughMode::google;
    } else if (pn->scalar == "off" || pn->scalar == "false") {
      out.passthrough = PassthroughMode::off;
    } else {
      g.error(key, pn, "must be google, off, {google: <url>} or {sgtm: <url>} (got " + config::shown(pn->scalar) + ")");
    }
    return;
  }
  MapReader p(pn, g.key_path(key), g.diagnostics());
  PassthroughForm f;
  f.timeout_ms = out.passthrough_timeout_ms;
  f.relay_cookies = out.relay_sgtm_cookies;
  passthrough_schema().read_rows(p, f);
  out.passthrough_timeout_ms = f.timeout_ms;
  out.relay_sgtm_cookies = f.relay_cookies;
  if (p.child("relay_cookies") && f.sgtm.empty()) {
    p.error("relay_cookies", p.child("relay_cookies"), "only applies to passthrough to an existing sGTM (sgtm: <url>)");
  }
  if (!f.google.empty() && !f.sgtm.empty()) {
    p.error("sgtm", p.child("sgtm"), "set either google or sgtm, not both");
  } else if (!f.sgtm.empty()) {
    if (!http_url(f.sgtm)) p.error("sgtm", p.child("sgtm"), "expected https://<your sGTM host>");
    out.passthrough = PassthroughMode::sgtm;
    out.passthrough_url = strip_slashes(f.sgtm);
  } else if (!f.google.empty()) {
    out.passthrough = PassthroughMode::google;
    if (f.google == "region1") {
      out.passthrough_url = "https://region1.google-analytics.com";
    } else if (f.google == "global" || f.google == "default") {
      out.passthrough_url = "https://www.google-analytics.com";
    } else if (http_url(f.google)) {
      out.passthrough_url = strip_slashes(f.google);
    } else {
      p.error("google", p.child("google"), "expected region1, global or a base URL (https://...)");
    }
  } else {
    p.error("google", nullptr, "set google: <region1|global|url> or sgtm: <url>");
  }
  p.finish();
}

struct ProxyForm {
  std::string url;
  int timeout_ms = 10000;
};

const Schema<ProxyForm>& proxy_schema() {
  static const Schema<ProxyForm> s = [] {
    Schema<ProxyForm> s;
    s.str("url", &ProxyForm::url, "Upstream base URL, or `off`.");
    s.integer("timeout_ms", &ProxyForm::timeout_ms, 100, 120'000, "Per proxied request.");
    return s;
  }();
  return s;
}

// Default: the sGTM URL when passthrough goes to one; off when passthrough is off (nothing is sent to Google unless
// asked for); else Google's tag server.
std::string default_proxy_url(const Ga4SiteConfig& g) {
  if (g.passthrough == PassthroughMode::off) return {};
  return g.passthrough == PassthroughMode::sgtm ? g.passthrough_url : "https://www.googletagmanager.com";
}

void read_proxy(MapReader& g, const std::string& key, Ga4SiteConfig& out) {
  out.proxy_url = default_proxy_url(out);
  const Node* xn = g.child(key);
  if (!xn) return;
  if (xn->kind == Node::Kind::scalar) {
    if (xn->scalar == "off" || xn->scalar == "false") {
      out.proxy_url.clear();
    } else if (http_url(xn->scalar)) {
      out.proxy_url = strip_slashes(xn->scalar);
    } else {
      g.error(key, xn, "expected off or a base URL (https://...), got " + config::shown(xn->scalar));
    }
    return;
  }
  MapReader x(xn, g.key_path(key), g.diagnostics());
  ProxyForm f{out.proxy_url, out.proxy_timeout_ms};
  proxy_schema().read(x, f);
  out.proxy_timeout_ms = f.timeout_ms;
  if (f.url == "off") f.url.clear();
  if (!f.url.empty() && !http_url(f.url)) x.error("url", x.child("url"), "expected off or a base URL (https://...)");
  out.proxy_url = strip_slashes(f.url);
}

}  // namespace

const Schema<Ga4SiteConfig>& site_settings_schema() {
  static const Schema<Ga4SiteConfig> s = [] {
    using G = Ga4SiteConfig;
    Schema<G> s("GA4 on the tagging domain (`/g/collect`, `/mp/collect`): docs/ga4.md.");
    s.str_list("measurement_ids", &G::measurement_ids, "GA4 `tid`s of the site: hits are routed to it by `tid`.")
        .validate([](const std::string& id) -> std::string {
          return id.empty() || id.find_first_of(" \t&=") != std::string::npos
                     ? "is not a measurement id (expected G-XXXXXXXX)"
                     : "";
        });
    s.str_list("allowed_origins", &G::allowed_origins,
               "Origins allowed to send hits (CORS); empty: `https://<domain>` and `https://*.<domain>` of every "
               "site domain.")
        .validate([](const std::string& o) -> std::string {
          return http_url(o) || (o.rfind("*.", 0) == 0 && o.size() > 2)
                     ? ""
                     : "is not an origin like https://shop.com or *.shop.com";
        });
    s.str("path_prefix", &G::path_prefix, "Also serve hits at `<prefix>/g/collect` (and proxy paths under it).")
        .validate([](const std::string& v) -> std::string {
          std::string p = strip_slashes(v);
          if (p.empty() || (p[0] == '/' && p.find_first_of("?# ") == std::string::npos)) return {};
          return "must start with / and be a plain path, e.g. /metrics";
        });
    s.integer("max_events_per_request", &G::max_events_per_request, 1, 1000,
              "Body lines per request; the rest are counted drops.");
    s.custom("passthrough", "`google`, `off` or mapping",
             "Forward every hit (asynchronously) to Google's collector or to an existing sGTM container.",
             read_passthrough)
        .default_doc("`google`");
    s.last().document_children = [](const std::string& path, std::vector<config::KeyDoc>& out) {
      passthrough_schema().document(path + ".", PassthroughForm{}, out);
    };
    s.custom("proxy", "`off`, URL or mapping",
             "Reverse proxy for paths sidetag does not serve (`/gtm.js`, `/gtag/js`, `/ns.html`); `off`: they get "
             "the JSON 404.",
             read_proxy)
        .default_doc("the sGTM URL with `passthrough: {sgtm: ...}`, `off` with `passthrough: off`, else "
                     "`https://www.googletagmanager.com`");
    s.last().document_children = [](const std::string& path, std::vector<config::KeyDoc>& out) {
      proxy_schema().document(path + ".", ProxyForm{}, out);
    };
    s.group("cookies", cookies_schema());
    s.group("fpid", fpid_schema());
    s.group("consent", consent_schema());
    s.str_list("mp_api_secrets", &G::mp_api_secrets,
               "Measurement Protocol `api_secret`s accepted for the site (`/mp/collect`); empty: refused.")
        .secret()
        .validate([](const std::string& v) -> std::string {
          return v.size() >= 8 ? "" : "is too short: API secrets must be at least 8 characters";
        });
    s.check([](MapReader& r, G& g) {
      if (!r.child("proxy")) g.proxy_url = default_proxy_url(g);
      g.path_prefix = strip_slashes(g.path_prefix);
      if (!g.mp_api_secrets.empty() && g.measurement_ids.empty()) {
        r.error("mp_api_secrets", r.child("mp_api_secrets"),
                "needs measurement_ids: /mp/collect finds the site by measurement_id");
      }
    });
    return s;
  }();
  return s;
}

}  // namespace sidetag::sources::ga4
