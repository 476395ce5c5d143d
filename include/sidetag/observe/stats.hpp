#pragma once
// Every metric family sidetag exposes, declared once (Envoy's ALL_*_STATS): one row per family with its name
// (exposed as sidetag_<name>), help text, type and label names. The list expands into
//   * the catalogue that /metrics renders (every family, with # HELP and # TYPE, even before its first sample), and
//   * `observe::Stats`, a struct with one typed member per family: `stats().http_requests_total.with(route, status)`
//     resolves a series (a family lock: do it at start or once per configuration load and keep the reference);
//     `stats().dispatch_queue_events.get()` is the series of a family without labels.
// A family used anywhere is therefore in the catalogue with its help text by construction; the integration
// catalogue test (tests/integration/test_zz_stats_catalogue.py) checks that every family is also emitted by the
// suite. To add a family: add a row in your module's block below, resolve it where your module starts, and make an
// integration test exercise it.
//
// Rows: COUNTER(name, help, labels...), GAUGE(name, help, labels...), HISTOGRAM(name, help, buckets, labels...),
// buckets being `seconds` or `size` (observe/metrics.hpp).
#include <string>
#include <vector>

#include "sidetag/observe/metrics.hpp"

#define SIDETAG_ALL_STATS(COUNTER, GAUGE, HISTOGRAM)                                                                   \
  /* server/ */                                                                                                        \
  COUNTER(http_requests_total, "HTTP requests answered, by route and status code", "route", "status")                 \
  HISTOGRAM(http_request_duration_seconds,                                                                             \
            "Time from a complete request (head and body read) to its response handed to the socket", seconds)          \
  GAUGE(http_connections_active, "Open client connections")                                                           \
  /* app/, sources/: ingest and the pipeline */                                                                        \
  COUNTER(events_received_total, "Events accepted at ingest, by source", "source")                                    \
  COUNTER(events_rejected_total,                                                                                       \
          "Events not accepted, by source and reason (the stage that stopped them, backpressure, spool_unavailable, " \
          "unauthorized, malformed_request)",                                                                          \
          "source", "reason")                                                                                          \
  COUNTER(events_shared_event_id_total,                                                                                \
          "Events by source and whether their event_id came from the request (shared with the browser pixel)",       \
          "source", "shared")                                                                                          \
  COUNTER(stage_events_total, "Events through each pipeline stage, by stage and outcome", "stage", "outcome")         \
  HISTOGRAM(stage_duration_seconds, "Time spent in each pipeline stage", seconds, "stage")                            \
  COUNTER(config_reloads_total, "Configuration reloads by result (ok, rejected)", "result")                           \
  COUNTER(ga4_hits_dropped_total, "GA4 hits dropped before the pipeline, by reason", "reason")                        \
  COUNTER(ga4_passthrough_total, "GA4 hits forwarded to Google or an existing sGTM, by upstream and result",           \
          "upstream", "result")                                                                                        \
  /* delivery/ and the Meta sink */                                                                                    \
  COUNTER(dispatch_batches_total,                                                                                      \
          "Graph API requests, by pixel and result (ok, transient, throttle, config, data, sandbox)", "pixel",         \
          "result")                                                                                                    \
  COUNTER(dispatch_events_total, "Events by final dispatch outcome (delivered, dead_lettered, sandbox)", "outcome")   \
  HISTOGRAM(dispatch_batch_size, "Events per Graph API request", size)                                                 \
  HISTOGRAM(dispatch_latency_seconds, "Time from acceptance to Meta's 2xx", seconds)                                  \
  GAUGE(dispatch_queue_events, "Events accepted for Meta and not yet delivered, recorded or dead-lettered")           \
  GAUGE(dispatch_queue_bytes, "Bytes of those events (counted against delivery.max_queue_bytes)")                     \
  COUNTER(dispatch_retries_total, "Graph API requests sent again, by reason (transient, throttle)", "reason")         \
  COUNTER(dispatch_throttled_total, "Throttling pauses Meta imposed, by scope (app, user, page, business, pixel)",     \
          "scope")                                                                                                     \
  COUNTER(dispatch_connections_opened_total, "Connections opened to the Graph API")                                   \
  GAUGE(pixel_paused, "1 while a pixel's queue is paused by a configuration error (bad token, permission)", "pixel")

namespace sidetag::observe {

struct Stats {
#define SIDETAG_STAT_COUNTER_(name, help, ...) \
  CounterFamily<label_count(__VA_ARGS__)> name{"sidetag_" #name, help, Buckets::none, {__VA_ARGS__}};
#define SIDETAG_STAT_GAUGE_(name, help, ...) \
  GaugeFamily<label_count(__VA_ARGS__)> name{"sidetag_" #name, help, Buckets::none, {__VA_ARGS__}};
#define SIDETAG_STAT_HISTOGRAM_(name, help, buckets, ...) \
  HistogramFamily<label_count(__VA_ARGS__)> name{"sidetag_" #name, help, Buckets::buckets, {__VA_ARGS__}};
  SIDETAG_ALL_STATS(SIDETAG_STAT_COUNTER_, SIDETAG_STAT_GAUGE_, SIDETAG_STAT_HISTOGRAM_)
#undef SIDETAG_STAT_COUNTER_
#undef SIDETAG_STAT_GAUGE_
#undef SIDETAG_STAT_HISTOGRAM_

  // Every family, in declaration order.
  std::vector<const FamilyBase*> catalogue() const;
  FamilyBase* find(std::string_view name);
  // The text exposition format: every family (sorted by name) with # HELP and # TYPE, then its series.
  std::string render() const;
};

// The process's stats.
Stats& stats();

// Transitional: the string-keyed API of the earlier registry, for call sites not yet converted to Stats. A name
// outside the catalogue aborts (drift is a bug); `labels` must be the family's label text in declaration order.
class Registry {
 public:
  explicit Registry(Stats& s) : s_(s) {}
  Counter& counter(const std::string& family, const std::string& labels = {});
  Gauge& gauge(const std::string& family, const std::string& labels = {});
  Histogram& histogram(const std::string& family, const std::string& labels = {});
  std::string render() const { return s_.render(); }

 private:
  FamilyBase& family(const std::string& name, Kind kind);
  Stats& s_;
};
Registry& metrics();

}  // namespace sidetag::observe
