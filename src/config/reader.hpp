#pragma once
// Schema reading helpers: read one YAML mapping against the keys a component knows, with typed getters and
// precise "path.to.key (line N): message" errors; finish() reports every key nobody asked for, with a
// did-you-mean suggestion. Each configuration section (server, meta, sites, sources, ...) is read with these.
#include <charconv>
#include <set>
#include <string>
#include <vector>

#include "config/yaml_tree.hpp"

namespace sidetag::config {

inline std::string at(const std::string& path, int line) {
  return path + (line > 0 ? " (line " + std::to_string(line) + ")" : std::string());
}

std::size_t edit_distance(const std::string& a, const std::string& b);

// Reads one YAML map against the keys the schema knows; finish() reports every key nobody asked for.
class MapReader {
 public:
  MapReader(const Node* node, std::string path, std::vector<std::string>& errors)
      : node_(node), path_(std::move(path)), errors_(errors) {
    if (node_ && node_->kind == Node::Kind::null) node_ = nullptr;
    if (node_ && node_->kind != Node::Kind::map) {
      errors_.push_back(at(path_, node_->line) + ": expected a mapping (key: value pairs)");
      node_ = nullptr;
    }
  }

  bool present() const { return node_ != nullptr; }
  const std::string& path() const { return path_; }
  int line() const { return node_ ? node_->line : 0; }

  const Node* child(const std::string& key) {
    known_.insert(key);
    if (!node_) return nullptr;
    const Node* c = node_->find(key);
    if (c && c->kind == Node::Kind::null) return nullptr;
    return c;
  }

  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  void error(const std::string& key, const Node* n, const std::string& msg) {
    errors_.push_back(at(key_path(key), n ? n->line : line()) + ": " + msg);
  }

  void str(const std::string& key, std::string& out, bool required = false) {
    const Node* c = child(key);
    if (!c) {
      if (required) errors_.push_back(at(key_path(key), line()) + ": required value is missing");
      return;
    }
    if (c->kind != Node::Kind::scalar) {
      error(key, c, "expected a string");
      return;
    }
    out = c->scalar;
    if (required && out.empty()) error(key, c, "must not be empty");
  }

  template <typename T>
  void integer(const std::string& key, T& out, long long min, long long max) {
    const Node* c = child(key);
    if (!c) return;
    long long v = 0;
    const std::string& s = c->scalar;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (c->kind != Node::Kind::scalar || ec != std::errc() || p != s.data() + s.size()) {
      error(key, c, "expected an integer, got '" + (c->kind == Node::Kind::scalar ? s : std::string("<structure>")) + "'");
      return;
    }
    if (v < min || v > max) {
      error(key, c, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + s);
      return;
    }
    out = static_cast<T>(v);
  }

  void flag(const std::string& key, bool& out) {
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
    error(key, c, "expected true or false");
  }

  void str_list(const std::string& key, std::vector<std::string>& out) {
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
        errors_.push_back(at(key_path(key) + "[" + std::to_string(i) + "]", c->seq[i].line) + ": expected a string");
        continue;
      }
      out.push_back(c->seq[i].scalar);
    }
  }

  void one_of(const std::string& key, std::string& out, std::initializer_list<const char*> allowed) {
    const Node* c = child(key);
    if (!c) return;
    std::string all;
    for (const char* a : allowed) {
      if (c->kind == Node::Kind::scalar && c->scalar == a) {
        out = a;
        return;
      }
      all += all.empty() ? a : std::string(", ") + a;
    }
    error(key, c, "must be one of: " + all + (c->kind == Node::Kind::scalar ? " (got '" + c->scalar + "')" : ""));
  }

  void finish() {
    if (!node_) return;
    for (const auto& [k, v] : node_->map) {
      if (known_.count(k)) continue;
      std::string msg = "unknown key '" + k + "'";
      std::string best;
      std::size_t best_d = 3;
      for (const auto& candidate : known_) {
        auto d = edit_distance(k, candidate);
        if (d < best_d) {
          best_d = d;
          best = candidate;
        }
      }
      if (!best.empty()) msg += " (did you mean '" + best + "'?)";
      errors_.push_back(at(key_path(k), v.line) + ": " + msg);
    }
  }

 private:
  const Node* node_;
  std::string path_;
  std::vector<std::string>& errors_;
  std::set<std::string> known_;
};

}  // namespace sidetag::config
