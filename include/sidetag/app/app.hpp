#pragma once
// The running server: configuration holder (SIGHUP reloads), routes, the staged pipeline, the dispatcher.
#include <memory>
#include <string>

#include "sidetag/config/config.hpp"

namespace sidetag::app {

// Runs `sidetag serve` until SIGTERM/SIGINT; returns the exit code.
int serve(std::shared_ptr<const config::Config> config, const std::string& config_path, const std::string& env);

}  // namespace sidetag::app
