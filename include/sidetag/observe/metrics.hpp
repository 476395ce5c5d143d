#pragma once
// Prometheus metrics: counters and histograms with labels, rendered in the text exposition format.
// Families are described once (name, help, type) in observe/metrics.cpp's catalogue; callers cache the
// Counter&/Histogram& they use on hot paths (lookups take a lock, increments do not).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
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
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Snapshot: cumulative bucket counts (one per bound, then +Inf), sum, count.
  void snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micro_{0};  // sum * 1e6, integer so it can be atomic
};

class Registry {
 public:
  // labels: Prometheus label text without braces, e.g. route="/v1/events",status="200". Values are escaped by
  // label() below.
  Counter& counter(const std::string& family, const std::string& labels = {});
  Gauge& gauge(const std::string& family, const std::string& labels = {});
  Histogram& histogram(const std::string& family, const std::string& labels = {});
  std::string render() const;

 private:
  struct Family {
    std::string type;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// One process-wide registry.
Registry& metrics();
// name="value" with the value escaped for the exposition format.
std::string label(const std::string& name, const std::string& value);

}  // namespace sidetag::observe
