#include "sidetag/sources/ga4/query.hpp"

#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

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

Params parse_query(std::string_view query) {
  Params out;
  for_each_decoded(query, [&](std::string&& k, std::string&& v) { out.insert_or_assign(std::move(k), std::move(v)); });
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view decoded_key) {
  std::optional<std::string> out;
  for_each_raw(query, [&](std::string_view rk, std::string_view rv) {
    // Decode the key only when it could be an encoded form of the wanted one.
    const bool plain = rk.find_first_of("%+") == std::string_view::npos;
    if (plain ? rk != decoded_key : form_decode(rk) != decoded_key) return;
    out = is_tilde_structured_key(decoded_key) ? std::string(rv) : form_decode(rv);
  });
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query_pairs(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
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
