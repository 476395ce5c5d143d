#pragma once
// Fast JSON serialization for the hot path. nlohmann's dump() walks every string byte through a UTF-8 DFA and a
// 512-byte staging buffer (~50k instructions per 1 KB event); this copies clean runs in one append instead.
// The output is byte-identical to j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), so callers can
// switch without changing what Meta, the spool or the dead-letter store see.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace sidetag::util {

// Writes JSON into a std::string through a raw pointer: std::string::push_back's capacity check and length and
// terminator stores were a third of the instructions. Callers reserve() an upper bound, then put() without checks;
// the write*() calls reserve themselves. The destructor trims the string to what was written (also when an
// exception leaves mid-value). The serializers below and event::Value / the Meta server event write with it, so
// every writer escapes strings and prints numbers exactly like nlohmann's dump().
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out), start_(out.size()), cur_(out.data() + start_), end_(cur_) {}
  ~JsonWriter() { out_.resize(static_cast<std::size_t>(cur_ - out_.data())); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void reserve(std::size_t n) {
    if (static_cast<std::size_t>(end_ - cur_) < n) grow(n);
  }
  void put(char c) { *cur_++ = c; }
  void put(const void* p, std::size_t n) {
    std::memcpy(cur_, p, n);
    cur_ += n;
  }
  void write(const void* p, std::size_t n) {
    reserve(n);
    put(p, n);
  }
  void write(char c) {
    reserve(1);
    put(c);
  }
  void write(std::string_view s) { write(s.data(), s.size()); }
  // A JSON string literal (quotes, nlohmann's escaping, invalid UTF-8 replaced as nlohmann replaces it).
  void string(std::string_view s);
  void number(std::int64_t v);
  void number(std::uint64_t v);
  void number(double v);  // nlohmann's Grisu2 output; null for NaN and infinities
  void boolean(bool b) { b ? write("true", 4) : write("false", 5); }
  void null() { write("null", 4); }

  std::size_t offset() const { return static_cast<std::size_t>(cur_ - out_.data()); }
  void rewind(std::size_t offset) { cur_ = out_.data() + offset; }

 private:
  [[gnu::noinline]] void grow(std::size_t n);
  std::string& out_;
  std::size_t start_;
  char* cur_;
  char* end_;
};

// Appends j serialized exactly like j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).
void append_json(std::string& out, const nlohmann::json& j);
// The same as a new string.
std::string to_json_text(const nlohmann::json& j);
// Appends s as a JSON string literal (with quotes), same escaping and invalid-UTF-8 replacement as above.
// s must not point into out (out's buffer may move while s is read).
void append_json_string(std::string& out, std::string_view s);

}  // namespace sidetag::util
