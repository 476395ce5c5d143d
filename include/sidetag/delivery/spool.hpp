#pragma once
// Disk spool: the durable queue behind `delivery.durability: disk`. Pure (no Asio): one writer thread.
//
// Layout: append-only segment files `seg-<first seq, 20 digits>.log` under spool_dir. Each frame is
//   u32 little-endian payload length | u32 little-endian CRC-32 of (type byte + payload) | u8 type | payload
// with type 'A' (append: u64 seq + record bytes) or 'K' (acknowledgement tombstone: n x u64 seq). A torn last
// frame (crash mid-write) fails its length or CRC check and is ignored on replay, as is everything after it in
// that segment.
//
// Group commit: append() only queues the frame; the writer thread writes everything queued within one
// fsync_interval_ms window with a single write + fdatasync, then calls each caller's `done(true, "")` (the record
// is durable). A failed write (disk full, quota) is rolled back (truncate), every caller of that window gets
// `done(false, error)`, and the spool reports unhealthy until a later write succeeds.
//
// Acknowledgements (delivered or dead-lettered) are written as tombstones in the same way (no caller waits on
// them: a lost acknowledgement only means one more delivery with the same event_id, which Meta deduplicates).
// A segment is deleted once every record in it is acknowledged and no live record depends on its tombstones.
// On open, the unacknowledged records of every segment are replayed (returned) and compacted into one new
// segment with fresh sequence numbers; the old segments are then deleted.
//
// The record bytes are opaque here; the dispatcher stores pixel_id, test_event_code, trace_id and the event,
// never the access token (resolved from the current configuration when the record is sent).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sidetag::delivery {

struct SpoolOptions {
  std::string dir;
  int fsync_interval_ms = 5;
  std::size_t segment_bytes = 32 * 1024 * 1024;  // roll to a new segment past this size
  // Soft quota on the bytes the spool may occupy (0: none). Over it, appends fail like a full disk.
  std::uint64_t max_disk_bytes = 0;
};

struct SpoolRecord {
  std::uint64_t seq = 0;
  std::string data;
};

struct SpoolStats {
  std::uint64_t appended = 0;       // records committed
  std::uint64_t acked = 0;          // acknowledgements written
  std::uint64_t fsyncs = 0;         // group commits
  std::uint64_t failed_appends = 0; // appends refused (disk full, quota)
  std::uint64_t live_records = 0;   // unacknowledged
  std::uint64_t disk_bytes = 0;     // bytes in segment files
  std::size_t segments = 0;
  std::uint64_t replayed = 0;       // records returned by open()
  std::uint64_t torn_bytes = 0;     // bytes ignored on open (torn or corrupt frames)
};

using CommitCallback = std::function<void(bool ok, const std::string& error)>;

class Spool {
 public:
  // Opens (creating the folder), replays and compacts. Returns null with `error` set when the folder is unusable.
  static std::unique_ptr<Spool> open(const SpoolOptions& options, std::vector<SpoolRecord>& replay, std::string& error);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Queues a record; returns its sequence number. `done` runs on the writer thread once the record is durable or
  // the write failed. Thread-safe.
  std::uint64_t append(std::string data, CommitCallback done);
  // Marks a record delivered or dead-lettered. Thread-safe; idempotent.
  void ack(std::uint64_t seq);
  // False after a failed write (disk full) until a write succeeds again.
  bool healthy() const;
  std::string last_error() const;
  SpoolStats stats() const;
  // Writes and syncs everything queued, then stops the writer. Further appends fail. Idempotent.
  void close();

 private:
  Spool() = default;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// CRC-32 (IEEE 802.3, as zlib), exposed for tests.
std::uint32_t crc32(const void* data, std::size_t n, std::uint32_t crc = 0);

}  // namespace sidetag::delivery
