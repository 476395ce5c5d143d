#include "sidetag/util/json_write.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

namespace sidetag::util {

namespace {

using json = nlohmann::json;

std::string nlohmann_dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

enum ByteClass : std::uint8_t { kCopy, kEscape, kMultiByte };

// kCopy: printable ASCII, and DEL too (nlohmann escapes only 0x00..0x1F, '"' and '\\'). kMultiByte: any byte >= 0x80,
// the start of a sequence that must be validated before it is copied.
constexpr std::array<std::uint8_t, 256> kClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = c < 0x20 || c == '"' || c == '\\' ? kEscape : c >= 0x80 ? kMultiByte : kCopy;
  }
  return t;
}();

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighBits = 0x8080808080808080ull;

// High bit set in each byte of w that is < 0x20, '"', '\\' or >= 0x80; zero when all 8 bytes are copied as they are.
// (x - ones*n) & ~x has a byte's high bit set when that byte is below n (n <= 0x80), and a byte equal to v is a zero
// byte of x ^ ones*v. Borrows can also flag bytes above a real hit, never below it, so the lowest flagged byte is
// exact.
inline std::uint64_t needs_work(std::uint64_t w) {
  const std::uint64_t quote = w ^ (kOnes * '"');
  const std::uint64_t backslash = w ^ (kOnes * '\\');
  const std::uint64_t control = (w - kOnes * 0x20) & ~w;
  const std::uint64_t is_quote = (quote - kOnes) & ~quote;
  const std::uint64_t is_backslash = (backslash - kOnes) & ~backslash;
  return (control | is_quote | is_backslash | w) & kHighBits;
}

// Index of the first byte in p[i, n) that is not kCopy, or n.
inline std::size_t skip_copy(const unsigned char* p, std::size_t i, std::size_t n) {
  std::uint64_t mask;
  while (true) {
    std::uint64_t w;
    if (n - i >= 8) {
      std::memcpy(&w, p + i, 8);
    } else if (i < n) {
      w = kOnes * ' ';  // pad the tail with bytes that need no work: short keys take one check
      std::memcpy(&w, p + i, n - i);
    } else {
      return n;
    }
    mask = needs_work(w);
    if (mask != 0) break;
    i += 8;
    if (i > n) return n;
  }
  if constexpr (std::endian::native == std::endian::little) {
    return i + static_cast<std::size_t>(std::countr_zero(mask)) / 8;
  } else {
    while (kClass[p[i]] == kCopy) ++i;  // the flagged byte is in this word
    return i;
  }
}

inline bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at p (Unicode Table 3-7: no overlongs, no surrogates, nothing
// above U+10FFFF), or 0 when it is not one. nlohmann's DFA accepts exactly these sequences.
inline std::size_t utf8_sequence_length(const unsigned char* p, std::size_t avail) {
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) return avail >= 2 && continuation(p[1]) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (avail < 3 || !continuation(p[2])) return 0;
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;  // E0 80..9F would be overlong
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // ED A0..BF would be a surrogate
    return p[1] >= lo && p[1] <= hi ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (avail < 4 || !continuation(p[2]) || !continuation(p[3])) return 0;
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;  // F0 80..8F would be overlong
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // F4 90.. would be above U+10FFFF
    return p[1] >= lo && p[1] <= hi ? 4 : 0;
  }
  return 0;  // a continuation byte, C0/C1 (always overlong) or F5..FF
}

using Writer = JsonWriter;

inline void put_escape(Writer& w, unsigned char c) {
  switch (c) {
    case '"': w.put("\\\"", 2); return;
    case '\\': w.put("\\\\", 2); return;
    case '\b': w.put("\\b", 2); return;
    case '\t': w.put("\\t", 2); return;
    case '\n': w.put("\\n", 2); return;
    case '\f': w.put("\\f", 2); return;
    case '\r': w.put("\\r", 2); return;
    default: {
      // nlohmann prints the other control characters with snprintf("\\u%04x"): lowercase hex.
      static constexpr char kHex[] = "0123456789abcdef";
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      w.put(u, 6);
      return;
    }
  }
}

