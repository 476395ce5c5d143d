#include "sidetag/observe/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "sidetag/observe/stats.hpp"

namespace sidetag::observe {

namespace {
constexpr double kSecondsBuckets[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                      0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
constexpr double kSizeBuckets[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000};

void append_double(std::string& out, double v) {
  if (std::isinf(v)) {
    out += "+Inf";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  out += buf;
}

void append_series(std::string& out, std::string_view name, std::string_view suffix, std::string_view labels,
                   std::string_view extra = {}) {
  out += name;
  out += suffix;
  if (labels.empty() && extra.empty()) return;
  out += '{';
  out += labels;
  if (!labels.empty() && !extra.empty()) out += ',';
  out += extra;
  out += '}';
}
}  // namespace

const char* to_string(Kind k) {
  switch (k) {
    case Kind::counter: return "counter";
    case Kind::gauge: return "gauge";
    case Kind::histogram: return "histogram";
  }
  return "untyped";
}

std::span<const double> bucket_bounds(Buckets b) {
  switch (b) {
    case Buckets::seconds: return kSecondsBuckets;
    case Buckets::size: return kSizeBuckets;
    case Buckets::none: break;
  }
  return {};
}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, v) * 1e6), std::memory_order_relaxed);
}

void Histogram::snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const {
  cumulative.assign(bounds_.size() + 1, 0);
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    cumulative[i] = acc;
  }
  count = acc;
  sum = static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

std::string label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
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

FamilyBase::FamilyBase(std::string_view name, std::string_view help, Kind kind, Buckets buckets,
                       std::span<const std::string_view> label_names)
    : name_(name), help_(help), kind_(kind), buckets_(buckets), label_names_(label_names) {}

std::string FamilyBase::label_text(std::span<const std::string_view> values) const {
  std::string out;
  for (std::size_t i = 0; i < values.size() && i < label_names_.size(); ++i) {
    if (i) out += ',';
    out += label(label_names_[i], values[i]);
  }
  return out;
}

Counter& FamilyBase::counter_at(const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& slot = counters_[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& FamilyBase::gauge_at(const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& slot = gauges_[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& FamilyBase::histogram_at(const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& slot = histograms_[labels];
  if (!slot) slot = std::make_unique<Histogram>(bucket_bounds(buckets_));
  return *slot;
}

void FamilyBase::render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  out += help_;
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += to_string(kind_);
  out += '\n';
  std::lock_guard lock(mu_);
  for (const auto& [labels, c] : counters_) {
    append_series(out, name_, "", labels);
    out += ' ' + std::to_string(c->value()) + '\n';
  }
  for (const auto& [labels, g] : gauges_) {
    append_series(out, name_, "", labels);
    out += ' ' + std::to_string(g->value()) + '\n';
  }
  std::vector<std::uint64_t> cum;
  for (const auto& [labels, h] : histograms_) {
    double sum = 0;
    std::uint64_t count = 0;
    h->snapshot(cum, sum, count);
    const auto b = h->bounds();
    for (std::size_t i = 0; i < cum.size(); ++i) {
      std::string le = "le=\"";
      if (i < b.size()) append_double(le, b[i]);
      else le += "+Inf";
      le += '"';
      append_series(out, name_, "_bucket", labels, le);
      out += ' ' + std::to_string(cum[i]) + '\n';
    }
    append_series(out, name_, "_sum", labels);
    out += ' ';
    append_double(out, sum);
    out += '\n';
    append_series(out, name_, "_count", labels);
    out += ' ' + std::to_string(count) + '\n';
  }
}

// ---- Stats -------------------------------------------------------------------------------------------------------

std::vector<const FamilyBase*> Stats::catalogue() const {
  std::vector<const FamilyBase*> out;
#define SIDETAG_STAT_ADDR_(name, ...) out.push_back(&name);
  SIDETAG_ALL_STATS(SIDETAG_STAT_ADDR_, SIDETAG_STAT_ADDR_, SIDETAG_STAT_ADDR_)
#undef SIDETAG_STAT_ADDR_
  return out;
}

FamilyBase* Stats::find(std::string_view name) {
  for (const auto* f : catalogue()) {
    if (f->name() == name) return const_cast<FamilyBase*>(f);
  }
  return nullptr;
}

std::string Stats::render() const {
  auto families = catalogue();
  std::sort(families.begin(), families.end(), [](const FamilyBase* a, const FamilyBase* b) { return a->name() < b->name(); });
  std::string out;
  out.reserve(16 * 1024);
  for (const auto* f : families) f->render(out);
  return out;
}

Stats& stats() {
  static Stats s;
  return s;
}

FamilyBase& Registry::family(const std::string& name, Kind kind) {
  FamilyBase* f = s_.find(name);
  if (!f || f->kind() != kind) {
    std::fprintf(stderr, "sidetag: metric family %s (%s) is not in the catalogue (observe/stats.hpp)\n", name.c_str(),
                 to_string(kind));
    std::abort();
  }
  return *f;
}

Counter& Registry::counter(const std::string& family_name, const std::string& labels) {
  return family(family_name, Kind::counter).counter_at(labels);
}
Gauge& Registry::gauge(const std::string& family_name, const std::string& labels) {
  return family(family_name, Kind::gauge).gauge_at(labels);
}
Histogram& Registry::histogram(const std::string& family_name, const std::string& labels) {
  return family(family_name, Kind::histogram).histogram_at(labels);
}

Registry& metrics() {
  static Registry r(stats());
  return r;
}

}  // namespace sidetag::observe
