#include "sidetag/delivery/dead_letters.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sidetag/util/json_write.hpp"

namespace sidetag::delivery {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

class FileLock {
 public:
  explicit FileLock(const std::string& data_path) {
    std::error_code ec;
    auto parent = fs::path(data_path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    const std::string p = data_path + ".lock";
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    } else {
      error_ = "cannot open " + p + ": " + std::strerror(errno);
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string error_;
};

bool write_all(int fd, const std::string& s) {
  const char* p = s.data();
  std::size_t n = s.size();
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

std::string dump(const json& j) { return util::to_json_text(j); }

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

bool dlq_append(const std::string& path, const json& record, std::string& error) {
  FileLock lock(path);
  if (!lock.ok()) {
    error = lock.error();
    return false;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  const bool ok = write_all(fd, dump(record) + "\n") && ::fdatasync(fd) == 0;
  if (!ok) error = "cannot write " + path + ": " + std::strerror(errno);
  ::close(fd);
  return ok;
}

std::vector<json> dlq_read(const std::string& path, std::size_t* bad_lines) {
  std::vector<json> out;
  std::size_t bad = 0;
  for (const auto& line : read_lines(path)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object()) {
      out.push_back(std::move(j));
    } else {
      ++bad;
    }
  }
  if (bad_lines) *bad_lines = bad;
  return out;
}

bool dlq_rewrite(const std::string& path, const std::function<bool(const json&)>& keep, std::size_t& removed,
                 std::string& error) {
  removed = 0;
  FileLock lock(path);
  if (!lock.ok()) {
    error = lock.error();
    return false;
  }
  if (!fs::exists(path)) return true;
  std::string out;
  for (const auto& line : read_lines(path)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && !keep(j)) {
      ++removed;
      continue;
    }
    out += line;
    out += '\n';
  }
  if (removed == 0) return true;
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  const bool ok = write_all(fd, out) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot replace " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  auto parent = fs::path(path).parent_path();
  const int dfd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

std::int64_t dlq_record_time_us(const json& record) {
  if (auto it = record.find("ts_us"); it != record.end() && it->is_number_integer()) return it->get<std::int64_t>();
  if (auto it = record.find("ts"); it != record.end() && it->is_string()) {
    std::int64_t us = 0;
    if (parse_time_arg(it->get<std::string>(), 0, us)) return us;
  }
  return 0;
}

bool parse_time_arg(const std::string& text, std::int64_t now_us, std::int64_t& out_us) {
  if (text.empty()) return false;
  // Duration back from now.
  const char unit = text.back();
  if ((unit == 's' || unit == 'm' || unit == 'h' || unit == 'd') && text.size() > 1) {
    const std::string num = text.substr(0, text.size() - 1);
    if (num.find_first_not_of("0123456789") == std::string::npos) {
      const std::int64_t n = std::stoll(num);
      const std::int64_t mult = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400;
      out_us = now_us - n * mult * 1'000'000;
      return true;
    }
  }
  if (text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 12) {
    out_us = std::stoll(text) * 1'000'000;
    return true;
  }
  // RFC 3339 / ISO 8601 in UTC: YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z]
  int Y = 0, M = 0, D = 0, h = 0, m = 0, s = 0;
  std::int64_t frac_us = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d", &Y, &M, &D) != 3) return false;
  std::size_t pos = 10;
  if (text.size() > pos) {
    if (text[pos] != 'T' && text[pos] != ' ') return false;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &h, &m) != 2) return false;
    pos += 6;
    if (text.size() > pos && text[pos] == ':') {
      if (std::sscanf(text.c_str() + pos + 1, "%2d", &s) != 1) return false;
      pos += 3;
      if (text.size() > pos && text[pos] == '.') {
        ++pos;
        std::int64_t scale = 100000;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
          frac_us += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
      }
    }
    if (pos < text.size() && !(text.substr(pos) == "Z" || text.substr(pos) == "+00:00")) return false;
  }
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  const std::time_t t = timegm(&tm);
  out_us = static_cast<std::int64_t>(t) * 1'000'000 + frac_us;
  return true;
}

}  // namespace sidetag::delivery