// whole: the json string holding s when there is one, so the invalid-UTF-8 fallback need not copy s.
void write_string(Writer& w, std::string_view s, const json* whole) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  if (n == 0) {  // also keeps a null data() (a default string_view) away from memcpy
    w.write("\"\"", 2);
    return;
  }
  const std::size_t mark = w.offset();
  // Invariant: room for the rest of the input copied as is plus the closing quote; each escape reserves its extra.
  w.reserve(n + 2);
  w.put('"');
  std::size_t run = 0;  // start of the pending run of bytes copied verbatim
  std::size_t i = 0;
  while ((i = skip_copy(p, i, n)) < n) {
    const unsigned char c = p[i];
    if (kClass[c] == kEscape) {
      w.put(p + run, i - run);
      w.reserve(n - i + 6);
      put_escape(w, c);
      run = ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(p + i, n - i);
    if (len == 0) {
      // Invalid UTF-8: how many bytes nlohmann folds into one U+FFFD depends on where its DFA rejects and whether it
      // re-reads the rejected byte. Such strings are rare; let nlohmann write this one.
      w.rewind(mark);
      const std::string text = whole != nullptr ? nlohmann_dump(*whole) : nlohmann_dump(json(std::string(s)));
      w.write(text.data(), text.size());
      return;
    }
    i += len;  // valid sequences are copied as they are (ensure_ascii is false)
  }
  w.put(p + run, n - run);
  w.put('"');
}

template <typename Int>
void write_integer(Writer& w, Int v) {
  w.reserve(20);  // "-9223372036854775808", "18446744073709551615"
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  w.put(buf, static_cast<std::size_t>(r.ptr - buf));
}

void write_float(Writer& w, double v) {
  if (!std::isfinite(v)) {
    w.write("null", 4);  // what nlohmann writes for NaN and +-inf
    return;
  }
  // nlohmann's own Grisu2 formatter, the one dump() calls: byte-identical by construction, without dump()'s
  // per-call serializer (localeconv(), a 512-byte indent string) and result string. Prices make floats common.
  char buf[64];
  const char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
  w.write(buf, static_cast<std::size_t>(end - buf));
}

void write_value(Writer& w, const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      w.write('{');
      bool first = true;
      for (const auto& [key, value] : *j.get_ptr<const json::object_t*>()) {
        if (!first) w.write(',');
        first = false;
        write_string(w, key, nullptr);
        w.write(':');
        write_value(w, value);
      }
      w.write('}');
      return;
    }
    case json::value_t::array: {
      w.write('[');
      bool first = true;
      for (const auto& value : *j.get_ptr<const json::array_t*>()) {
        if (!first) w.write(',');
        first = false;
        write_value(w, value);
      }
      w.write(']');
      return;
    }
    case json::value_t::string:
      write_string(w, *j.get_ptr<const json::string_t*>(), &j);
      return;
    case json::value_t::boolean:
      if (*j.get_ptr<const json::boolean_t*>()) {
        w.write("true", 4);
      } else {
        w.write("false", 5);
      }
      return;
    case json::value_t::number_integer:
      write_integer(w, *j.get_ptr<const json::number_integer_t*>());
      return;
    case json::value_t::number_unsigned:
      write_integer(w, *j.get_ptr<const json::number_unsigned_t*>());
      return;
    case json::value_t::number_float:
      write_float(w, *j.get_ptr<const json::number_float_t*>());
      return;
    case json::value_t::null:
      w.write("null", 4);
      return;
    case json::value_t::binary:     // never on our paths; nlohmann's {"bytes":[...],"subtype":...} form
    case json::value_t::discarded:  // "<discarded>"
    default: {
      const std::string text = nlohmann_dump(j);
      w.write(text.data(), text.size());
      return;
    }
  }
}

}  // namespace

void JsonWriter::grow(std::size_t n) {
  const std::size_t used = offset();
  // resize() zero-fills the new room, so it grows with what this writer wrote, not with what out held before (a
  // batch body appending event after event); std::string's own reallocation is geometric.
  out_.resize(used + std::max(n, used - start_ + 256));
  cur_ = out_.data() + used;
  end_ = out_.data() + out_.size();
}

void JsonWriter::string(std::string_view s) { write_string(*this, s, nullptr); }
void JsonWriter::number(std::int64_t v) { write_integer(*this, v); }
void JsonWriter::number(std::uint64_t v) { write_integer(*this, v); }
void JsonWriter::number(double v) { write_float(*this, v); }

void append_json(std::string& out, const nlohmann::json& j) {
  Writer w(out);
  write_value(w, j);
}

std::string to_json_text(const nlohmann::json& j) {
  std::string out;
  if (j.is_structured()) out.reserve(1024);  // a Meta event is ~1 KB: two allocations instead of four
  append_json(out, j);
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  Writer w(out);
  write_string(w, s, nullptr);
}

}  // namespace sidetag::util
