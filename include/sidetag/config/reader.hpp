#pragma once
// The low-level configuration reader: one YAML mapping read against the keys a component knows, with typed getters
// and precise "path.to.key (line N): message" errors; finish() reports every key nobody asked for, with a
// did-you-mean suggestion. Schema tables (schema.hpp) are interpreted with it; custom rows of a table use it
// directly.
#include <charconv>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sidetag/config/yaml_tree.hpp"

namespace sidetag::config {

// "path (line N)"; just the path when the line is unknown.
std::string at(const std::string& path, int line);

std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidates closest to `word` (edit distance at most max(2, size/3)), nearest first, at most `limit`.
std::vector<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates,
                                 std::size_t limit = 3);
// " (did you mean 'a'?)" / " (did you mean 'a', 'b' or 'c'?)", or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates, std::size_t limit = 1);

// A value that looks like an access token, API key or signing secret: Meta's "EAA..." tokens, long runs of
// base64/base64url/hex characters with letters and digits mixed, or JWTs.
bool looks_like_secret(std::string_view value);
// How an error message shows a value the user wrote: "'ninety'" for plain text, but a description such as
// "a 180-character string (not shown: it looks like a token)" for anything that looks like a secret, so that a
// token pasted into the wrong field is never echoed into a terminal or a log.
std::string shown(std::string_view value);
// The description used for every value of a secret-bearing key (`access_token`, `api_keys`, `auth.secret`, ...).
std::string shown_secret(std::string_view value);

// What reading a configuration produced. Messages are "path.to.key (line N): what is wrong".
struct Diagnostics {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  // Raw values of secret-bearing keys seen while reading; scrub() removes them from every message.
  std::vector<std::string> secret_values;

  void error(const std::string& path, int line, const std::string& message) {
    errors.push_back(at(path, line) + ": " + message);
  }
  void warning(const std::string& path, int line, const std::string& message) {
    warnings.push_back(at(path, line) + ": " + message);
  }
  // Replaces every secret value (and anything that looks like one) quoted in a message by its description.
  void scrub();
};

// Reads one YAML map against the keys the schema knows; finish() reports every key nobody asked for.
class MapReader {
 public:
  MapReader(const Node* node, std::string path, Diagnostics& diag)
      : node_(node), path_(std::move(path)), diag_(diag) {
    if (node_ && node_->kind == Node::Kind::null) node_ = nullptr;
    if (node_ && node_->kind != Node::Kind::map) {
      diag_.error(path_, node_->line, "expected a mapping (key: value pairs)");
      node_ = nullptr;
    }
  }

  bool present() const { return node_ != nullptr; }
  const std::string& path() const { return path_; }
  int line() const { return node_ ? node_->line : 0; }
  const Node* node() const { return node_; }
  Diagnostics& diagnostics() { return diag_; }

  // The value of `key` (null when absent or written as null); marks the key as known.
  const Node* child(const std::string& key) {
    known_.insert(key);
    if (!node_) return nullptr;
    const Node* c = node_->find(key);
    if (c && c->kind == Node::Kind::null) return nullptr;
    return c;
  }
  // Marks a key as known without reading it (a key another reader handles).
  void allow(const std::string& key) { known_.insert(key); }

  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  // An error about `key`, at the line of `n` (the section's line when n is null).
  void error(const std::string& key, const Node* n, const std::string& msg) {
    diag_.error(key_path(key), n ? n->line : line(), msg);
  }
  void warning(const std::string& key, const Node* n, const std::string& msg) {
    diag_.warning(key_path(key), n ? n->line : line(), msg);
  }

  // Values of a secret-bearing key are never quoted in any message (see Diagnostics::scrub).
  void secret(const std::string& key);

  void str(const std::string& key, std::string& out, bool required = false);
  template <typename T>
  void integer(const std::string& key, T& out, long long min, long long max) {
    const Node* c = child(key);
    if (!c) return;
    long long v = 0;
    if (!parse_integer(key, c, v)) return;
    if (v < min || v > max) {
      error(key, c, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + c->scalar);
      return;
    }
    out = static_cast<T>(v);
  }
  void flag(const std::string& key, bool& out);
  void str_list(const std::string& key, std::vector<std::string>& out);
  // A scalar that must be one of `allowed`; the message lists them all.
  void one_of(const std::string& key, std::string& out, const std::vector<std::string>& allowed);
  void one_of(const std::string& key, std::string& out, std::initializer_list<const char*> allowed) {
    one_of(key, out, std::vector<std::string>(allowed.begin(), allowed.end()));
  }

  // Reports every key of the mapping that no reader asked for.
  void finish();

  // How a value of `key` may be quoted in a message (described instead when the key is secret-bearing).
  std::string shown_value(const std::string& key, const Node& n) const;

 private:
  bool parse_integer(const std::string& key, const Node* c, long long& v);

  const Node* node_;
  std::string path_;
  Diagnostics& diag_;
  std::set<std::string> known_;
  std::set<std::string> secret_keys_;
};

}  // namespace sidetag::config
