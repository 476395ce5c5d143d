#include "sidetag/app/app.hpp"

#include <thread>

#include "app/observer.hpp"
#include "app/routes.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/identity/enrich.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/metrics.hpp"
#include "sidetag/server/server.hpp"

namespace sidetag::app {

using observe::Level;

namespace {
PipelineObserver g_observer;

std::unique_ptr<pipeline::Runner> make_runner(destinations::meta::DispatchSink& sink) {
  std::vector<std::unique_ptr<pipeline::Stage>> stages;
  stages.push_back(destinations::meta::make_prep_stage());
  stages.push_back(destinations::meta::make_assemble_stage());
  stages.push_back(identity::make_enrich_stage());
  stages.push_back(destinations::meta::make_validate_stage());
  stages.push_back(destinations::meta::make_dispatch_stage(sink));
  return std::make_unique<pipeline::Runner>(std::move(stages), &g_observer);
}

void reload(AppState& state, const std::string& path, const std::string& env) {
  auto result = config::load_file(path, env);
  if (!result.config) {
    observe::metrics().counter("sidetag_config_reloads_total", "result=\"rejected\"").inc();
    observe::log(Level::error, {{"msg", "configuration reload rejected; the previous configuration keeps serving"},
                                {"file", path}, {"errors", result.errors}});
    return;
  }
  auto old = state.config();
  if (old && (old->server.address != result.config->server.address || old->server.port != result.config->server.port ||
              old->server.threads != result.config->server.threads || old->server.tls.has_value() != result.config->server.tls.has_value())) {
    observe::log(Level::warn, {{"msg", "server.address/port/threads/tls changes take effect after a restart"}});
  }
  observe::set_secrets(result.config->secrets());
  observe::set_level(observe::parse_level(result.config->logging.level));
  state.dispatcher->update_config(result.config);
  state.set_config(result.config);
  observe::metrics().counter("sidetag_config_reloads_total", "result=\"ok\"").inc();
  observe::log(Level::info, {{"msg", "configuration reloaded"}, {"file", path}});
}
}  // namespace

int serve(std::shared_ptr<const config::Config> cfg, const std::string& config_path, const std::string& env) {
  AppState state;
  state.set_config(cfg);
  state.dispatcher = std::make_unique<destinations::meta::Dispatcher>(cfg);
  state.runner = make_runner(*state.dispatcher);

  server::ServerHooks hooks;
  hooks.on_reload = [&state, config_path, env] { reload(state, config_path, env); };
  hooks.on_drain = [&state](std::chrono::steady_clock::time_point deadline) {
    const auto left = state.dispatcher->drain(deadline);
    if (left > 0) {
      observe::log(Level::error, {{"msg", "grace period over: events not delivered"}, {"events", left}});
    } else {
      observe::log(Level::info, {{"msg", "drained: every accepted event was dispatched"}});
    }
  };
  server::Server srv(cfg->server, [&state](server::HttpRequest&& req, server::Respond respond) {
    handle(state, std::move(req), std::move(respond));
  }, hooks);
  try {
    srv.listen();
  } catch (const std::exception& e) {
    observe::log(Level::error, {{"msg", "cannot start"}, {"error", e.what()}});
    observe::flush_logs();
    return 1;
  }
  state.dispatcher->start();
  state.listening = true;
  observe::log(Level::info, {{"msg", "listening"},
                             {"address", cfg->server.address},
                             {"port", srv.port()},
                             {"tls", cfg->server.tls.has_value()},
                             {"threads", cfg->server.threads},
                             {"dispatch", cfg->meta.dispatch == config::DispatchMode::live ? "live" : "sandbox"},
                             {"sandbox_file", cfg->meta.dispatch == config::DispatchMode::sandbox ? cfg->meta.sandbox_file : ""},
                             {"config", config_path}});
  observe::flush_logs();
  // The server's drain hook flips readiness before anything else happens.
  std::thread watch([&state, &srv] {
    while (!srv.draining() && state.listening) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    state.draining = true;
  });
  const int code = srv.run();
  state.listening = false;
  watch.join();
  state.dispatcher->stop();
  observe::log(Level::info, {{"msg", "stopped"}, {"exit_code", code}});
  observe::flush_logs();
  return code;
}

}  // namespace sidetag::app
