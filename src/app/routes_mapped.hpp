#pragma once
#include "app/routes.hpp"
#include "sidetag/config/config.hpp"

namespace sidetag::app {
// POST <path> of a `type: mapped` source: verify the webhook's signature on the raw body, map each record, run it.
void handle_mapped(AppState& state, const std::shared_ptr<const config::Config>& cfg, const config::SourceConfig& src,
                   server::HttpRequest& req, server::Respond& respond);
}
