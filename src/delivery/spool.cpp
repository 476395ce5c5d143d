#include "sidetag/delivery/spool.hpp"
#include "sidetag/util/thread_name.hpp"

#include <fcntl.h>
#include <zlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

namespace sidetag::delivery {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kHeader = 9;  // len u32, crc u32, type u8
constexpr std::uint32_t kMaxFrame = 64u * 1024 * 1024;
constexpr char kAppend = 'A';
constexpr char kAck = 'K';


void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// Appends one frame (type + payload) to out.
void frame(std::string& out, char type, const std::string& payload) {
  const char t = type;
  std::uint32_t crc = crc32(&t, 1);
  crc = crc32(payload.data(), payload.size(), crc);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  put_u32(out, crc);
  out.push_back(type);
  out += payload;
}

std::string segment_name(std::uint64_t id) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "seg-%020llu.log", static_cast<unsigned long long>(id));
  return buf;
}

bool parse_segment_name(const std::string& name, std::uint64_t& id) {
  if (name.size() != 28 || name.rfind("seg-", 0) != 0 || name.substr(24) != ".log") return false;
  id = 0;
  for (std::size_t i = 4; i < 24; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    id = id * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return true;
}

bool write_all(int fd, const char* p, std::size_t n, std::string& error) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

std::uint32_t crc32(const void* data, std::size_t n, std::uint32_t crc) {
  // zlib's slice-by-8 CRC-32 (the same IEEE polynomial, pre- and post-inverted, so values chain the same way):
  // a byte-at-a-time table loop was ~5 instructions per byte of every spooled event.
  while (n > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    crc = static_cast<std::uint32_t>(::crc32(crc, static_cast<const Bytef*>(data), chunk));
    data = static_cast<const unsigned char*>(data) + chunk;
    n -= chunk;
  }
  return crc;
}

struct Spool::Impl {
  SpoolOptions opt;
  int lock_fd = -1;

  struct Segment {
    std::string path;
    std::uint64_t bytes = 0;
    std::uint64_t live = 0;
    std::set<std::uint64_t> ack_refs;  // segments whose records this segment's tombstones acknowledge
  };
  // Writer-thread state (and open()).
  std::map<std::uint64_t, Segment> segments;  // by first seq
  std::uint64_t active_id = 0;
  int active_fd = -1;
  std::unordered_set<std::uint64_t> live;

  struct PendingAppend {
    std::uint64_t seq;
    std::string data;
    CommitCallback done;
  };
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<PendingAppend> appends;
  std::vector<std::uint64_t> acks;
  std::chrono::steady_clock::time_point first_pending{};
  std::uint64_t next_seq = 1;
  bool stopping = false;
  bool closed = false;
  bool is_healthy = true;
  bool last_write_failed = false;
  std::chrono::steady_clock::time_point failed_at{};
  std::string error_text;
  SpoolStats st;
  std::thread writer;

  ~Impl() {
    if (active_fd >= 0) ::close(active_fd);
    if (lock_fd >= 0) ::close(lock_fd);
  }

  std::uint64_t segment_of(std::uint64_t seq) const {
    auto it = segments.upper_bound(seq);
    if (it == segments.begin()) return 0;
    return std::prev(it)->first;
  }

  bool create_segment(std::uint64_t id, std::string& error) {
    const std::string path = (fs::path(opt.dir) / segment_name(id)).string();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      error = "cannot create " + path + ": " + std::strerror(errno);
      return false;
    }
    if (active_fd >= 0) ::close(active_fd);
    active_fd = fd;
    active_id = id;
    struct stat sb {};
    ::fstat(fd, &sb);
    Segment& s = segments[id];
    s.path = path;
    s.bytes = static_cast<std::uint64_t>(sb.st_size);
    sync_dir(opt.dir);
    return true;
  }

  std::uint64_t disk_bytes() const {
    std::uint64_t b = 0;
    for (const auto& [id, s] : segments) b += s.bytes;
    return b;
  }

  // Deletes segments that no longer hold anything needed for a replay.
  void collect() {
    bool changed = true, any = false;
    while (changed) {
      changed = false;
      for (auto it = segments.begin(); it != segments.end(); ++it) {
        if (it->first == active_id || it->second.live > 0) continue;
        bool refs_gone = true;
        for (auto r : it->second.ack_refs) {
          if (r != it->first && segments.count(r)) refs_gone = false;
        }
        if (!refs_gone) continue;
        ::unlink(it->second.path.c_str());
        segments.erase(it);
        changed = any = true;
        break;
      }
    }
    if (any) sync_dir(opt.dir);
    // The active segment itself: once nothing in it is needed, it is emptied in place (frees a full disk at once).
    if (auto it = segments.find(active_id); it != segments.end() && it->second.live == 0 && it->second.bytes > 0) {
      bool refs_gone = true;
      for (auto r : it->second.ack_refs) {
        if (r != active_id && segments.count(r)) refs_gone = false;
      }
      if (refs_gone && ::ftruncate(active_fd, 0) == 0) {
        ::fdatasync(active_fd);
        it->second.bytes = 0;
        it->second.ack_refs.clear();
      }
    }
  }

  // One group commit. Returns after callbacks ran.
  void commit(std::vector<PendingAppend> batch, std::vector<std::uint64_t> ack_batch, std::uint64_t next_seq_snapshot) {
    std::string error;
    // Roll to a new segment when the active one is full.
    if (segments.count(active_id) && segments[active_id].bytes >= opt.segment_bytes) {
      const std::uint64_t id = batch.empty() ? next_seq_snapshot : batch.front().seq;
      if (id > active_id) {
        std::string e;
        create_segment(id, e);  // on failure the old segment keeps growing
      }
    }
    Segment& seg = segments[active_id];
    std::string buf, payload;
    for (const auto& a : batch) {
      payload.clear();
      put_u64(payload, a.seq);
      payload += a.data;
      frame(buf, kAppend, payload);
    }
    bool appends_ok = true;
    if (!batch.empty() && opt.max_disk_bytes > 0 && disk_bytes() + buf.size() > opt.max_disk_bytes) {
      appends_ok = false;
      error = "spool quota exceeded (" + std::to_string(opt.max_disk_bytes) + " bytes): no space for new records";
      buf.clear();  // tombstones are still written: they free space
    }
    if (appends_ok) {
      for (const auto& a : batch) live.insert(a.seq);
    }
    // Tombstones only for records that exist (a failed append's seq may still be acknowledged by a delivery).
    // Appends of this window precede its tombstones in the file, so a tombstone never precedes its record.
    std::vector<std::uint64_t> acked;
    payload.clear();
    for (auto s : ack_batch) {
      if (!live.count(s)) continue;
      acked.push_back(s);
      put_u64(payload, s);
      if (payload.size() >= 8 * 4096) {
        frame(buf, kAck, payload);
        payload.clear();
      }
    }
    if (!payload.empty()) frame(buf, kAck, payload);

    bool write_ok = true;
    if (!buf.empty()) {
      struct stat sb {};
      const off_t before = ::fstat(active_fd, &sb) == 0 ? sb.st_size : static_cast<off_t>(seg.bytes);
      std::string werr;
      write_ok = write_all(active_fd, buf.data(), buf.size(), werr);
      if (write_ok && ::fdatasync(active_fd) != 0) {
        write_ok = false;
        werr = std::string("fdatasync: ") + std::strerror(errno);
      }
      if (!write_ok) {
        // Roll back whatever part made it, so the segment never ends in a half-written window (replay's CRC check
        // would ignore it anyway).
        if (::ftruncate(active_fd, before) != 0) {
        }
        if (error.empty()) error = "spool write failed: " + werr;
      }
    }
    const bool ok = appends_ok && write_ok;
    if (write_ok) {
      seg.bytes += buf.size();
      if (appends_ok) seg.live += batch.size();
      for (auto s : acked) {
        live.erase(s);
        const auto sid = segment_of(s);
        if (auto it = segments.find(sid); it != segments.end() && it->second.live > 0) --it->second.live;
        seg.ack_refs.insert(sid);
      }
      collect();
    } else if (appends_ok) {
      for (const auto& a : batch) live.erase(a.seq);
    }
    {
      std::lock_guard lock(mu);
      if (ok) {
        st.appended += batch.size();
        if (!batch.empty()) is_healthy = true;
      } else {
        st.failed_appends += batch.size();
        if (!batch.empty()) {
          is_healthy = false;
          error_text = error;
          failed_at = std::chrono::steady_clock::now();
        }
      }
      if (write_ok) {
        st.acked += acked.size();
        if (!buf.empty()) ++st.fsyncs;
      } else {
        // Tombstones that could not be written are retried with the next window.
        for (auto s : acked) acks.push_back(s);
      }
      last_write_failed = !write_ok;
      st.live_records = live.size();
      st.disk_bytes = disk_bytes();
      st.segments = segments.size();
    }
    for (auto& a : batch) {
      if (a.done) a.done(ok, ok ? std::string() : error);
    }
  }

  void run() {
    const auto interval = std::chrono::milliseconds(std::max(0, opt.fsync_interval_ms));
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return stopping || !appends.empty() || !acks.empty(); });
      if (!stopping) {
        // The group-commit window: everything appended until first_pending + interval shares one fsync.
        auto until = (appends.empty() ? std::chrono::steady_clock::now() : first_pending) + interval;
        // After a failed write (disk full) retry at most every 100 ms instead of spinning.
        if (last_write_failed) until = std::max(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
        cv.wait_until(lock, until, [&] { return stopping; });
      }
      if (appends.empty() && acks.empty()) {
        if (stopping) break;
        continue;
      }
      auto batch = std::move(appends);
      auto ack_batch = std::move(acks);
      appends.clear();
      acks.clear();
      const std::uint64_t snap = next_seq;
      lock.unlock();
      commit(std::move(batch), std::move(ack_batch), snap);
      lock.lock();
    }
  }
};

