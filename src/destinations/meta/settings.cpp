// The `meta:` table (global Graph API settings; per-site settings are sites.<id>.meta).
#include "sidetag/destinations/meta/settings.hpp"

#include <cctype>

namespace sidetag::config {

namespace {

const Schema<MetaDefaults>& batch_schema() {
  static const Schema<MetaDefaults> s = [] {
    using M = MetaDefaults;
    Schema<M> s("A batch is sent when any limit is reached.");
    s.integer("max_events", &M::batch_max_events, 1, 1000, "Events per Graph request (Meta's limit is 1000).");
    s.integer("max_delay_ms", &M::batch_max_delay_ms, 0, 600'000, "How long the first event of a batch may wait.");
    s.integer("max_bytes", &M::batch_max_bytes, 1024, 64LL << 20, "Request body size.");
    return s;
  }();
  return s;
}

const Schema<MetaDefaults>& retry_schema() {
  static const Schema<MetaDefaults> s = [] {
    using M = MetaDefaults;
    Schema<M> s("Exponential backoff with jitter for transient failures.");
    s.integer("initial_ms", &M::retry_initial_ms, 1, 600'000, "First delay.");
    s.integer("max_ms", &M::retry_max_ms, 1, 86'400'000, "Largest delay.");
    return s;
  }();
  return s;
}

}  // namespace

const Schema<MetaDefaults>& meta_schema() {
  static const Schema<MetaDefaults> s = [] {
    using M = MetaDefaults;
    Schema<M> s("Meta's Graph API: connection, batching, retries, sandbox and dead letters for every pixel.");
    s.str("graph_url", &M::graph_url, "Graph API endpoint (a local fake in tests).")
        .validate([](const std::string& v) -> std::string {
          if (v.rfind("https://", 0) == 0 || v.rfind("http://", 0) == 0) return {};
          return "must start with https:// (or http:// for a local fake)";
        });
    s.str("api_version", &M::api_version, "Graph API version.").validate([](const std::string& v) -> std::string {
      bool ok = v.size() >= 4 && v[0] == 'v' && v.find('.') != std::string::npos;
      for (std::size_t i = 1; ok && i < v.size(); ++i) ok = std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.';
      return ok ? std::string() : "is not a Graph API version like v26.0";
    });
    s.one_of("dispatch", &M::dispatch, {{"live", DispatchMode::live}, {"sandbox", DispatchMode::sandbox}},
             "`sandbox` records each Graph request to `sandbox_file` and sends nothing.");
    s.str("sandbox_file", &M::sandbox_file, "Where sandbox dispatch records requests (NDJSON).");
    s.str("partner_agent", &M::partner_agent, "`partner_agent` sent with every request.");
    s.group("batch", batch_schema());
    s.integer("connect_timeout_ms", &M::connect_timeout_ms, 10, 600'000, "Per Graph connection.");
    s.integer("request_timeout_ms", &M::request_timeout_ms, 10, 600'000,
              "Per Graph request (Meta's 1.5 s advice is per single event; 1000-event batches need longer).");
    s.integer("max_connections", &M::max_connections, 1, 256, "Keep-alive connections per Graph host.");
    s.group("retry", retry_schema());
    s.str("ca_file", &M::ca_file, "Extra CA bundle (tests); the system store is always used.");
    s.str("dead_letter_file", &M::dead_letter_file,
          "Events Meta rejected for their data, with its message and fbtrace_id (`sidetag dlq`).");
    s.check([](MapReader&, M& m) {
      while (!m.graph_url.empty() && m.graph_url.back() == '/') m.graph_url.pop_back();
    });
    return s;
  }();
  return s;
}

}  // namespace sidetag::config
