#pragma once
// A plain tree of the YAML document that keeps line numbers through overlays and interpolation, and reports
// duplicate keys (yaml-cpp 0.7 silently keeps both and answers the first).
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sidetag::config {

struct Node {
  enum class Kind { null, scalar, map, seq };
  Kind kind = Kind::null;
  std::string scalar;
  bool quoted = false;  // "123" in quotes is a string even where a number is expected
  int line = 0;         // 1-based; 0 when unknown
  std::vector<std::pair<std::string, Node>> map;  // in document order
  std::vector<Node> seq;

  const Node* find(const std::string& key) const;
  Node* find(const std::string& key);
};

// Parses YAML text. On syntax errors or duplicate keys, appends "path (line N): ..." messages to errors.
Node parse_yaml(const std::string& text, std::vector<std::string>& errors);
// Deep-merges overlay into base: maps merge key by key, everything else is replaced.
void merge_overlay(Node& base, const Node& overlay);

}  // namespace sidetag::config
