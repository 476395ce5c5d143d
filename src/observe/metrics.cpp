#include "sidetag/observe/metrics.hpp"

#include <cmath>
#include <sstream>

namespace sidetag::observe {

namespace {
struct FamilyInfo {
  const char* name;
  const char* help;
};
// The catalogue: every metric family sidetag exposes, described once.
constexpr FamilyInfo kCatalogue[] = {
    {"sidetag_http_requests_total", "HTTP requests answered, by route and status code"},
    {"sidetag_http_request_duration_seconds", "HTTP request handling time, by route"},
    {"sidetag_http_connections_active", "Open client connections"},
    {"sidetag_events_received_total", "Events accepted at ingest, by source"},
    {"sidetag_events_rejected_total", "Events rejected at ingest, by source and reason class"},
    {"sidetag_stage_events_total", "Events through each pipeline stage, by stage and outcome"},
    {"sidetag_stage_duration_seconds", "Time spent in each pipeline stage"},
    {"sidetag_dispatch_batches_total", "Graph API requests, by pixel and result (ok, transient, throttled, config, data, sandbox)"},
    {"sidetag_dispatch_events_total", "Events by final dispatch outcome (delivered, dead_lettered, sandbox)"},
    {"sidetag_dispatch_batch_size", "Events per Graph API request"},
    {"sidetag_dispatch_latency_seconds", "Time from acceptance to Meta's 2xx"},
    {"sidetag_dispatch_queue_events", "Events waiting for dispatch"},
    {"sidetag_dispatch_retries_total", "Graph API request retries, by reason"},
    {"sidetag_dispatch_connections_opened_total", "Connections opened to the Graph API"},
    {"sidetag_pixel_paused", "1 while a pixel's queue is paused by a configuration error (bad token, permission)"},
    {"sidetag_config_reloads_total", "Configuration reloads by result"},
};
const char* help_for(const std::string& name) {
  for (const auto& f : kCatalogue) {
    if (name == f.name) return f.help;
  }
  return "sidetag metric";
}
const std::vector<double> kSecondsBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                             0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5, 10, 30};
const std::vector<double> kSizeBuckets = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000};

std::string fmt_double(double v) {
  if (std::isinf(v)) return "+Inf";
  std::ostringstream ss;
  ss.precision(10);
  ss << v;
  return ss.str();
}

std::string with_labels(const std::string& name, const std::string& labels, const std::string& extra = {}) {
  std::string all = labels;
  if (!extra.empty()) all += all.empty() ? extra : "," + extra;
  return all.empty() ? name : name + "{" + all + "}";
}
}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1) {}

void Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<std::uint64_t>(v * 1e6), std::memory_order_relaxed);
}

void Histogram::snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const {
  cumulative.assign(buckets_.size(), 0);
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    cumulative[i] = acc;
  }
  count = acc;
  sum = static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

Counter& Registry::counter(const std::string& family, const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& f = families_[family];
  f.type = "counter";
  auto& slot = f.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& family, const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& f = families_[family];
  f.type = "gauge";
  auto& slot = f.gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& family, const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& f = families_[family];
  f.type = "histogram";
  auto& slot = f.histograms[labels];
  if (!slot) {
    const bool is_size = family.find("_size") != std::string::npos;
    slot = std::make_unique<Histogram>(is_size ? kSizeBuckets : kSecondsBuckets);
  }
  return *slot;
}

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, f] : families_) {
    out << "# HELP " << name << ' ' << help_for(name) << '\n';
    out << "# TYPE " << name << ' ' << f.type << '\n';
    for (const auto& [labels, c] : f.counters) out << with_labels(name, labels) << ' ' << c->value() << '\n';
    for (const auto& [labels, g] : f.gauges) out << with_labels(name, labels) << ' ' << g->value() << '\n';
    for (const auto& [labels, h] : f.histograms) {
      std::vector<std::uint64_t> cum;
      double sum = 0;
      std::uint64_t count = 0;
      h->snapshot(cum, sum, count);
      const auto& b = h->bounds();
      for (std::size_t i = 0; i < cum.size(); ++i) {
        std::string le = i < b.size() ? fmt_double(b[i]) : "+Inf";
        out << with_labels(name + "_bucket", labels, "le=\"" + le + "\"") << ' ' << cum[i] << '\n';
      }
      out << with_labels(name + "_sum", labels) << ' ' << fmt_double(sum) << '\n';
      out << with_labels(name + "_count", labels) << ' ' << count << '\n';
    }
  }
  return out.str();
}

Registry& metrics() {
  static Registry r;
  return r;
}

std::string label(const std::string& name, const std::string& value) {
  std::string out = name + "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace sidetag::observe
