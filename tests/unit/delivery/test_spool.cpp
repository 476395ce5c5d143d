// The disk spool: group commit, acknowledgements, segment deletion, replay, torn and corrupt tails, quota.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "sidetag/delivery/spool.hpp"
#include "sidetag/destinations/meta/dispatcher.hpp"

namespace fs = std::filesystem;
using namespace sidetag::delivery;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("sidetag-spool-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

// Waits for n commit callbacks.
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  int ok = 0, failed = 0;
  std::string last_error;
  CommitCallback cb() {
    return [this](bool good, const std::string& e) {
      std::lock_guard lock(mu);
      good ? ++ok : ++failed;
      if (!good) last_error = e;
      cv.notify_all();
    };
  }
  bool wait(int n, int timeout_ms = 5000) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return ok + failed >= n; });
  }
};

std::unique_ptr<Spool> open_spool(const SpoolOptions& o, std::vector<SpoolRecord>& replay) {
  std::string error;
  auto s = Spool::open(o, replay, error);
  EXPECT_TRUE(s) << error;
  return s;
}

std::vector<fs::path> segments(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& de : fs::directory_iterator(dir)) {
    if (de.path().filename().string().rfind("seg-", 0) == 0) out.push_back(de.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> datas(const std::vector<SpoolRecord>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.data);
  return out;
}

}  // namespace

TEST(Crc32, KnownVector) {
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);  // the standard check value
  EXPECT_EQ(crc32("6789", 4, crc32("12345", 5)), 0xCBF43926u);  // records chain the type byte and the payload
  EXPECT_EQ(crc32("", 0), 0u);
}

TEST(Spool, AppendsAreDurableWhenToldAndReplayedUnlessAcknowledged) {
  TempDir d;
  SpoolOptions o{d.path.string(), 5};
  std::vector<SpoolRecord> replay;
  std::vector<std::uint64_t> seqs;
  {
    auto s = open_spool(o, replay);
    ASSERT_TRUE(replay.empty());
    Waiter w;
    for (int i = 0; i < 100; ++i) seqs.push_back(s->append("record-" + std::to_string(i), w.cb()));
    ASSERT_TRUE(w.wait(100));
    EXPECT_EQ(w.ok, 100);
    // Sequence numbers are distinct and increasing.
    for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_GT(seqs[i], seqs[i - 1]);
    // Durable means on disk when the callback ran: the bytes are in the segment file.
    const std::string data = slurp(segments(d.path).back());
    EXPECT_NE(data.find("record-99"), std::string::npos);
    for (int i = 0; i < 100; i += 2) s->ack(seqs[i]);  // even ones delivered
    s->close();
    EXPECT_EQ(s->stats().live_records, 50u);
  }
  auto s = open_spool(o, replay);
  ASSERT_EQ(replay.size(), 50u);
  for (std::size_t i = 0; i < replay.size(); ++i) EXPECT_EQ(replay[i].data, "record-" + std::to_string(2 * i + 1));
  EXPECT_EQ(s->stats().replayed, 50u);
  // The replayed records are compacted into one fresh segment and can be acknowledged by their new seqs.
  EXPECT_EQ(segments(d.path).size(), 1u);
  for (const auto& r : replay) s->ack(r.seq);
  s->close();
  std::vector<SpoolRecord> again;
  auto s2 = open_spool(o, again);
  EXPECT_TRUE(again.empty());
}

TEST(Spool, GroupCommitSharesOneFsyncPerWindow) {
  TempDir d;
  SpoolOptions o{d.path.string(), 50};
  std::vector<SpoolRecord> replay;
  auto s = open_spool(o, replay);
  Waiter w;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) s->append("t" + std::to_string(t) + "-" + std::to_string(i), w.cb());
    });
  }
  for (auto& t : ts) t.join();
  ASSERT_TRUE(w.wait(400));
  EXPECT_EQ(w.ok, 400);
  const auto st = s->stats();
  EXPECT_EQ(st.appended, 400u);
  EXPECT_GE(st.fsyncs, 1u);
  EXPECT_LE(st.fsyncs, 20u) << "400 appends within a few 50 ms windows must not cost one fsync each";
}

