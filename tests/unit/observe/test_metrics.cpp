#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "sidetag/observe/stats.hpp"

using namespace sidetag::observe;

TEST(Metrics, RendersPrometheusText) {
  Stats s;  // a private set of families, as the process has one
  s.http_requests_total.with("/v1/events", "200").inc(3);
  s.dispatch_queue_events.get().set(7);
  auto& h = s.stage_duration_seconds.with("prep");
  h.observe(0.0002);
  h.observe(3);
  auto text = s.render();
  EXPECT_NE(text.find("# TYPE sidetag_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_http_requests_total{route=\"/v1/events\",status=\"200\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_dispatch_queue_events 7\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE sidetag_dispatch_queue_events gauge\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_stage_duration_seconds_bucket{stage=\"prep\",le=\"0.00025\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_stage_duration_seconds_bucket{stage=\"prep\",le=\"5e-05\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_stage_duration_seconds_bucket{stage=\"prep\",le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_stage_duration_seconds_count{stage=\"prep\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_stage_duration_seconds_sum{stage=\"prep\"} 3.0002\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE sidetag_stage_duration_seconds histogram\n"), std::string::npos);
}

TEST(Metrics, ASeriesIsResolvedOnceAndSharedWithTheStringPath) {
  Stats s;
  Counter& a = s.dispatch_batches_total.with("123", "ok");
  Counter& b = s.dispatch_batches_total.with("123", "ok");
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &s.dispatch_batches_total.with("123", "data"));
  Registry r(s);
  EXPECT_EQ(&a, &r.counter("sidetag_dispatch_batches_total", "pixel=\"123\",result=\"ok\""));
}

TEST(Metrics, LabelEscaping) {
  EXPECT_EQ(label("a", "x\"y\\z\n"), "a=\"x\\\"y\\\\z\\n\"");
  Stats s;
  s.events_received_total.with("we\"ird").inc();
  EXPECT_NE(s.render().find("sidetag_events_received_total{source=\"we\\\"ird\"} 1\n"), std::string::npos);
}

TEST(Metrics, UnknownFamilyOnTheStringPathAborts) {
  Stats s;
  Registry r(s);
  EXPECT_DEATH(r.counter("sidetag_no_such_family_total"), "not in the catalogue");
  EXPECT_DEATH(r.gauge("sidetag_http_requests_total"), "not in the catalogue");  // a counter, asked as a gauge
}

// The catalogue itself: valid, unique Prometheus names, help text for each, and every family rendered with its
// HELP and TYPE before any sample exists (the integration catalogue test checks that the suite emits each one).
TEST(StatsCatalogue, EveryFamilyIsWellFormedAndRendered) {
  Stats s;
  const std::regex name_re("sidetag_[a-z][a-z0-9_]*[a-z0-9]");
  const std::regex label_re("[a-z][a-z0-9_]*");
  std::set<std::string> names;
  const auto text = s.render();
  for (const auto* f : s.catalogue()) {
    const std::string name(f->name());
    EXPECT_TRUE(std::regex_match(name, name_re)) << name;
    EXPECT_TRUE(names.insert(name).second) << "declared twice: " << name;
    EXPECT_GE(f->help().size(), 15u) << name;
    if (f->kind() == Kind::counter) EXPECT_TRUE(name.ends_with("_total")) << name;
    if (f->kind() != Kind::counter) EXPECT_FALSE(name.ends_with("_total")) << name;
    std::set<std::string> labels;
    for (auto l : f->label_names()) {
      EXPECT_TRUE(std::regex_match(std::string(l), label_re)) << name << ": " << l;
      EXPECT_NE(l, "le") << name;
      EXPECT_TRUE(labels.insert(std::string(l)).second) << name << ": label twice";
    }
    EXPECT_NE(text.find("# HELP " + name + " " + std::string(f->help()) + "\n"), std::string::npos) << name;
    EXPECT_NE(text.find("# TYPE " + name + " " + to_string(f->kind()) + "\n"), std::string::npos) << name;
  }
  EXPECT_GE(names.size(), 20u);
}
