#pragma once
// The running server: configuration holder (SIGHUP reloads), routes, the staged pipeline, the dispatcher.
#include <memory>
#include <string>

#include "sidetag/config/config.hpp"

namespace sidetag::destinations::meta {
class DispatchSink;
}
namespace sidetag::pipeline {
class Runner;
}

namespace sidetag::app {

// The pipeline every source feeds: prep -> assemble -> enrich -> validate -> dispatch (into `sink`), observed by
// the standard logging/metrics observer. Used by the server and by `sidetag send`.
std::unique_ptr<pipeline::Runner> make_meta_pipeline(destinations::meta::DispatchSink& sink);

// Runs `sidetag serve` until SIGTERM/SIGINT; returns the exit code.
int serve(std::shared_ptr<const config::Config> config, const std::string& config_path, const std::string& env);

}  // namespace sidetag::app