std::unique_ptr<Spool> Spool::open(const SpoolOptions& options, std::vector<SpoolRecord>& replay, std::string& error) {
  auto impl = std::make_shared<Impl>();
  impl->opt = options;
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) {
    error = "cannot create spool_dir " + options.dir + ": " + ec.message();
    return nullptr;
  }
  const std::string lock_path = (fs::path(options.dir) / "LOCK").string();
  impl->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (impl->lock_fd < 0) {
    error = "cannot open " + lock_path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (::flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    error = "spool_dir " + options.dir + " is in use by another sidetag process";
    return nullptr;
  }
  // Read every segment in order: appends add records, tombstones remove them.
  std::vector<std::pair<std::uint64_t, std::string>> files;
  for (const auto& de : fs::directory_iterator(options.dir, ec)) {
    std::uint64_t id;
    if (de.is_regular_file() && parse_segment_name(de.path().filename().string(), id)) files.emplace_back(id, de.path().string());
  }
  std::sort(files.begin(), files.end());
  std::map<std::uint64_t, std::string> records;
  std::uint64_t max_seq = 0, torn = 0;
  for (const auto& [id, path] : files) {
    max_seq = std::max(max_seq, id);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = "cannot read " + path + ": " + std::strerror(errno);
      return nullptr;
    }
    std::string data;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    std::size_t off = 0;
    while (off + kHeader <= data.size()) {
      const std::uint32_t len = get_u32(data.data() + off);
      const std::uint32_t crc = get_u32(data.data() + off + 4);
      if (len > kMaxFrame || off + kHeader + len > data.size()) break;
      const char* body = data.data() + off + 8;  // type byte + payload
      if (crc32(body, 1 + len) != crc) break;
      const char type = body[0];
      const char* p = body + 1;
      if (type == kAppend && len >= 8) {
        const std::uint64_t seq = get_u64(p);
        records[seq] = std::string(p + 8, len - 8);
        max_seq = std::max(max_seq, seq);
      } else if (type == kAck && len % 8 == 0) {
        for (std::uint32_t i = 0; i < len; i += 8) records.erase(get_u64(p + i));
      } else {
        break;
      }
      off += kHeader + len;
    }
    torn += data.size() - off;
  }
  impl->next_seq = max_seq + 1;
  // Compact: the live records move into one fresh segment with new sequence numbers; the old segments go.
  if (!impl->create_segment(impl->next_seq, error)) return nullptr;
  std::string buf, payload;
  for (auto& [old_seq, data] : records) {
    SpoolRecord r;
    r.seq = impl->next_seq++;
    r.data = std::move(data);
    payload.clear();
    put_u64(payload, r.seq);
    payload += r.data;
    frame(buf, kAppend, payload);
    impl->live.insert(r.seq);
    replay.push_back(std::move(r));
  }
  if (!buf.empty()) {
    if (!write_all(impl->active_fd, buf.data(), buf.size(), error) || ::fdatasync(impl->active_fd) != 0) {
      if (error.empty()) error = std::strerror(errno);
      error = "cannot compact the spool into " + impl->segments[impl->active_id].path + ": " + error;
      return nullptr;
    }
  }
  auto& seg = impl->segments[impl->active_id];
  seg.bytes += buf.size();
  seg.live = replay.size();
  for (const auto& [id, path] : files) {
    if (id != impl->active_id) ::unlink(path.c_str());
  }
  sync_dir(options.dir);
  impl->st.replayed = replay.size();
  impl->st.torn_bytes = torn;
  impl->st.live_records = impl->live.size();
  impl->st.disk_bytes = impl->disk_bytes();
  impl->st.segments = impl->segments.size();
  impl->writer = std::thread([i = impl.get()] {
    util::name_this_thread("st-spool");
    i->run();
  });
  std::unique_ptr<Spool> s(new Spool());
  s->impl_ = impl;
  return s;
}

