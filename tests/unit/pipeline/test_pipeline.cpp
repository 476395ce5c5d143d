#include <gtest/gtest.h>

#include <stdexcept>

#include "sidetag/pipeline/runner.hpp"

using namespace sidetag::pipeline;

TEST(Traceparent, ParsesValidHeader) {
  std::string tid, pid;
  ASSERT_TRUE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tid, pid));
  EXPECT_EQ(tid, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(pid, "00f067aa0ba902b7");
}

TEST(Traceparent, RejectsMalformed) {
  std::string tid, pid;
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                          "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"}) {
    EXPECT_FALSE(parse_traceparent(bad, tid, pid)) << bad;
  }
  // A future version may append fields.
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more", tid, pid));
}

TEST(TraceId, RandomHex128) {
  auto a = new_trace_id();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, new_trace_id());
}

namespace {
class FixedStage : public Stage {
 public:
  FixedStage(std::string name, StageResult r, int* calls) : name_(std::move(name)), r_(std::move(r)), calls_(calls) {}
  std::string_view name() const override { return name_; }
  StageResult run(Event&, const StageContext&) override {
    ++*calls_;
    return r_;
  }

 private:
  std::string name_;
  StageResult r_;
  int* calls_;
};
class ThrowingStage : public Stage {
 public:
  std::string_view name() const override { return "boom"; }
  StageResult run(Event&, const StageContext&) override { throw std::runtime_error("bug"); }
};
struct CountingObserver : RunnerObserver {
  int stages = 0, done = 0;
  void on_stage(const Event&, const StageRecord&) override { ++stages; }
  void on_event_done(const Event&) override { ++done; }
};
}  // namespace

TEST(Runner, RunsStagesInOrderAndRecordsEach) {
  int a = 0, b = 0;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<FixedStage>("prep", StageResult::ok("x"), &a));
  stages.push_back(std::make_unique<FixedStage>("enrich", StageResult::skipped("off"), &b));
  CountingObserver obs;
  Runner r(std::move(stages), &obs);
  Event ev;
  EXPECT_TRUE(r.run(ev, {}));
  ASSERT_EQ(ev.trace.stages.size(), 2u);
  EXPECT_EQ(ev.trace.stages[0].stage, "prep");
  EXPECT_EQ(ev.trace.stages[0].detail, "x");
  EXPECT_EQ(ev.trace.stages[1].outcome, Outcome::skipped);
  EXPECT_GE(ev.trace.stages[0].duration_us, 0);
  EXPECT_EQ(obs.stages, 2);
  EXPECT_EQ(obs.done, 1);
}

TEST(Runner, StopEndsTheEventWithReason) {
  int a = 0, b = 0;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<FixedStage>("validate", StageResult::stop("no value"), &a));
  stages.push_back(std::make_unique<FixedStage>("dispatch", StageResult::ok(), &b));
  Runner r(std::move(stages), nullptr);
  Event ev;
  EXPECT_FALSE(r.run(ev, {}));
  EXPECT_TRUE(ev.stopped);
  EXPECT_EQ(ev.stop_stage, "validate");
  EXPECT_EQ(ev.stop_reason, "no value");
  EXPECT_EQ(b, 0);
}

TEST(Runner, StageExceptionBecomesAnErrorNotACrash) {
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<ThrowingStage>());
  Runner r(std::move(stages), nullptr);
  Event ev;
  EXPECT_FALSE(r.run(ev, {}));
  EXPECT_EQ(ev.trace.stages[0].outcome, Outcome::error);
  EXPECT_EQ(ev.stop_reason, "internal error: bug");
}
