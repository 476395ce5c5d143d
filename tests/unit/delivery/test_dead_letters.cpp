#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sidetag/delivery/dead_letters.hpp"

namespace fs = std::filesystem;
using namespace sidetag::delivery;
using nlohmann::json;

TEST(DeadLetters, AppendReadRewrite) {
  const fs::path dir = fs::temp_directory_path() / ("sidetag-dlq-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string path = (dir / "sub" / "dl.ndjson").string();
  std::string error;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(dlq_append(path, {{"id", "id" + std::to_string(i)}, {"ts_us", 1000 + i}, {"reason", "r"}}, error)) << error;
  }
  {
    std::ofstream out(path, std::ios::app);
    out << "not json\n";
  }
  std::size_t bad = 0;
  auto recs = dlq_read(path, &bad);
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(bad, 1u);
  EXPECT_EQ(recs[2]["id"], "id2");
  std::size_t removed = 0;
  ASSERT_TRUE(dlq_rewrite(path, [](const json& r) { return r["ts_us"].get<int>() >= 1003; }, removed, error)) << error;
  EXPECT_EQ(removed, 3u);
  recs = dlq_read(path, &bad);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["id"], "id3");
  EXPECT_EQ(bad, 1u) << "unreadable lines are kept, never silently dropped";
  fs::remove_all(dir);
}

TEST(DeadLetters, TimeArguments) {
  std::int64_t us = 0;
  const std::int64_t now = 1'800'000'000LL * 1'000'000;
  ASSERT_TRUE(parse_time_arg("2026-11-26T10:00:00Z", now, us));
  EXPECT_EQ(us, 1795687200LL * 1'000'000);
  ASSERT_TRUE(parse_time_arg("2026-11-26", now, us));
  EXPECT_EQ(us, 1795651200LL * 1'000'000);
  ASSERT_TRUE(parse_time_arg("2026-11-26T10:00:00.5Z", now, us));
  EXPECT_EQ(us, 1795687200LL * 1'000'000 + 500'000);
  ASSERT_TRUE(parse_time_arg("1795687200", now, us));
  EXPECT_EQ(us, 1795687200LL * 1'000'000);
  ASSERT_TRUE(parse_time_arg("30m", now, us));
  EXPECT_EQ(us, now - 1800LL * 1'000'000);
  ASSERT_TRUE(parse_time_arg("7d", now, us));
  EXPECT_EQ(us, now - 7 * 86400LL * 1'000'000);
  EXPECT_FALSE(parse_time_arg("yesterday", now, us));
  EXPECT_FALSE(parse_time_arg("2026-11-26T10:00:00+02:00", now, us));
  EXPECT_EQ(dlq_record_time_us({{"ts", "2026-11-26T10:00:00.000001Z"}}), 1795687200LL * 1'000'000 + 1);
}
