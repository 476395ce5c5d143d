#include "sidetag/sources/ga4/query.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

namespace {
// std::string's order (bytes compared as unsigned char, then length), inline: keys are a few bytes long and a
// memcmp call per comparison was most of the cost of sorting and searching them.
int key_compare(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
}

// The first 8 bytes of a key (zero-padded) as a big-endian integer: when two prefixes differ, their integer order is
// key_compare's order (a padding zero sorts before any byte, like the end of the shorter key), so most comparisons
// of a sort are one integer compare. Equal prefixes say nothing ("a" and "a\0"): then the whole keys are compared.
std::uint64_t key_prefix(std::string_view k) {
  unsigned char b[8] = {};
  std::memcpy(b, k.data(), std::min<std::size_t>(k.size(), 8));
  std::uint64_t v;
  std::memcpy(&v, b, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}
}  // namespace

Params::Params(std::vector<value_type> pairs) {
  // Sorts small (prefix, view, wire index) records instead of the string pairs, then moves each kept pair once; the
  // wire index orders equal keys so that the last of each run is the last duplicate.
  struct Ref {
    std::uint64_t prefix;
    std::string_view key;
    std::size_t index;
  };
  std::vector<Ref> refs;
  refs.reserve(pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) refs.push_back({key_prefix(pairs[i].first), pairs[i].first, i});
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    const int c = key_compare(a.key, b.key);
    return c < 0 || (c == 0 && a.index < b.index);
  });
  entries_.reserve(refs.size());
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (i + 1 < refs.size() && refs[i + 1].prefix == refs[i].prefix && key_compare(refs[i + 1].key, refs[i].key) == 0)
      continue;
    entries_.push_back(std::move(pairs[refs[i].index]));
  }
}

Params::iterator Params::lower_bound(std::string_view key) {
  return std::lower_bound(entries_.begin(), entries_.end(), key,
                          [](const value_type& e, std::string_view k) { return key_compare(e.first, k) < 0; });
}
Params::const_iterator Params::lower_bound(std::string_view key) const {
  return std::lower_bound(entries_.begin(), entries_.end(), key,
                          [](const value_type& e, std::string_view k) { return key_compare(e.first, k) < 0; });
}

Params::iterator Params::find(std::string_view key) {
  auto it = lower_bound(key);
  return it != entries_.end() && it->first == key ? it : entries_.end();
}
Params::const_iterator Params::find(std::string_view key) const {
  auto it = lower_bound(key);
  return it != entries_.end() && it->first == key ? it : entries_.end();
}

const std::string& Params::at(std::string_view key) const {
  auto it = find(key);
  if (it == end()) throw std::out_of_range("Params::at: no such key");
  return it->second;
}
std::string& Params::at(std::string_view key) {
  return const_cast<std::string&>(static_cast<const Params&>(*this).at(key));
}

std::string& Params::operator[](std::string_view key) {
  auto it = lower_bound(key);
  if (it == entries_.end() || it->first != key) it = entries_.emplace(it, std::string(key), std::string());
  return it->second;
}

std::pair<Params::iterator, bool> Params::insert_or_assign(std::string key, std::string value) {
  auto it = lower_bound(key);
  if (it != entries_.end() && it->first == key) {
    it->second = std::move(value);
    return {it, false};
  }
  return {entries_.emplace(it, std::move(key), std::move(value)), true};
}

std::size_t Params::erase(std::string_view key) {
  auto it = find(key);
  if (it == entries_.end()) return 0;
  entries_.erase(it);
  return 1;
}

Params Params::overlay(const Params& base, Params&& top) {
  Params out;
  out.entries_.reserve(base.size() + top.size());
  auto b = base.entries_.begin();
  const auto b_end = base.entries_.end();
  for (auto& t : top.entries_) {
    int c = -1;
    while (b != b_end && (c = key_compare(b->first, t.first)) < 0) out.entries_.push_back(*b++);
    if (b != b_end && c == 0) ++b;
    out.entries_.push_back(std::move(t));
  }
  out.entries_.insert(out.entries_.end(), b, b_end);
  return out;
}

