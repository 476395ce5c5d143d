#pragma once
// The GA4 web source on the tagging domain: /g/collect (and <prefix>/g/collect), CORS preflight, the per-hit
// pipeline with the consent decision, first-party Meta cookies, passthrough of every hit to Google or an existing
// sGTM, and the reverse proxy for paths sidetag does not serve (/gtm.js, /gtag/js, /ns.html, ...).
#include <memory>

#include "app/routes.hpp"

namespace sidetag::destinations::ga4 {
class Passthrough;
}

namespace sidetag::app {

// Wiring (app.cpp): the passthrough component the GA4 routes forward hits and proxied requests with. Null (the
// default): no passthrough, no proxy. The pointer must stay valid until it is reset to null.
void set_ga4_passthrough(destinations::ga4::Passthrough* passthrough);

// Handles the request when its path is /g/collect or <site prefix>/g/collect; returns false otherwise.
bool handle_ga4_collect(AppState& state, const std::shared_ptr<const config::Config>& cfg, server::HttpRequest& req,
                        server::Respond& respond);
// Reverse-proxies a request for a path sidetag does not serve to the upstream of the site the request's host
// belongs to; returns false (the caller answers 404) when no site proxies it.
bool handle_ga4_proxy(AppState& state, const std::shared_ptr<const config::Config>& cfg, server::HttpRequest& req,
                      server::Respond& respond);

}  // namespace sidetag::app
