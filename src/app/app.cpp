#include "sidetag/app/app.hpp"

#include <filesystem>
#include <thread>

#include "app/observer.hpp"
#include "app/routes.hpp"
#include "app/routes_ga4.hpp"
#include "sidetag/delivery/spool.hpp"
#include "sidetag/destinations/ga4/passthrough.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/identity/enrich.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/server/server.hpp"
#include "sidetag/util/build_info.hpp"
#include "sidetag/util/thread_name.hpp"

namespace sidetag::app {

using observe::Level;

namespace {
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

// A relative spool_dir is resolved against the working directory, like the sandbox and dead-letter files (the
// container's WORKDIR is the data volume). Two processes can never share one spool: it is locked.
std::string resolve_spool_dir(const std::string& dir, const std::string& /*config_path*/) {
  return std::filesystem::path(dir).lexically_normal().string();
}

int serve(std::shared_ptr<const config::Config> cfg, const std::string& config_path, const std::string& env) {
  // Declared before the state: the spool outlives the dispatcher's thread (acknowledgements) and is closed last.
  std::unique_ptr<delivery::Spool> spool;
  AppState state;
  state.set_config(cfg);
  state.dispatcher = std::make_unique<destinations::meta::Dispatcher>(cfg);
  state.runner = make_meta_pipeline(*state.dispatcher);
  if (cfg->delivery.durability == config::Durability::postgres) {
    observe::log(Level::error, {{"msg", "cannot start: delivery.durability postgres is not available in this build; use disk or memory"}});
    observe::flush_logs();
    return 78;
  }
  if (cfg->delivery.durability == config::Durability::disk) {
    delivery::SpoolOptions so;
    so.dir = resolve_spool_dir(cfg->delivery.spool_dir, config_path);
    so.fsync_interval_ms = cfg->delivery.fsync_interval_ms;
    std::vector<delivery::SpoolRecord> replay;
    std::string error;
    spool = delivery::Spool::open(so, replay, error);
    if (!spool) {
      observe::log(Level::error, {{"msg", "cannot start: the spool cannot be opened"}, {"spool_dir", so.dir}, {"error", error}});
      observe::flush_logs();
      return 1;
    }
    const auto st = spool->stats();
    observe::log(Level::info, {{"msg", "spool opened"}, {"spool_dir", so.dir}, {"replayed", st.replayed},
                               {"torn_bytes", st.torn_bytes}, {"fsync_interval_ms", so.fsync_interval_ms}});
    state.dispatcher->attach_spool(spool.get(), std::move(replay));
  }

  // GA4 passthrough and reverse proxy: their own io_context and thread (see passthrough.hpp), declared before the
  // server so they outlive every handler; unwired before they are destroyed.
  destinations::ga4::PassthroughOptions ga4_options;
  ga4_options.ca_file = cfg->meta.ca_file;
  destinations::ga4::Passthrough ga4_passthrough(ga4_options);
  set_ga4_passthrough(&ga4_passthrough);
  struct Ga4Unwire {
    ~Ga4Unwire() { set_ga4_passthrough(nullptr); }
  } ga4_unwire;

  server::ServerHooks hooks;
  hooks.on_reload = [&state, config_path, env] { reload(state, config_path, env); };
  hooks.on_drain = [&state](std::chrono::steady_clock::time_point deadline) {
    const auto left = state.dispatcher->drain(deadline);
    if (left > 0) {
      constexpr std::size_t kMaxIds = 10'000;
      auto ids = state.dispatcher->pending_trace_ids(kMaxIds);
      if (state.dispatcher->durable()) {
        observe::log(Level::warn, {{"msg", "grace period over: undelivered events stay in the spool for the next start"},
                                   {"events", left}, {"trace_ids", ids}, {"trace_ids_truncated", left > ids.size()}});
      } else {
        observe::log(Level::error, {{"msg", "grace period over: undelivered events are lost (durability: memory)"},
                                    {"alert", true}, {"lost", true}, {"events", left}, {"trace_ids", ids},
                                    {"trace_ids_truncated", left > ids.size()}});
      }
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
                             {"durability", spool ? "disk" : "memory"},
                             {"sandbox_file", cfg->meta.dispatch == config::DispatchMode::sandbox ? cfg->meta.sandbox_file : ""},
                             {"config", config_path},
                             {"allocator", util::allocator_name()}});
  observe::flush_logs();
  // The server's drain hook flips readiness before anything else happens.
  std::thread watch([&state, &srv] {
    util::name_this_thread("st-readiness");
    while (!srv.draining() && state.listening) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    state.draining = true;
  });
  const int code = srv.run();
  state.listening = false;
  watch.join();
  state.dispatcher->stop();
  if (spool) {
    spool->close();
    const auto st = spool->stats();
    observe::log(Level::info, {{"msg", "spool closed"}, {"unacknowledged", st.live_records}, {"segments", st.segments}});
  }
  observe::log(Level::info, {{"msg", "stopped"}, {"exit_code", code}});
  observe::flush_logs();
  return code;
}

}  // namespace sidetag::app