TEST(Spool, AckInTheSameWindowAsTheAppendIsHonoured) {
  TempDir d;
  SpoolOptions o{d.path.string(), 30};
  std::vector<SpoolRecord> replay;
  {
    auto s = open_spool(o, replay);
    Waiter w;
    auto a = s->append("delivered-before-fsync", w.cb());
    s->ack(a);  // a fast delivery can beat the group commit
    s->append("kept", w.cb());
    ASSERT_TRUE(w.wait(2));
    s->close();
  }
  auto s = open_spool(o, replay);
  EXPECT_EQ(datas(replay), std::vector<std::string>{"kept"});
}

TEST(Spool, TornLastRecordIsIgnoredOnReplay) {
  TempDir d;
  SpoolOptions o{d.path.string(), 0};
  std::vector<SpoolRecord> replay;
  {
    auto s = open_spool(o, replay);
    Waiter w;
    for (int i = 0; i < 10; ++i) s->append("r" + std::to_string(i) + std::string(50, 'x'), w.cb());
    ASSERT_TRUE(w.wait(10));
    s->close();
  }
  // A crash in the middle of the last write: cut the file inside the last frame.
  const auto seg = segments(d.path).back();
  const auto size = fs::file_size(seg);
  fs::resize_file(seg, size - 20);
  {
    auto s = open_spool(o, replay);
    ASSERT_EQ(replay.size(), 9u);
    EXPECT_EQ(replay.back().data, "r8" + std::string(50, 'x'));
    EXPECT_GT(s->stats().torn_bytes, 0u);
    // The spool keeps working after a torn tail; new records survive the next restart too.
    Waiter w;
    s->append("after", w.cb());
    ASSERT_TRUE(w.wait(1));
    s->close();
  }
  std::vector<SpoolRecord> again;
  auto s = open_spool(o, again);
  ASSERT_EQ(again.size(), 10u);
  EXPECT_EQ(again.back().data, "after");
}

TEST(Spool, TornHeaderAndGarbageTailAreIgnored) {
  TempDir d;
  SpoolOptions o{d.path.string(), 0};
  std::vector<SpoolRecord> replay;
  {
    auto s = open_spool(o, replay);
    Waiter w;
    for (int i = 0; i < 3; ++i) s->append("ok" + std::to_string(i), w.cb());
    ASSERT_TRUE(w.wait(3));
    s->close();
  }
  {
    // Only part of a frame header, then (another crash) garbage claiming a huge length.
    std::ofstream out(segments(d.path).back(), std::ios::app | std::ios::binary);
    out.write("\x05\x00\x00", 3);
  }
  auto s = open_spool(o, replay);
  EXPECT_EQ(datas(replay), (std::vector<std::string>{"ok0", "ok1", "ok2"}));
  EXPECT_EQ(s->stats().torn_bytes, 3u);
}

TEST(Spool, CorruptRecordFailsItsCrcAndIsNotReplayed) {
  TempDir d;
  SpoolOptions o{d.path.string(), 0};
  std::vector<SpoolRecord> replay;
  {
    auto s = open_spool(o, replay);
    Waiter w;
    s->append("first", w.cb());
    ASSERT_TRUE(w.wait(1));
    s->append("second-record", w.cb());
    ASSERT_TRUE(w.wait(2));
    s->close();
  }
  const auto seg = segments(d.path).back();
  std::string data = slurp(seg);
  const auto pos = data.find("second-record");
  ASSERT_NE(pos, std::string::npos);
  data[pos + 3] ^= 0x20;  // a flipped bit in the payload
  {
    std::ofstream out(seg, std::ios::binary | std::ios::trunc);
    out << data;
  }
  auto s = open_spool(o, replay);
  EXPECT_EQ(datas(replay), std::vector<std::string>{"first"});
  EXPECT_GT(s->stats().torn_bytes, 0u);
}