Spool::~Spool() { close(); }

std::uint64_t Spool::append(std::string data, CommitCallback done) {
  std::unique_lock lock(impl_->mu);
  if (impl_->closed || impl_->stopping) {
    lock.unlock();
    if (done) done(false, "spool closed");
    return 0;
  }
  const std::uint64_t seq = impl_->next_seq++;
  // Only an idle writer (nothing queued) needs waking: one that is inside its group-commit window or committing
  // looks at the queue when it is done. Waking it for every event cost a context switch per event on one core.
  const bool idle = impl_->appends.empty() && impl_->acks.empty();
  if (impl_->appends.empty()) impl_->first_pending = std::chrono::steady_clock::now();
  impl_->appends.push_back({seq, std::move(data), std::move(done)});
  lock.unlock();
  if (idle) impl_->cv.notify_one();
  return seq;
}

void Spool::ack(std::uint64_t seq) {
  if (seq == 0) return;
  std::unique_lock lock(impl_->mu);
  if (impl_->closed) return;
  const bool idle = impl_->appends.empty() && impl_->acks.empty();  // see append()
  impl_->acks.push_back(seq);
  lock.unlock();
  if (idle) impl_->cv.notify_one();
}

bool Spool::healthy() const {
  std::lock_guard lock(impl_->mu);
  // One second after a failure new appends may probe again (the spool has no other way to learn the disk has room).
  return impl_->is_healthy || std::chrono::steady_clock::now() - impl_->failed_at > std::chrono::seconds(1);
}

std::string Spool::last_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->error_text;
}

SpoolStats Spool::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->st;
}

void Spool::close() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->closed) return;
    impl_->stopping = true;
  }
  impl_->cv.notify_one();
  if (impl_->writer.joinable()) impl_->writer.join();
  std::lock_guard lock(impl_->mu);
  impl_->closed = true;
  if (impl_->active_fd >= 0) ::close(impl_->active_fd);
  impl_->active_fd = -1;
  if (impl_->lock_fd >= 0) ::close(impl_->lock_fd);  // another process may take the spool over now
  impl_->lock_fd = -1;
}

}  // namespace sidetag::delivery
