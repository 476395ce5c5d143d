#pragma once
#include "app/routes.hpp"

namespace sidetag::app {
// POST /mp/collect?measurement_id=G-…&api_secret=…: GA4 Measurement Protocol JSON into the pipeline. Returns false
// when the request is not for this route.
bool handle_mp_collect(AppState& state, const std::shared_ptr<const config::Config>& cfg, server::HttpRequest& req,
                       server::Respond& respond);
}