TEST(Spool, FullyAcknowledgedSegmentsAreDeleted) {
  TempDir d;
  SpoolOptions o{d.path.string(), 0, /*segment_bytes=*/1024};
  std::vector<SpoolRecord> replay;
  auto s = open_spool(o, replay);
  Waiter w;
  std::vector<std::uint64_t> seqs;
  for (int i = 0; i < 60; ++i) {
    seqs.push_back(s->append(std::string(100, 'a' + i % 26), w.cb()));
    ASSERT_TRUE(w.wait(i + 1));  // one window each, so the segments roll
  }
  EXPECT_GT(segments(d.path).size(), 3u);
  for (auto q : seqs) s->ack(q);
  // Acks are written by the next window.
  for (int i = 0; i < 200 && s->stats().live_records > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Waiter w2;
  s->append("tick", w2.cb());  // one more window after the acks, so collection has run
  ASSERT_TRUE(w2.wait(1));
  EXPECT_EQ(s->stats().live_records, 1u);
  EXPECT_LE(segments(d.path).size(), 2u) << "acknowledged segments must be deleted";
  EXPECT_LT(s->stats().disk_bytes, 2048u);
}

TEST(Spool, AnUnacknowledgedRecordKeepsOnlyWhatItNeeds) {
  TempDir d;
  SpoolOptions o{d.path.string(), 0, /*segment_bytes=*/512};
  std::vector<SpoolRecord> replay;
  {
    auto s = open_spool(o, replay);
    Waiter w;
    std::vector<std::uint64_t> seqs;
    for (int i = 0; i < 40; ++i) {
      seqs.push_back(s->append("rec-" + std::to_string(i) + std::string(60, '.'), w.cb()));
      ASSERT_TRUE(w.wait(i + 1));
    }
    // Everything but record 7 (think: a paused pixel) is delivered.
    for (int i = 0; i < 40; ++i) {
      if (i != 7) s->ack(seqs[i]);
    }
    s->close();
  }
  // No acknowledged record comes back (tombstones referring to a kept segment are kept with it).
  auto s = open_spool(o, replay);
  ASSERT_EQ(replay.size(), 1u);
  EXPECT_EQ(replay[0].data.substr(0, 6), "rec-7.");
}

TEST(Spool, QuotaFailsAppendsLikeAFullDiskAndRecoversAfterAcks) {
  TempDir d;
  SpoolOptions o{d.path.string(), 0};
  o.max_disk_bytes = 4096;
  std::vector<SpoolRecord> replay;
  auto s = open_spool(o, replay);
  std::vector<std::uint64_t> seqs;
  Waiter w;
  int n = 0;
  for (; n < 100; ++n) {
    seqs.push_back(s->append(std::string(200, 'z'), w.cb()));
    ASSERT_TRUE(w.wait(n + 1));
    if (w.failed) break;
  }
  ASSERT_EQ(w.failed, 1) << "the quota must refuse an append";
  EXPECT_FALSE(s->healthy());
  EXPECT_NE(w.last_error.find("quota"), std::string::npos);
  EXPECT_GT(w.ok, 5);
  // Delivered records free space: their tombstones are still written while appends are refused.
  for (std::size_t i = 0; i + 1 < seqs.size(); ++i) s->ack(seqs[i]);
  for (int i = 0; i < 200 && s->stats().live_records > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(s->stats().live_records, 0u);
  // Everything acknowledged: the space is reclaimed at once and new appends fit again, without a restart.
  for (int i = 0; i < 200 && s->stats().disk_bytes > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(s->stats().disk_bytes, 0u);
  Waiter w3;
  s->append("fits at runtime", w3.cb());
  ASSERT_TRUE(w3.wait(1));
  EXPECT_EQ(w3.ok, 1) << w3.last_error;
  EXPECT_TRUE(s->healthy());
  s->close();
  std::vector<SpoolRecord> again;
  auto s2 = open_spool(o, again);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].data, "fits at runtime");
  Waiter w2;
  s2->append("fits again", w2.cb());
  ASSERT_TRUE(w2.wait(1));
  EXPECT_EQ(w2.ok, 1);
  EXPECT_TRUE(s2->healthy());
}

TEST(Spool, SecondProcessCannotOpenTheSameDirectory) {
  TempDir d;
  SpoolOptions o{d.path.string(), 0};
  std::vector<SpoolRecord> replay;
  auto s = open_spool(o, replay);
  std::string error;
  auto other = Spool::open(o, replay, error);
  EXPECT_FALSE(other);
  EXPECT_NE(error.find("in use"), std::string::npos);
}

TEST(Spool, AppendAfterCloseFails) {
  TempDir d;
  SpoolOptions o{d.path.string(), 0};
  std::vector<SpoolRecord> replay;
  auto s = open_spool(o, replay);
  s->close();
  Waiter w;
  EXPECT_EQ(s->append("late", w.cb()), 0u);
  ASSERT_TRUE(w.wait(1));
  EXPECT_EQ(w.failed, 1);
}

TEST(SpoolRecordCodec, NeverStoresTheAccessToken) {
  using sidetag::destinations::meta::DispatchItem;
  using sidetag::destinations::meta::Dispatcher;
  DispatchItem item;
  item.pixel_id = "123";
  item.access_token = "EAAsecret-token-value";
  item.app_secret = "app-secret-value";
  item.test_event_code = "TEST1";
  item.trace_id = "abc";
  item.accepted_us = 42;
  item.event = {{"event_name", "Purchase"}, {"event_id", "e1"}};
  const std::string rec = Dispatcher::encode_record(item);
  EXPECT_EQ(rec.find("EAAsecret"), std::string::npos);
  EXPECT_EQ(rec.find("app-secret"), std::string::npos);
  DispatchItem back;
  ASSERT_TRUE(Dispatcher::decode_record(rec, back));
  EXPECT_EQ(back.pixel_id, "123");
  EXPECT_EQ(back.test_event_code, "TEST1");
  EXPECT_EQ(back.trace_id, "abc");
  EXPECT_EQ(back.accepted_us, 42);
  EXPECT_EQ(back.event, item.event);
  EXPECT_TRUE(back.access_token.empty());
  EXPECT_FALSE(Dispatcher::decode_record("not json", back));
}

TEST(SpoolRecordCodec, ConcatenatedRecordIsTheSameJsonAsTheObjectDump) {
  using sidetag::destinations::meta::DispatchItem;
  using sidetag::destinations::meta::Dispatcher;
  DispatchItem item;
  item.pixel_id = "12\"3";
  item.test_event_code = "";
  item.trace_id = "t\xc3\xa9\n";
  item.accepted_us = -7;
  item.event = {{"event_name", "Purchase"}, {"custom_data", {{"value", 1.5}, {"currency", "EUR"}}}};
  const nlohmann::json expected = {{"p", item.pixel_id}, {"t", item.test_event_code}, {"tr", item.trace_id},
                                   {"a", item.accepted_us}, {"e", item.event}};
  EXPECT_EQ(Dispatcher::encode_record(item), expected.dump());
  item.text = item.event.dump();  // as the dispatcher sets it: the event serialized once
  EXPECT_EQ(Dispatcher::encode_record(item), expected.dump());
}

TEST(CommitGroup, AnswersOnceAfterEveryCommitEvenWhenSomeCommitBeforeTheSeal) {
  using sidetag::destinations::meta::CommitGroup;
  CommitGroup g;
  int calls = 0;
  bool result = false;
  g.expect();
  g.committed(true, "");  // the first event is durable before the handler finished submitting
  g.expect();
  g.expect();
  g.seal([&](bool ok, const std::string&) {
    ++calls;
    result = ok;
  });
  EXPECT_EQ(calls, 0);
  g.committed(true, "");
  EXPECT_EQ(calls, 0) << "one commit still outstanding";
  g.committed(true, "");
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(result);

  CommitGroup f;
  std::string err;
  f.expect();
  f.expect();
  f.seal([&](bool ok, const std::string& e) {
    result = ok;
    err = e;
  });
  f.committed(false, "disk full");
  f.committed(true, "");
  EXPECT_FALSE(result);
  EXPECT_EQ(err, "disk full");

  CommitGroup none;  // memory durability: nothing expected, answered at seal
  bool fired = false;
  none.seal([&](bool ok, const std::string&) { fired = ok; });
  EXPECT_TRUE(fired);
}
