#pragma once
// Per-site settings of the GA4 web source (/g/collect on the tagging domain). Its schema table:
// src/sources/ga4/settings.cpp. Header-only on purpose: the pure GA4 source library (consent policy) includes it
// without linking sidetag_config.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sidetag::config {

// What a destination does with a hit under a consent condition (docs/ga4.md "Consent").
enum class ConsentAction {
  forward,                    // send as is
  forward_without_user_data,  // send without hashed personal data (email, phone, names, address, user/external id)
  ldu,                        // send with Meta Limited Data Use (data_processing_options ["LDU"], country 0, state 0)
  drop,                       // do not send
};
inline const char* to_string(ConsentAction a) {
  switch (a) {
    case ConsentAction::forward: return "forward";
    case ConsentAction::forward_without_user_data: return "forward_without_user_data";
    case ConsentAction::ldu: return "ldu";
    case ConsentAction::drop: return "drop";
  }
  return "forward";
}

// One destination's consent policy. Every rule that applies to a hit contributes its action; drop wins, otherwise
// the restrictions add up (e.g. forward_without_user_data + ldu).
struct ConsentPolicy {
  ConsentAction ad_storage_denied = ConsentAction::drop;                      // ad_storage denied (gcd/gcs)
  ConsentAction no_signal = ConsentAction::forward;                           // no ad_storage signal at all
  ConsentAction ad_user_data_denied = ConsentAction::forward_without_user_data;  // Consent Mode v2 ad_user_data denied
  ConsentAction gpc = ConsentAction::ldu;                                     // Sec-GPC: 1
  ConsentAction us_privacy_opt_out = ConsentAction::ldu;                      // us_privacy "1Y.." (opt-out of sale)
};

// Where each /g/collect request is also sent, so GA4 reporting and an existing sGTM container keep working.
enum class PassthroughMode { google, sgtm, off };

struct Ga4SiteConfig {
  std::vector<std::string> measurement_ids;  // allowed `tid` values (G-XXXX); a hit is routed to the site by tid
  // Origins allowed to send hits (CORS echo). Empty: https://<domain> and https://*.<domain> for every site domain.
  // Entries are full origins ("https://shop.com") or "*.shop.com" (any subdomain, any scheme).
  std::vector<std::string> allowed_origins;
  std::string path_prefix;             // "" or "/metrics": hits also at <prefix>/g/collect, proxy paths under it
  std::size_t max_events_per_request = 100;  // body lines per request; the rest are counted drops

  // Passthrough of every hit (asynchronous, never blocks the Meta path).
  PassthroughMode passthrough = PassthroughMode::google;
  // google: collector base URL (default www.google-analytics.com; "region1" = the EU endpoint);
  // sgtm: the existing server container's base URL. Tests point this at a fake.
  std::string passthrough_url = "https://www.google-analytics.com";
  int passthrough_timeout_ms = 5000;
  // sgtm only: wait for the container's answer (at most passthrough_timeout_ms) and pass its Set-Cookie headers to
  // the browser (FPID minted by sGTM, FPLC, its own cookies), except cookies sidetag sets itself. false: answer the
  // browser at once; the container's cookies are then lost.
  bool relay_sgtm_cookies = true;
  // Reverse proxy for paths sidetag does not serve (/gtm.js, /gtag/js, /ns.html, ...). Default: the sGTM URL when
  // passthrough is sgtm, else https://www.googletagmanager.com. "off" disables (404).
  std::string proxy_url;               // resolved by the reader; empty = off
  int proxy_timeout_ms = 10000;

  // Meta browser ids as first-party cookies.
  bool generate_fbp = true;            // mint _fbp when the browser has none (and consent allows cookies)
  bool set_cookies = true;             // send Set-Cookie for _fbp/_fbc (and FPID refresh)
  std::string cookie_domain = "auto";  // "auto": the page's registrable domain (when the request host is in it)
  bool cookie_http_only = false;       // HttpOnly _fbp/_fbc: the browser Pixel can then no longer read them
  std::int64_t cookie_max_age_s = 7776000;  // 90 days

  // sGTM's server-managed client id (FPID cookie).
  bool fpid = false;                   // client_id = FPID payload, browser cid -> x-ga-js_client_id, cookie refreshed
  std::int64_t fpid_max_age_s = 400LL * 86400;  // browsers cap cookie lifetime at 400 days

  ConsentPolicy meta_consent;          // consent.meta

  // Measurement Protocol (POST /mp/collect?measurement_id=<one of measurement_ids>&api_secret=<one of these>).
  // Secrets: never logged. Empty: /mp/collect refuses this site's events.
  std::vector<std::string> mp_api_secrets;
};

}  // namespace sidetag::config
