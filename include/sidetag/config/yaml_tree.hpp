#pragma once
// A plain tree of the YAML document that keeps line numbers through overlays and interpolation, and reports
// duplicate keys (yaml-cpp 0.7 silently keeps both and answers the first).
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sidetag::config {

struct MapEntry;

struct Node {
  enum class Kind { null, scalar, map, seq };
  Kind kind = Kind::null;
  std::string scalar;
  bool quoted = false;  // "123" in quotes is a string even where a number is expected
  int line = 0;         // 1-based; 0 when unknown
  // In document order. (Not std::pair<std::string, Node>: a pair of an incomplete type does not compile with
  // clang 14 + libstdc++, which the fuzz build uses; std::vector allows the incomplete MapEntry.)
  std::vector<MapEntry> map;
  std::vector<Node> seq;

  const Node* find(const std::string& key) const;
  Node* find(const std::string& key);
};

struct MapEntry {
  std::string first;  // key
  Node second;        // value
};

// Parses YAML text. On syntax errors or duplicate keys, appends "path (line N): ..." messages to errors.
Node parse_yaml(const std::string& text, std::vector<std::string>& errors);
// Deep-merges overlay into base: maps merge key by key, everything else is replaced.
void merge_overlay(Node& base, const Node& overlay);

}  // namespace sidetag::config
