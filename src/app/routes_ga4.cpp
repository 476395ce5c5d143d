// GA4 web hits on the tagging domain (issue 3). Per request:
//   1. client IP (socket, or X-Forwarded-For / Forwarded / a CDN header only through trusted proxies) and host
//      (X-Forwarded-Host/-Proto only from a trusted peer);
//   2. parse_hits -> one pipeline Event per hit (source "ga4"), routed to a site by `tid`; unknown tid, origin not
//      allowed and malformed lines are counted, logged drops;
//   3. per hit: Meta browser ids (_fbp/_fbc, deterministic fbp), FPID, the consent decision for Meta (a "consent"
//      stage record + a trace note; a drop stops the event before any Meta payload exists);
//   4. the 204 goes out (with Set-Cookie) BEFORE the pipeline runs and before any upstream is contacted;
//   5. the pipeline runs on this thread (it only enqueues for Meta); the request is forwarded asynchronously to
//      the site's passthrough upstream on the passthrough's own thread.
#include "app/routes_ga4.hpp"

#include <atomic>
#include <cctype>
#include <map>
#include <set>

#include "app/observer.hpp"
#include "sidetag/destinations/ga4/passthrough.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/sources/ga4/client_ip.hpp"
#include "sidetag/sources/ga4/collect.hpp"
#include "sidetag/sources/ga4/consent.hpp"
#include "sidetag/sources/ga4/cookies.hpp"
#include "sidetag/sources/ga4/event_data.hpp"
#include "sidetag/sources/ga4/hits.hpp"
#include "sidetag/util/clock.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::app {

namespace g = sources::ga4;
using nlohmann::json;
using server::HttpRequest;
using server::HttpResponse;
using server::Respond;

namespace {

std::atomic<destinations::ga4::Passthrough*> g_passthrough{nullptr};

void count_route(const std::string& route, int status) {
  observe::metrics().counter("sidetag_http_requests_total", observe::label("route", route) + ",status=\"" + std::to_string(status) + "\"").inc();
}

// The counters of every accepted hit, looked up once (the registry lookup builds label text under a lock).
observe::Counter& collect_204_counter() {
  static observe::Counter& c = observe::metrics().counter("sidetag_http_requests_total", observe::label("route", "/g/collect") + ",status=\"204\"");
  return c;
}
observe::Counter& ga4_received_counter() {
  static observe::Counter& c = observe::metrics().counter("sidetag_events_received_total", observe::label("source", "ga4"));
  return c;
}

void count_drop(const std::string& reason) {
  observe::metrics().counter("sidetag_ga4_hits_dropped_total", observe::label("reason", reason)).inc();
}

// A tid fit for logs and labels (it is not PII, but it is attacker-controlled).
std::string safe_tid(std::string_view tid) {
  if (tid.empty()) return "(none)";
  if (tid.size() > 32) return "(invalid)";
  for (char c : tid) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return "(invalid)";
  }
  return std::string(tid);
}

const config::SiteConfig* site_for_tid(const config::Config& cfg, std::string_view tid) {
  if (tid.empty()) return nullptr;
  for (const auto& s : cfg.sites) {
    for (const auto& id : s.ga4.measurement_ids) {
      if (id == tid) return &s;
    }
  }
  return nullptr;
}

