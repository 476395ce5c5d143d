#include "sidetag/config/reader.hpp"

#include <algorithm>

namespace sidetag::config {

std::string at(const std::string& path, int line) {
  return path + (line > 0 ? " (line " + std::to_string(line) + ")" : std::string());
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates, std::size_t limit) {
  const std::size_t max_d = std::max<std::size_t>(2, word.size() / 3);
  std::vector<std::pair<std::size_t, const std::string*>> scored;
  for (const auto& c : candidates) {
    if (c == word) continue;
    std::size_t d = edit_distance(word, c);
    // A candidate that contains the word (or the reverse) is close too: `lead_event_source` for `event_source`.
    if (d > max_d && word.size() >= 4 && (c.find(word) != std::string::npos || word.find(c) != std::string_view::npos)) {
      d = max_d;
    }
    if (d <= max_d) scored.emplace_back(d, &c);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, c] : scored) {
    if (out.size() == limit) break;
    if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
  }
  return out;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates, std::size_t limit) {
  auto best = nearest(word, candidates, limit);
  if (best.empty()) return {};
  std::string s = " (did you mean ";
  for (std::size_t i = 0; i < best.size(); ++i) {
    if (i > 0) s += i + 1 == best.size() ? " or " : ", ";
    s += "'" + best[i] + "'";
  }
  return s + "?)";
}

bool looks_like_secret(std::string_view v) {
  bool upper = false, lower = false, digit = false, other = false, dots = false;
  for (char c : v) {
    if (c >= 'A' && c <= 'Z') {
      upper = true;
    } else if (c >= 'a' && c <= 'z') {
      lower = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.') {
      dots = true;
    } else if (c != '+' && c != '/' && c != '=' && c != '_' && c != '-') {
      other = true;
    }
  }
  if (other) return false;
  if (v.size() >= 20 && v.substr(0, 3) == "EAA" && !dots) return true;  // Meta access tokens
  // Hex and base64 keys, HubSpot/Stripe secrets, JWTs: long, letters and digits mixed.
  if (v.size() >= 32 && digit && (upper || lower)) return true;
  // Shorter random keys: upper case, lower case and digits all present.
  return v.size() >= 16 && !dots && upper && lower && digit;
}

std::string shown(std::string_view value) {
  if (looks_like_secret(value)) {
    return "a " + std::to_string(value.size()) + "-character string (not shown: it looks like a token)";
  }
  if (value.size() > 80) {
    return "'" + std::string(value.substr(0, 60)) + "...' (" + std::to_string(value.size()) + " characters)";
  }
  return "'" + std::string(value) + "'";
}

std::string shown_secret(std::string_view value) {
  if (value.empty()) return "an empty value";
  return "a " + std::to_string(value.size()) + "-character secret (not shown)";
}

void Diagnostics::scrub() {
  auto clean = [&](std::string& m) {
    for (const auto& s : secret_values) {
      if (s.size() < 4) continue;
      for (auto pos = m.find(s); pos != std::string::npos; pos = m.find(s, pos)) {
        const std::string d = "<" + shown_secret(s) + ">";
        m.replace(pos, s.size(), d);
        pos += d.size();
      }
    }
    // Anything quoted that looks like a token, whoever wrote the message.
    for (std::size_t open = m.find('\''); open != std::string::npos; open = m.find('\'', open + 1)) {
      const std::size_t close = m.find('\'', open + 1);
      if (close == std::string::npos) break;
      const std::string_view inner(m.data() + open + 1, close - open - 1);
      if (looks_like_secret(inner)) {
        const std::string d = shown(inner);
        m.replace(open, close - open + 1, d);
        open += d.size();
      } else {
        open = close;
      }
    }
  };
  for (auto& e : errors) clean(e);
  for (auto& w : warnings) clean(w);
}

void MapReader::secret(const std::string& key) {
  secret_keys_.insert(key);
  known_.insert(key);
  if (!node_) return;
  // Every scalar below the key is a secret (a list of API keys, a secret written as a mapping by mistake).
  std::vector<const Node*> todo;
  if (const Node* c = node_->find(key)) todo.push_back(c);
  while (!todo.empty()) {
    const Node* n = todo.back();
    todo.pop_back();
    if (n->kind == Node::Kind::scalar && !n->scalar.empty()) diag_.secret_values.push_back(n->scalar);
    for (const auto& e : n->seq) todo.push_back(&e);
    for (const auto& [k, v] : n->map) todo.push_back(&v);
  }
}

std::string MapReader::shown_value(const std::string& key, const Node& n) const {
  if (n.kind != Node::Kind::scalar) return n.kind == Node::Kind::seq ? "a list" : "a mapping";
  return secret_keys_.count(key) ? shown_secret(n.scalar) : shown(n.scalar);
}

void MapReader::str(const std::string& key, std::string& out, bool required) {
  const Node* c = child(key);
  if (!c) {
    if (required) diag_.error(key_path(key), line(), "required value is missing");
    return;
  }
  if (c->kind != Node::Kind::scalar) {
    error(key, c, "expected a string, got " + shown_value(key, *c));
    return;
  }
  out = c->scalar;
  if (required && out.empty()) error(key, c, "must not be empty");
}

bool MapReader::parse_integer(const std::string& key, const Node* c, long long& v) {
  const std::string& s = c->scalar;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (c->kind != Node::Kind::scalar || ec != std::errc() || p != s.data() + s.size()) {
    error(key, c, "expected an integer, got " + shown_value(key, *c));
    return false;
  }
  return true;
}

void MapReader::flag(const std::string& key, bool& out) {
  const Node* c = child(key);
  if (!c) return;
  if (c->kind == Node::Kind::scalar && !c->quoted) {
    if (c->scalar == "true" || c->scalar == "True" || c->scalar == "TRUE") {
      out = true;
      return;
    }
    if (c->scalar == "false" || c->scalar == "False" || c->scalar == "FALSE") {
      out = false;
      return;
    }
  }
  error(key, c, "expected true or false, got " + shown_value(key, *c));
}

void MapReader::str_list(const std::string& key, std::vector<std::string>& out) {
  const Node* c = child(key);
  if (!c) return;
  if (c->kind == Node::Kind::scalar) {  // a single value is a one-element list
    out = {c->scalar};
    return;
  }
  if (c->kind != Node::Kind::seq) {
    error(key, c, "expected a list of strings");
    return;
  }
  out.clear();
  for (std::size_t i = 0; i < c->seq.size(); ++i) {
    if (c->seq[i].kind != Node::Kind::scalar) {
      diag_.error(key_path(key) + "[" + std::to_string(i) + "]", c->seq[i].line, "expected a string");
      continue;
    }
    out.push_back(c->seq[i].scalar);
  }
}

void MapReader::one_of(const std::string& key, std::string& out, const std::vector<std::string>& allowed) {
  const Node* c = child(key);
  if (!c) return;
  std::string all;
  for (const auto& a : allowed) {
    if (c->kind == Node::Kind::scalar && c->scalar == a) {
      out = a;
      return;
    }
    all += all.empty() ? a : ", " + a;
  }
  error(key, c, "must be one of: " + all + " (got " + shown_value(key, *c) + ")");
}

void MapReader::finish() {
  if (!node_) return;
  const std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& [k, v] : node_->map) {
    if (known_.count(k)) continue;
    diag_.error(key_path(k), v.line, "unknown key '" + k + "'" + did_you_mean(k, known));
  }
}

}  // namespace sidetag::config
