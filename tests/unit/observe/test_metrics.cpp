#include <gtest/gtest.h>

#include "sidetag/observe/metrics.hpp"

using namespace sidetag::observe;

TEST(Metrics, RendersPrometheusText) {
  Registry r;
  r.counter("sidetag_http_requests_total", label("route", "/v1/events") + ",status=\"200\"").inc(3);
  r.gauge("sidetag_dispatch_queue_events").set(7);
  auto& h = r.histogram("sidetag_stage_duration_seconds", label("stage", "prep"));
  h.observe(0.0002);
  h.observe(3);
  auto text = r.render();
  EXPECT_NE(text.find("# TYPE sidetag_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_http_requests_total{route=\"/v1/events\",status=\"200\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_dispatch_queue_events 7\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_stage_duration_seconds_bucket{stage=\"prep\",le=\"0.00025\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_stage_duration_seconds_bucket{stage=\"prep\",le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_stage_duration_seconds_count{stage=\"prep\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sidetag_stage_duration_seconds_sum{stage=\"prep\"} 3.0002\n"), std::string::npos);
}

TEST(Metrics, LabelEscaping) { EXPECT_EQ(label("a", "x\"y\\z\n"), "a=\"x\\\"y\\\\z\\n\""); }