// Every line of a header joined with ',' (X-Forwarded-For and Forwarded may arrive on several lines).
std::string joined_header(const HttpRequest& req, std::string_view name) {
  std::string out;
  for (const auto& [k, v] : req.headers) {
    if (k != name) continue;
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

std::string first_list_value(std::string_view v) {
  auto comma = v.find(',');
  return std::string(util::trim(v.substr(0, comma)));
}

// Where the request came from, as far as configured trust allows.
struct Peer {
  std::string client_ip;       // canonical; may be private (never sent to Meta, see assemble)
  bool peer_trusted = false;   // the socket peer is a trusted proxy: X-Forwarded-Host/-Proto are believed
  std::string host;            // lowercase, port removed
  std::string proto;           // https / http
};

Peer resolve_peer(const config::ServerConfig& sc, const HttpRequest& req) {
  Peer p;
  g::TrustedProxies tp;
  for (const auto& c : sc.trusted_proxies) {
    if (auto cidr = g::parse_cidr(c)) tp.cidrs.push_back(*cidr);
  }
  tp.hop_count = sc.trusted_proxy_hops;
  const std::string xff = joined_header(req, "x-forwarded-for");
  const std::string fwd = joined_header(req, "forwarded");
  std::string cdn_name = util::ascii_lower(sc.client_ip_header);
  std::string cdn = cdn_name.empty() ? std::string() : std::string(req.header(cdn_name));
  g::ForwardingHeaders fh{xff, fwd, cdn};
  p.client_ip = g::resolve_client_ip(req.remote_ip, fh, tp);
  if (tp.hop_count > 0) {
    p.peer_trusted = true;
  } else if (auto ip = g::parse_ip(req.remote_ip)) {
    for (const auto& c : tp.cidrs) p.peer_trusted |= c.contains(*ip);
  }
  std::string host;
  if (p.peer_trusted) host = first_list_value(req.header("x-forwarded-host"));
  if (host.empty()) host = std::string(req.header("host"));
  host = util::ascii_lower(util::trim(host));
  if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) host.resize(colon);
  p.host = host;
  if (p.peer_trusted) p.proto = util::ascii_lower(first_list_value(req.header("x-forwarded-proto")));
  if (p.proto != "https" && p.proto != "http") p.proto = req.tls ? "https" : "http";
  return p;
}

void add_collector_headers(HttpResponse& r, std::string_view origin, bool origin_ok) {
  if (origin_ok) {
    r.set("Access-Control-Allow-Origin", std::string(origin));
    r.set("Access-Control-Allow-Credentials", "true");
  }
  r.set("Vary", "Origin");
  r.set("Content-Type", "text/plain");
  r.set("Cache-Control", "no-cache, no-store, must-revalidate");
  r.set("Pragma", "no-cache");
  r.set("Expires", "Fri, 01 Jan 1990 00:00:00 GMT");
  r.set("Cross-Origin-Resource-Policy", "cross-origin");
}

bool is_collect_path(const config::Config& cfg, std::string_view path) {
  if (path == "/g/collect") return true;
  for (const auto& s : cfg.sites) {
    const auto& pre = s.ga4.path_prefix;
    if (!pre.empty() && path.size() == pre.size() + 10 && path.substr(0, pre.size()) == pre &&
        path.substr(pre.size()) == "/g/collect") {
      return true;
    }
  }
  return false;
}

bool any_site_allows_origin(const config::Config& cfg, std::string_view origin) {
  for (const auto& s : cfg.sites) {
    if (!s.ga4.measurement_ids.empty() && g::origin_allowed(origin, s.ga4.allowed_origins, s.domains)) return true;
  }
  return false;
}

void handle_preflight(const config::Config& cfg, const HttpRequest& req, Respond& respond) {
  const auto origin = req.header("origin");
  HttpResponse r;
  r.status = 204;
  const config::SiteConfig* site = nullptr;
  if (auto tid = g::query_param(req.query, "tid")) site = site_for_tid(cfg, *tid);
  bool ok = false;
  if (!origin.empty()) {
    ok = site ? g::origin_allowed(origin, site->ga4.allowed_origins, site->domains) : any_site_allows_origin(cfg, origin);
    add_collector_headers(r, origin, ok);
    if (!ok) count_drop("preflight_origin_not_allowed");
  } else {
    add_collector_headers(r, {}, false);
    r.set("Access-Control-Allow-Origin", "*");
  }
  r.set("Access-Control-Allow-Methods", "POST, GET, OPTIONS");
  if (auto h = req.header("access-control-request-headers"); !h.empty() && h.find_first_of("\r\n") == std::string_view::npos) {
    r.set("Access-Control-Allow-Headers", std::string(h));
  }
  r.set("Access-Control-Max-Age", "86400");
  count_route("/g/collect", 204);
  respond(std::move(r));
}

destinations::ga4::UpstreamRequest make_hit_forward(const config::SiteConfig& site, const HttpRequest& req,
                                                    const Peer& peer) {
  destinations::ga4::UpstreamRequest up;
  auto& cr = up.request;
  cr.method = req.method == "GET" ? "GET" : "POST";
  cr.body = req.body;
  cr.content_type = "text/plain;charset=UTF-8";
  cr.timeout_ms = site.ga4.passthrough_timeout_ms;
  const auto ua = req.header("user-agent");
  if (!ua.empty()) cr.headers.emplace_back("User-Agent", std::string(ua));
  for (const char* h : {"accept-language", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform"}) {
    if (auto v = req.header(h); !v.empty()) cr.headers.emplace_back(h, std::string(v));
  }
  if (site.ga4.passthrough == config::PassthroughMode::google) {
    up.upstream = "google";
    // _uip: the browser's address so GA4 geolocates the visitor, not the server. Private addresses are useless.
    const std::string uip = g::is_public_ip(peer.client_ip) ? peer.client_ip : std::string();
    cr.url = site.ga4.passthrough_url + "/g/collect?" + g::google_passthrough_query(req.query, uip);
  } else {
    up.upstream = "sgtm";
    cr.url = site.ga4.passthrough_url + "/g/collect" + (req.query.empty() ? "" : "?" + req.query);
    for (const char* h : {"cookie", "origin", "referer"}) {
      if (auto v = req.header(h); !v.empty()) cr.headers.emplace_back(h, std::string(v));
    }
    if (!peer.client_ip.empty()) cr.headers.emplace_back("X-Forwarded-For", peer.client_ip);
    if (!peer.host.empty()) cr.headers.emplace_back("X-Forwarded-Host", peer.host);
    cr.headers.emplace_back("X-Forwarded-Proto", peer.proto);
  }
  return up;
}

struct PendingEvent {
  pipeline::Event ev;
  const config::SiteConfig* site = nullptr;
  pipeline::StageRecord consent;
};

}  // namespace

void set_ga4_passthrough(destinations::ga4::Passthrough* passthrough) { g_passthrough.store(passthrough); }

bool handle_ga4_collect(AppState& state, const std::shared_ptr<const config::Config>& cfg, HttpRequest& req,
                        Respond& respond) {
  if (!cfg || !is_collect_path(*cfg, req.path)) return false;
  if (req.method == "OPTIONS") {
    handle_preflight(*cfg, req, respond);
    return true;
  }
  if (req.method == "HEAD") {  // monitoring probes: answered like a hit, never counted as one
    HttpResponse r;
    r.status = 204;
    add_collector_headers(r, {}, false);
    count_route("/g/collect", 204);
    respond(std::move(r));
    return true;
  }
  if (req.method != "GET" && req.method != "POST") {
    HttpResponse r;
    r.status = 405;
    r.set("Allow", "GET, POST, OPTIONS");
    r.set("Content-Type", "text/plain");
    count_route("/g/collect", 405);
    respond(std::move(r));
    return true;
  }
  const auto t0_wall = util::now_unix_us();
  const auto t0 = util::mono_us();
  const std::int64_t now_ms = t0_wall / 1000;
  const Peer peer = resolve_peer(cfg->server, req);
  const auto origin = req.header("origin");
  std::string parent_trace, parent_span;
  const bool continued = pipeline::parse_traceparent(req.header("traceparent"), parent_trace, parent_span);

  // The site of the request's shared tid decides the per-request limit; each hit is still routed by its own tid.
  g::HitBatch batch = g::parse_hits(req.query, req.body, [&cfg](const g::Params& query_params) {
    g::HitLimits limits;
    if (auto tid = query_params.find("tid"); tid != query_params.end()) {
      if (const auto* request_site = site_for_tid(*cfg, tid->second))
        limits.max_events = request_site->ga4.max_events_per_request;
    }
    return limits;
  });
  for (const auto& d : batch.dropped) count_drop(d.reason);
  if (!batch.dropped.empty()) {
    std::map<std::string, int> by_reason;
    for (const auto& d : batch.dropped) ++by_reason[d.reason];
    observe::log(observe::Level::warn, {{"msg", "ga4 hits dropped at parse"}, {"source", "ga4"}, {"stage", "ingest"},
                                        {"dropped", by_reason}, {"lines", batch.hits.size() + batch.dropped.size()}});
  }

  // What every hit of the request shares, built once: the cookies (_fbp/_fbc checked once here), user agent, IP.
  g::RequestInfo info;
  info.cookies = g::parse_cookie_header(req.header("cookie"));
  info.fb_cookies = g::FbCookies::from(info.cookies);
  info.user_agent = req.header("user-agent");
  info.sec_ch_ua = req.header("sec-ch-ua");
  info.client_ip = peer.client_ip;
  info.received_ms = now_ms;
  info.trust_uip = false;  // a browser's _uip is never believed
  const g::CookieList& cookies = info.cookies;
  const std::string_view sec_gpc = req.header("sec-gpc");

  std::vector<PendingEvent> events;
  events.reserve(batch.hits.size());  // events are built in place and never moved
  std::vector<std::pair<std::string, std::string>> set_cookies;  // name -> full Set-Cookie value, first wins
  std::set<const config::SiteConfig*> forward_sites;
  bool origin_ok = false;
  const bool single = batch.hits.size() == 1;
  // Per-site and per-page answers of the previous hit: a request's hits nearly always share the site and the page,
  // and these were recomputed (parsed, lowercased, split) for each of them.
  const config::SiteConfig* origin_site = nullptr;  // origin_allowed for this site
  bool origin_site_ok = false;
  const config::SiteConfig* domain_site = nullptr;  // cookie domain + subdomain index for this site and page
  std::string domain_page;
  std::string cookie_domain;
  int subdomain_index = 1;
  for (auto& hit : batch.hits) {
    const auto tid_it = hit.params.find("tid");
    const std::string_view tid = tid_it == hit.params.end() ? std::string_view() : std::string_view(tid_it->second);
    const config::SiteConfig* site = site_for_tid(*cfg, tid);
    if (!site) {
      count_drop("unknown_tid");
      observe::log(observe::Level::info, {{"msg", "ga4 hit dropped"}, {"source", "ga4"}, {"stage", "ingest"},
                                          {"reason", "unknown_tid"}, {"tid", safe_tid(tid)}, {"line", hit.line}});
      continue;
    }
    if (!origin.empty()) {
      if (site != origin_site) {
        origin_site = site;
        origin_site_ok = g::origin_allowed(origin, site->ga4.allowed_origins, site->domains);
      }
      if (!origin_site_ok) {
        count_drop("origin_not_allowed");
        observe::log(observe::Level::info, {{"msg", "ga4 hit dropped"}, {"source", "ga4"}, {"stage", "ingest"},
                                            {"reason", "origin_not_allowed"}, {"site", site->id}, {"line", hit.line}});
        continue;
      }
      origin_ok = true;
    }
    forward_sites.insert(site);
    const auto& gc = site->ga4;

    // Everything read from the hit's parameters comes first: to_event_data below takes them over (moves the values).
    auto param = [&](const char* k) -> std::string_view {
      auto it = hit.params.find(k);
      return it == hit.params.end() ? std::string_view{} : std::string_view(it->second);
    };
    // Consent for the Meta destination.
    std::string_view us_privacy = param("us_privacy");
    if (us_privacy.empty()) {
      if (auto c = g::find_cookie(cookies, "usprivacy")) us_privacy = *c;
    }
    const g::Consent consent = g::decode_consent(param("gcs"), param("gcd"), sec_gpc, us_privacy);
    const g::ConsentDecision decision = g::decide_consent(consent, gc.meta_consent);

    // Meta browser ids. Cookies are only written when the decision allows it (never with ad_storage denied).
    const std::string_view page_location = param("dl");
    if (site != domain_site || page_location != domain_page) {
      domain_site = site;
      domain_page = page_location;
      cookie_domain = g::choose_cookie_domain(gc.cookie_domain, peer.host, page_location);
      subdomain_index = g::subdomain_index_for_host(!cookie_domain.empty() ? cookie_domain : g::url_host(page_location));
      if (subdomain_index <= 0) subdomain_index = 1;
    }
    g::BrowserIds ids;
    if (decision.cookies_allowed) {
      g::BrowserIdInput in;
      in.cookies = *info.fb_cookies;
      in.page_location = page_location;
      in.client_id = param("cid");
      in.session_id = param("sid");
      in.page_id = param("_p");
      in.now_ms = now_ms;
      in.subdomain_index = subdomain_index;
      in.generate_fbp = gc.generate_fbp;
      in.salt = site->id;
      ids = g::resolve_browser_ids(in);
    }

    auto& pe = events.emplace_back();
    pe.site = site;
    auto& ev = pe.ev;
    ev.index = events.size() - 1;
    ev.trace.trace_id = (continued && single) ? parent_trace : pipeline::new_trace_id();
    ev.trace.parent_span_id = parent_span;
    ev.trace.env = cfg->env;
    ev.trace.source = "ga4";
    ev.trace.site = site->id;
    ev.trace.received_us = t0_wall;

    info.use_fpid = gc.fpid;
    std::vector<std::string> notes;
    ev.data = g::to_event_data(std::move(hit.params), info, &notes);  // hit.params' values are gone from here on
    for (auto& n : hit.notes) ev.trace.notes.push_back(std::move(n));
    for (auto& n : notes) ev.trace.notes.push_back(std::move(n));

    if (decision.cookies_allowed) {
      if (!ids.fbp.empty()) ev.data["x-fb-ck-fbp"] = ids.fbp;
      if (!ids.fbc.empty()) ev.data["x-fb-ck-fbc"] = ids.fbc;
      if (ids.fbp_minted) ev.trace.notes.push_back("fbp minted (no valid _fbp cookie)");
      if (ids.fbc_action == g::FbcAction::minted) ev.trace.notes.push_back("fbc built from fbclid");
      if (ids.fbc_action == g::FbcAction::replaced) ev.trace.notes.push_back("fbc replaced: new fbclid");
      if (gc.set_cookies) {
        g::SetCookieOptions opts;
        opts.domain = cookie_domain;
        opts.max_age = gc.cookie_max_age_s;
        opts.http_only = gc.cookie_http_only;
        auto add_cookie = [&](const char* name, const std::string& value) {
          if (value.empty()) return;
          for (const auto& [n, v] : set_cookies) {
            if (n == name) return;
          }
          auto sc = g::build_set_cookie(name, value, opts);
          if (!sc.empty()) set_cookies.emplace_back(name, std::move(sc));
        };
        add_cookie("_fbp", ids.fbp);
        add_cookie("_fbc", ids.fbc);
      }
    } else {
      // No storage consent for ads: nothing minted, nothing written; only ids the browser already had remain.
      ev.trace.notes.push_back("Meta cookies not written: consent");
    }
    // FPID refresh (HttpOnly, Secure), unless analytics_storage is denied.
    if (gc.fpid && gc.set_cookies && consent.analytics_storage.state != g::ConsentState::denied) {
      if (auto fpid = g::find_cookie(cookies, "FPID"); fpid && util::starts_with(*fpid, "FPID2.2.")) {
        bool have = false;
        for (const auto& [n, v] : set_cookies) have |= n == "FPID";
        if (!have) {
          g::SetCookieOptions opts;
          opts.domain = cookie_domain;
          opts.max_age = gc.fpid_max_age_s;
          opts.http_only = true;
          auto sc = g::build_set_cookie("FPID", *fpid, opts);
          if (!sc.empty()) set_cookies.emplace_back("FPID", std::move(sc));
        }
      }
    }

    auto removed = g::apply_consent(ev.data, decision);
    // Keys a site maps itself (sites.<id>.meta.user_data) are unknown to apply_consent: the Meta stages read
    // this flag and send only what a website event needs (IP, user agent, fbc, fbp).
    if (decision.strip_user_data && !decision.drop) ev.data["x-sidetag-user_data_withheld"] = true;
    const auto ingest_us = util::mono_us() - t0;
    pipeline::record_stage(ev, "ingest", t0_wall, ingest_us, pipeline::Outcome::ok,
                           "ga4 line " + std::to_string(hit.line));
    const std::string consent_detail = "meta: " + decision.label() + " (" + decision.reason + ")";
    ev.trace.notes.push_back("consent " + consent_detail);
    if (!removed.empty()) ev.trace.notes.push_back("consent: user data removed (" + std::to_string(removed.size()) + " keys)");
    pipeline::record_stage(ev, "consent", util::now_unix_us(), 0,
                           decision.drop ? pipeline::Outcome::stopped : pipeline::Outcome::ok, consent_detail);
    pe.consent = ev.trace.stages.back();
  }

  // 1. The browser's answer. It never waits for Meta; it waits for an existing sGTM only when that site relays the
  // container's cookies (FPID minted there, FPLC, ...), at most the passthrough timeout.
  HttpResponse r;
  r.status = 204;
  add_collector_headers(r, origin, origin_ok);
  std::set<std::string> own_cookies;
  for (auto& [name, value] : set_cookies) {
    own_cookies.insert(name);
    r.set("Set-Cookie", std::move(value));
  }
  collect_204_counter().inc();
  auto* pt = g_passthrough.load();
  const config::SiteConfig* relay_site = nullptr;
  if (pt) {
    for (const auto* site : forward_sites) {
      if (site->ga4.passthrough == config::PassthroughMode::sgtm && site->ga4.relay_sgtm_cookies &&
          !site->ga4.passthrough_url.empty()) {
        relay_site = site;
        break;
      }
    }
  }
  if (relay_site) {
    pt->proxy(make_hit_forward(*relay_site, req, peer),
              [r = std::move(r), respond = std::move(respond), own = std::move(own_cookies)](http::ClientResponse resp) mutable {
                // Any answer (or none: timeout, overload) ends in the usual 204; only cookies are taken over.
                for (auto& [k, v] : resp.headers) {
                  if (!util::iequals(k, "set-cookie")) continue;
                  const std::string name(util::trim(std::string_view(v).substr(0, v.find('='))));
                  if (!name.empty() && !own.count(name)) r.set("Set-Cookie", v);
                }
                respond(std::move(r));
              });
  } else {
    respond(std::move(r));  // r is not used below
  }

  // 2. Passthrough of the other sites' hits, asynchronously (own thread and io_context).
  if (pt) {
    for (const auto* site : forward_sites) {
      if (site == relay_site) continue;
      if (site->ga4.passthrough == config::PassthroughMode::off || site->ga4.passthrough_url.empty()) continue;
      pt->forward(make_hit_forward(*site, req, peer));
    }
  }

  // 3. The Meta pipeline, one event per hit. Over the global byte budget (Meta unreachable for long) the browser
  // still gets its 204 and the passthrough still runs, but the hits' Meta events are refused, each with a logged
  // reason and counted like a server-to-server refusal, instead of growing the queue without limit.
  const bool over_budget =
      state.dispatcher && state.dispatcher->queued_bytes() + req.body.size() > cfg->delivery.max_queue_bytes;
  PipelineObserver observer;
  for (auto& pe : events) {
    auto& ev = pe.ev;
    observe_ingest(ev);
    observer.on_stage(ev, pe.consent);
    if (over_budget && !ev.stopped) {
      ev.stopped = true;
      ev.stop_stage = "backpressure";
      ev.stop_reason = "delivery queue full (delivery.max_queue_bytes): not accepted for Meta";
    }
    pipeline::StageContext ctx;
    ctx.config = cfg;
    ctx.site = pe.site;
    ctx.now_s = t0_wall / 1'000'000;
    ctx.debug_pii = cfg->logging.debug_pii && !cfg->is_prod;
    if (ctx.debug_pii && observe::log_enabled(observe::Level::debug)) {
      observe::log(observe::Level::debug, {{"msg", "ingested event data (raw PII, non-prod debug only)"},
                                           {"trace_id", ev.trace.trace_id}, {"stage", "ingest"}, {"data", ev.data}});
    }
    if (ev.stopped) {
      observer.on_event_done(ev);
      observe::metrics().counter("sidetag_events_rejected_total", observe::label("source", "ga4") + "," + observe::label("reason", ev.stop_stage)).inc();
      continue;
    }
    state.runner->run(ev, ctx);
    if (ev.stopped) {
      observe::metrics().counter("sidetag_events_rejected_total", observe::label("source", "ga4") + "," + observe::label("reason", ev.stop_stage)).inc();
    } else {
      ga4_received_counter().inc();
    }
  }
  return true;
}

bool handle_ga4_proxy(AppState& state, const std::shared_ptr<const config::Config>& cfg, HttpRequest& req,
                      Respond& respond) {
  auto* pt = g_passthrough.load();
  if (!cfg || !pt) return false;
  const Peer peer = resolve_peer(cfg->server, req);
  // The site whose domain holds the request host; else the only site with GA4 configured.
  const config::SiteConfig* site = nullptr;
  for (const auto& s : cfg->sites) {
    for (const auto& d : s.domains) {
      if (g::host_in_domain(peer.host, util::ascii_lower(d))) site = &s;
    }
    if (site) break;
  }
  if (!site) {
    const config::SiteConfig* only = nullptr;
    int n = 0;
    for (const auto& s : cfg->sites) {
      if (!s.ga4.measurement_ids.empty()) {
        only = &s;
        ++n;
      }
    }
    if (n == 1) site = only;
  }
  if (!site || site->ga4.proxy_url.empty()) return false;
  std::string path = req.path;
  const auto& pre = site->ga4.path_prefix;
  if (!pre.empty() && path.size() > pre.size() && path.compare(0, pre.size(), pre) == 0 && path[pre.size()] == '/') {
    path = path.substr(pre.size());
  }
  destinations::ga4::UpstreamRequest up;
  up.upstream = "proxy";
  auto& cr = up.request;
  cr.method = req.method == "HEAD" ? "GET" : req.method;
  cr.url = site->ga4.proxy_url + path + (req.query.empty() ? "" : "?" + req.query);
  cr.body = req.body;
  cr.timeout_ms = site->ga4.proxy_timeout_ms;
  if (auto ct = req.header("content-type"); !ct.empty()) cr.content_type = std::string(ct);
  for (const auto& [k, v] : req.headers) {
    if (g::proxy_request_header_allowed(k)) cr.headers.emplace_back(k, v);
  }
  if (!peer.client_ip.empty()) cr.headers.emplace_back("X-Forwarded-For", peer.client_ip);
  if (!peer.host.empty()) cr.headers.emplace_back("X-Forwarded-Host", peer.host);
  cr.headers.emplace_back("X-Forwarded-Proto", peer.proto);
  const std::string route = "(ga4 proxy)";
  pt->proxy(std::move(up), [respond = std::move(respond), route](http::ClientResponse resp) {
    HttpResponse r;
    if (resp.status == 0) {
      r.status = 502;
      r.set("Content-Type", "text/plain");
      r.body = "upstream unavailable";
    } else {
      r.status = resp.status;
      for (auto& [k, v] : resp.headers) {
        if (g::proxy_response_header_allowed(util::ascii_lower(k))) r.set(k, v);
      }
      r.body = std::move(resp.body);
    }
    count_route(route, r.status);
    respond(std::move(r));
  });
  return true;
}

}  // namespace sidetag::app