std::vector<RawPair> split_query(std::string_view query) {
  std::vector<RawPair> out;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view seg = query.substr(start, amp - start);
    if (!seg.empty()) {
      RawPair p;
      std::size_t eq = seg.find('=');
      if (eq == std::string_view::npos) {
        p.key = seg;
      } else {
        p.key = seg.substr(0, eq);
        p.value = seg.substr(eq + 1);
        p.has_value = true;
      }
      out.push_back(p);
    }
    start = amp + 1;
  }
  return out;
}

bool is_tilde_structured_key(std::string_view k) {
  if (k == "em") return true;
  if (k.size() < 3 || k.size() > 5 || k[0] != 'p' || k[1] != 'r') return false;
  if (k[2] == '0') return false;
  int n = 0;
  for (std::size_t i = 2; i < k.size(); ++i) {
    if (k[i] < '0' || k[i] > '9') return false;
    n = n * 10 + (k[i] - '0');
  }
  return n >= 1 && n <= 200;
}

std::string form_decode(std::string_view s) { return util::percent_decode(s, true); }

namespace {
// Calls f(raw_key, raw_value) for each non-empty "key[=value]" segment with a non-empty raw key, in wire order.
template <typename F>
void for_each_raw(std::string_view query, F&& f) {
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view seg = query.substr(start, amp - start);
    start = amp + 1;
    std::size_t eq = seg.find('=');
    std::string_view rk = eq == std::string_view::npos ? seg : seg.substr(0, eq);
    if (rk.empty()) continue;
    f(rk, eq == std::string_view::npos ? std::string_view{} : seg.substr(eq + 1));
  }
}

template <typename F>
void for_each_decoded(std::string_view query, F&& f) {
  for_each_raw(query, [&](std::string_view rk, std::string_view rv) {
    std::string key = form_decode(rk);
    if (key.empty()) return;
    std::string value = is_tilde_structured_key(key) ? std::string(rv) : form_decode(rv);
    f(std::move(key), std::move(value));
  });
}
}  // namespace

Params parse_query(std::string_view query) { return Params(parse_query_pairs(query)); }

std::optional<std::string> query_param(std::string_view query, std::string_view decoded_key) {
  std::optional<std::string> out;
  for_each_raw(query, [&](std::string_view rk, std::string_view rv) {
    // Decoding never lengthens a key, so a shorter raw key (most GA4 keys are 1-3 bytes) cannot match. Otherwise
    // decode the key only when it could be an encoded form of the wanted one.
    if (rk.size() < decoded_key.size()) return;
    const bool plain = std::none_of(rk.begin(), rk.end(), [](char c) { return c == '%' || c == '+'; });
    if (plain ? rk != decoded_key : form_decode(rk) != decoded_key) return;
    out = is_tilde_structured_key(decoded_key) ? std::string(rv) : form_decode(rv);
  });
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query_pairs(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(static_cast<std::size_t>(std::count(query.begin(), query.end(), '&')) + 1);
  for_each_decoded(query, [&](std::string&& k, std::string&& v) { out.emplace_back(std::move(k), std::move(v)); });
  return out;
}

std::vector<std::string> split_tilde_fields(std::string_view raw) {
  std::vector<std::string> out;
  std::string cur;
  bool have_cur = false;      // cur holds a segment that may still be extended by "~~"
  bool join_next = false;     // previous segment was empty (a "~~"): the next one is glued with '~'
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t t = raw.find('~', start);
    if (t == std::string_view::npos) t = raw.size();
    std::string_view seg = raw.substr(start, t - start);
    bool last = t == raw.size();
    start = t + 1;
    if (seg.empty()) {
      // "~~" inside a value: literal '~'. At the very start/end it is just an empty field.
      if (have_cur && !last) {
        cur.push_back('~');
        join_next = true;
      }
      continue;
    }
    std::string decoded = form_decode(seg);
    if (join_next && have_cur) {
      cur += decoded;
      join_next = false;
      continue;
    }
    if (have_cur) out.push_back(std::move(cur));
    cur = std::move(decoded);
    have_cur = true;
    join_next = false;
  }
  if (have_cur) {
    if (join_next && !cur.empty() && cur.back() == '~') cur.pop_back();
    out.push_back(std::move(cur));
  }
  return out;
}

}  // namespace sidetag::sources::ga4
