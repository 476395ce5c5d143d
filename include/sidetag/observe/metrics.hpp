#pragma once
// Prometheus metric primitives: counters, gauges and histograms, grouped into families with fixed label names,
// rendered in the text exposition format. The families sidetag exposes are declared once, in observe/stats.hpp;
// this header is the machinery behind that list.
//
// A family resolves a series (one combination of label values) with `with(...)`, which takes the family's lock:
// resolve at start (bounded labels) or once per configuration load (pixel, source) and keep the reference. An
// increment on a resolved series is one relaxed atomic add.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sidetag::observe {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class Gauge {
 public:
  void set(std::int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);
  void observe(double v);
  std::span<const double> bounds() const { return bounds_; }
  // Snapshot: cumulative bucket counts (one per bound, then +Inf), sum, count.
  void snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const;

 private:
  std::span<const double> bounds_;  // static bucket tables (see Buckets)
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micro_{0};  // sum * 1e6, integer so it can be atomic
};

enum class Kind { counter, gauge, histogram };
const char* to_string(Kind k);
// Histogram bucket tables: seconds (latencies, 50 µs .. 30 s) and size (counts per batch, 1 .. 1000).
enum class Buckets { none, seconds, size };
std::span<const double> bucket_bounds(Buckets b);

// name="value" with the value escaped for the exposition format.
std::string label(std::string_view name, std::string_view value);

// The untyped part of a family: name, help, type, label names and the series, keyed by their label text
// (`route="/v1/events",status="200"`, label names in declaration order).
class FamilyBase {
 public:
  FamilyBase(std::string_view name, std::string_view help, Kind kind, Buckets buckets,
             std::span<const std::string_view> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  std::string_view name() const { return name_; }
  std::string_view help() const { return help_; }
  Kind kind() const { return kind_; }
  std::span<const std::string_view> label_names() const { return label_names_; }
  // Appends # HELP, # TYPE and every series.
  void render(std::string& out) const;
  // The label text of a combination of values, in this family's label order.
  std::string label_text(std::span<const std::string_view> values) const;

 protected:
  Counter& counter_at(const std::string& labels);
  Gauge& gauge_at(const std::string& labels);
  Histogram& histogram_at(const std::string& labels);

 private:
  friend class Registry;
  std::string_view name_, help_;
  Kind kind_;
  Buckets buckets_;
  std::span<const std::string_view> label_names_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Counter>> counters_;
  std::map<std::string, std::unique_ptr<Gauge>> gauges_;
  std::map<std::string, std::unique_ptr<Histogram>> histograms_;
};

template <class Metric, std::size_t N>
class Family final : public FamilyBase {
 public:
  Family(std::string_view name, std::string_view help, Buckets buckets, std::array<std::string_view, N> labels)
      : FamilyBase(name, help, kind_of(), buckets, labels_), labels_(labels) {}

  // Resolves one series (takes the family's lock): at start or per configuration load, never per event.
  template <class... V>
  Metric& with(const V&... values) {
    static_assert(sizeof...(V) == N, "one value per label of the family");
    const std::array<std::string_view, N> v{std::string_view(values)...};
    return at(label_text(v));
  }
  // The series without labels (families declared without labels).
  Metric& get() {
    static_assert(N == 0, "this family has labels: use with(...)");
    return at(std::string());
  }

 private:
  static constexpr Kind kind_of() {
    if constexpr (std::is_same_v<Metric, Counter>) return Kind::counter;
    else if constexpr (std::is_same_v<Metric, Gauge>) return Kind::gauge;
    else return Kind::histogram;
  }
  Metric& at(const std::string& labels) {
    if constexpr (std::is_same_v<Metric, Counter>) return counter_at(labels);
    else if constexpr (std::is_same_v<Metric, Gauge>) return gauge_at(labels);
    else return histogram_at(labels);
  }
  // The base keeps a span over this array, filled right after the base is built (the base never reads it then).
  std::array<std::string_view, N> labels_;
};

template <std::size_t N> using CounterFamily = Family<Counter, N>;
template <std::size_t N> using GaugeFamily = Family<Gauge, N>;
template <std::size_t N> using HistogramFamily = Family<Histogram, N>;

template <class... T>
constexpr std::size_t label_count(const T&...) { return sizeof...(T); }

}  // namespace sidetag::observe
